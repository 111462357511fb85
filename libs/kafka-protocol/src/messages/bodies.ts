import type { EncodableMessageOf, MessageOf } from "../schema/types.ts";
import type { ApiVersionsRequestSpec, ApiVersionsResponseSpec } from "./api-versions.ts";
import type { FetchRequestSpec, FetchResponseSpec } from "./fetch.ts";
import type { ListOffsetsRequestSpec, ListOffsetsResponseSpec } from "./list-offsets.ts";
import type { MetadataRequestSpec, MetadataResponseSpec } from "./metadata.ts";
import type { ProduceRequestSpec, ProduceResponseSpec } from "./produce.ts";

// Type maps from API key to message body types; they drive the typing of decodeRequest
// (a union discriminated by header.apiKey) and encodeResponse.

interface Specs {
  0: [typeof ProduceRequestSpec, typeof ProduceResponseSpec];
  1: [typeof FetchRequestSpec, typeof FetchResponseSpec];
  2: [typeof ListOffsetsRequestSpec, typeof ListOffsetsResponseSpec];
  3: [typeof MetadataRequestSpec, typeof MetadataResponseSpec];
  18: [typeof ApiVersionsRequestSpec, typeof ApiVersionsResponseSpec];
}

export type RequestBodies = { [K in keyof Specs]: MessageOf<Specs[K][0]> };
export type ResponseBodies = { [K in keyof Specs]: MessageOf<Specs[K][1]> };
export type EncodableRequestBodies = { [K in keyof Specs]: EncodableMessageOf<Specs[K][0]> };
export type EncodableResponseBodies = { [K in keyof Specs]: EncodableMessageOf<Specs[K][1]> };
