import type { MessageSpec } from "../schema/types.ts";
import { ApiVersionsRequestSpec, ApiVersionsResponseSpec } from "./api-versions.ts";
import { FetchRequestSpec, FetchResponseSpec } from "./fetch.ts";
import { ListOffsetsRequestSpec, ListOffsetsResponseSpec } from "./list-offsets.ts";
import { MetadataRequestSpec, MetadataResponseSpec } from "./metadata.ts";
import { ProduceRequestSpec, ProduceResponseSpec } from "./produce.ts";

/** A request spec with its response spec; both cover the same versions. */
export interface ApiSpec {
  readonly apiKey: number;
  readonly request: MessageSpec;
  readonly response: MessageSpec;
}

export const apiSpecs: readonly ApiSpec[] = [
  { apiKey: 0, request: ProduceRequestSpec, response: ProduceResponseSpec },
  { apiKey: 1, request: FetchRequestSpec, response: FetchResponseSpec },
  { apiKey: 2, request: ListOffsetsRequestSpec, response: ListOffsetsResponseSpec },
  { apiKey: 3, request: MetadataRequestSpec, response: MetadataResponseSpec },
  { apiKey: 18, request: ApiVersionsRequestSpec, response: ApiVersionsResponseSpec },
];

const byKey = new Map<number, ApiSpec>(apiSpecs.map((s) => [s.apiKey, s]));

export function apiSpec(apiKey: number): ApiSpec | undefined {
  return byKey.get(apiKey);
}
