import type { EncodableMessageOf, MessageOf } from "../schema/types.ts";
import type { apiSpecTable } from "./registry.ts";

// Type maps from API key to message body types; they drive the typing of decodeRequest
// (a union discriminated by `apiKey`) and of encodeResponse.

type Specs = typeof apiSpecTable;

export type RequestBodies = { [K in keyof Specs]: MessageOf<Specs[K][0]> };
export type ResponseBodies = { [K in keyof Specs]: MessageOf<Specs[K][1]> };
export type EncodableRequestBodies = { [K in keyof Specs]: EncodableMessageOf<Specs[K][0]> };
export type EncodableResponseBodies = { [K in keyof Specs]: EncodableMessageOf<Specs[K][1]> };
