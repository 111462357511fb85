// Handlers by API key. The core data path lives here; the other handler files of the broker (groups,
// offsets, admin, SASL, InitProducerId) each export a HandlerMap that the broker merges with these.
import { ApiKey, supportedApiVersions } from "@cirrus/kafka-protocol";
import { handleApiVersions } from "./api-versions.ts";
import { handleFetch } from "./fetch.ts";
import type { HandlerMap, KafkaApiHandler } from "./handler.ts";
import { handleListOffsets } from "./list-offsets.ts";
import { handleMetadata } from "./metadata.ts";
import { handleProduce } from "./produce.ts";

export const coreHandlers: HandlerMap = new Map<number, KafkaApiHandler>([
  [ApiKey.Produce, handleProduce],
  [ApiKey.Fetch, handleFetch],
  [ApiKey.ListOffsets, handleListOffsets],
  [ApiKey.Metadata, handleMetadata],
  [ApiKey.ApiVersions, handleApiVersions],
]);

/** Merges handler maps; two maps claiming the same API key is a programming error and throws. */
export function mergeHandlers(...maps: HandlerMap[]): HandlerMap {
  const merged = new Map<number, KafkaApiHandler>();
  for (const map of maps) {
    for (const [key, handler] of map) {
      if (merged.has(key)) throw new Error(`two handlers for api key ${key}`);
      merged.set(key, handler);
    }
  }
  return merged;
}

/** What ApiVersions advertises: the APIs that have a handler, at the versions the codec speaks. */
export function advertisedApiVersions(
  handlers: HandlerMap,
): { apiKey: number; minVersion: number; maxVersion: number }[] {
  return supportedApiVersions().filter((range) => handlers.has(range.apiKey));
}
