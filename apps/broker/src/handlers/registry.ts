// Handlers by API key. The core data path lives here; the other handler files of the broker (groups,
// offsets, admin, SASL, InitProducerId) each export a HandlerMap that the broker merges with these.
import { ApiKey, supportedApiVersions } from "@cirrus/kafka-protocol";
import { handleApiVersions } from "./api-versions.ts";
import { describeClusterError, handleDescribeCluster } from "./describe-cluster.ts";
import { describeTopicPartitionsError, handleDescribeTopicPartitions } from "./describe-topic-partitions.ts";
import {
  apiVersionsError,
  fetchError,
  listOffsetsError,
  metadataError,
  produceError,
} from "./error-responses.ts";
import { handleFetch } from "./fetch.ts";
import { type AnyApiHandler, type HandlerMap, handlerMap } from "./handler.ts";
import { handleListOffsets } from "./list-offsets.ts";
import {
  alterReplicaLogDirsError,
  describeLogDirsError,
  handleAlterReplicaLogDirs,
  handleDescribeLogDirs,
} from "./log-dirs.ts";
import { handleMetadata } from "./metadata.ts";
import { handleProduce } from "./produce.ts";

export const coreHandlers: HandlerMap = handlerMap({
  [ApiKey.Produce]: { handle: handleProduce, errorResponse: produceError },
  [ApiKey.Fetch]: { handle: handleFetch, errorResponse: fetchError },
  [ApiKey.ListOffsets]: { handle: handleListOffsets, errorResponse: listOffsetsError },
  [ApiKey.Metadata]: { handle: handleMetadata, errorResponse: metadataError },
  [ApiKey.ApiVersions]: { handle: handleApiVersions, errorResponse: apiVersionsError },
  [ApiKey.DescribeCluster]: { handle: handleDescribeCluster, errorResponse: describeClusterError },
  [ApiKey.DescribeTopicPartitions]: {
    handle: handleDescribeTopicPartitions,
    errorResponse: describeTopicPartitionsError,
  },
  [ApiKey.AlterReplicaLogDirs]: {
    handle: handleAlterReplicaLogDirs,
    errorResponse: alterReplicaLogDirsError,
  },
  [ApiKey.DescribeLogDirs]: { handle: handleDescribeLogDirs, errorResponse: describeLogDirsError },
});

/** Merges handler maps; two maps claiming the same API key is a programming error and throws. */
export function mergeHandlers(...maps: HandlerMap[]): HandlerMap {
  const merged = new Map<number, AnyApiHandler>();
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
