// Reading the partitions of one Fetch: resolve each target to a partition this broker serves (or a Kafka
// error), then read whole record batches within the byte limits. The chunks a read returns are the
// stored batches themselves (log cache or block cache buffers): they go to the response by reference.
import { ErrorCode } from "@cirrus/kafka-protocol";
import type { RequestContext } from "../handlers/handler.ts";
import { kafkaErrorCodeOf } from "../handlers/kafka-error-codes.ts";
import { fromWireTopicId, ZERO_WIRE_TOPIC_ID } from "../handlers/topic-ids.ts";
import { topicExists, topicIdExists } from "../handlers/topic-lookup.ts";
import type { Partition } from "../partitions/partition.ts";
import type { FetchTarget, PartitionOutcome } from "./fetch-session.ts";

export interface PartitionRead extends PartitionOutcome {
  readonly target: FetchTarget;
  /** The topic name to answer with (v0-v12); resolved from the partition when the request used ids. */
  readonly topic: string;
  /** The wire topic id to answer with (v13+), the zero id before. */
  readonly topicId: string;
  readonly partition: Partition | undefined;
  errorCode: number;
  /** Stored record batches, whole, in offset order; not to be modified (they are shared). */
  chunks: readonly Buffer[];
  bytes: number;
  highWatermark: number;
  logStartOffset: number;
}

/** One PartitionRead per target, in order, with the errors known before reading. */
export async function resolvePartitions(
  targets: readonly FetchTarget[],
  context: RequestContext,
  byId: boolean,
): Promise<PartitionRead[]> {
  const { services } = context;
  const reads: PartitionRead[] = [];
  for (const target of targets) {
    const topicId = byId ? fromWireTopicId(target.topicId) : "";
    const partition = byId
      ? services.partitions.byId(topicId, target.partition)
      : services.partitions.byName(target.topic, target.partition);
    let errorCode: number = ErrorCode.NONE;
    if (!partition) {
      const exists = byId
        ? await topicIdExists(services, topicId, target.partition)
        : await topicExists(services, target.topic, target.partition);
      errorCode = exists
        ? ErrorCode.NOT_LEADER_OR_FOLLOWER
        : byId
          ? ErrorCode.UNKNOWN_TOPIC_ID
          : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
    } else if (target.currentLeaderEpoch >= 0 && target.currentLeaderEpoch < partition.leaderEpoch) {
      errorCode = ErrorCode.FENCED_LEADER_EPOCH;
    } else if (target.currentLeaderEpoch > partition.leaderEpoch) {
      errorCode = ErrorCode.UNKNOWN_LEADER_EPOCH;
    }
    reads.push({
      target,
      topic: partition?.topic ?? target.topic,
      topicId: byId ? target.topicId : ZERO_WIRE_TOPIC_ID,
      partition,
      errorCode,
      chunks: [],
      bytes: 0,
      highWatermark: -1,
      logStartOffset: -1,
    });
  }
  return reads;
}

/**
 * Reads every readable partition within maxBytes overall and partitionMaxBytes each — except that the
 * first partition with data always returns at least one whole batch, as Kafka does, so a large batch can
 * never stall a consumer. Can be called again (after a long-poll wait): errors found while reading are
 * kept, errors known before reading stay. Returns the total bytes read.
 */
export async function readPartitions(reads: PartitionRead[], maxBytes: number): Promise<number> {
  let total = 0;
  let first = true;
  for (const read of reads) {
    read.chunks = [];
    read.bytes = 0;
    read.highWatermark = -1;
    read.logStartOffset = -1;
    const partition = read.partition;
    if (read.errorCode !== ErrorCode.NONE || !partition) continue;
    if (partition.closed) {
      read.errorCode = ErrorCode.NOT_LEADER_OR_FOLLOWER;
      continue;
    }
    const offset = read.target.fetchOffset;
    if (offset < partition.logStartOffset || offset > partition.highWatermark) {
      read.errorCode = ErrorCode.OFFSET_OUT_OF_RANGE;
      continue;
    }
    const budget = Math.min(read.target.partitionMaxBytes, maxBytes - total);
    if (budget <= 0 && !first) {
      markOffsets(read, partition);
      continue;
    }
    try {
      const { chunks, bytes } = await partition.read(offset, Math.max(1, budget));
      read.chunks = chunks;
      read.bytes = bytes;
      total += bytes;
      if (bytes > 0) first = false;
      markOffsets(read, partition);
    } catch (error) {
      read.errorCode = kafkaErrorCodeOf(error);
    }
  }
  return total;
}

function markOffsets(read: PartitionRead, partition: Partition): void {
  read.highWatermark = partition.highWatermark;
  read.logStartOffset = partition.logStartOffset;
}
