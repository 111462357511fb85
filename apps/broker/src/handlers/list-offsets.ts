// ListOffsets: earliest (-2), latest (-1: the high watermark), max timestamp (-3) and by timestamp (the first
// record at or after it: the time index finds the batch, then the batch's records are read, as Kafka does).
// Timestamps are answered from the partition's sparse time index (partitions/time-index.ts, kept in its
// checkpoints): a binary search and one granule read, never a scan of the log. Offsets of partitions another
// broker leads get NOT_LEADER_OR_FOLLOWER, so clients look the leader up again; a partition this broker was
// just given (a new topic) is waited for while it opens (topic-lookup.ts servedPartition).
import { type ApiKey, ErrorCode, type ListOffsetsRequest } from "@cirrus/kafka-protocol";
import type { Partition } from "../partitions/partition.ts";
import type { RequestContext, ResponseOf } from "./handler.ts";
import { kafkaErrorCodeOf } from "./kafka-error-codes.ts";
import { servedPartition } from "./topic-lookup.ts";

const LATEST = -1n;
const EARLIEST = -2n;
const MAX_TIMESTAMP = -3n;
const EARLIEST_LOCAL = -4n;
const LATEST_TIERED = -5n;

async function lookup(
  partition: Partition,
  timestamp: bigint,
): Promise<{ offset: number; timestamp: number }> {
  if (timestamp === LATEST) return { offset: partition.highWatermark, timestamp: -1 };
  // Everything is "local" (readable from this broker) and nothing is tiered apart from the object store.
  if (timestamp === EARLIEST || timestamp === EARLIEST_LOCAL)
    return { offset: partition.logStartOffset, timestamp: -1 };
  if (timestamp === LATEST_TIERED) return { offset: partition.logStartOffset - 1, timestamp: -1 };
  if (timestamp === MAX_TIMESTAMP) return partition.maxTimestampOffset();
  return partition.offsetForTimestamp(Number(timestamp));
}

export async function handleListOffsets(
  request: ListOffsetsRequest,
  context: RequestContext,
): Promise<ResponseOf<typeof ApiKey.ListOffsets>> {
  const { services } = context;
  const topics = await Promise.all(
    request.topics.map(async (topic) => ({
      name: topic.name,
      partitions: await Promise.all(
        topic.partitions.map(async (p) => {
          const answer = (errorCode: number, offset = -1, timestamp = -1, leaderEpoch = -1) => ({
            partitionIndex: p.partitionIndex,
            errorCode,
            timestamp: BigInt(timestamp),
            offset: BigInt(offset),
            leaderEpoch,
          });
          const partition = await servedPartition(services, topic.name, p.partitionIndex);
          if ("errorCode" in partition) return answer(partition.errorCode);
          if (p.currentLeaderEpoch >= 0 && p.currentLeaderEpoch < partition.leaderEpoch) {
            return answer(ErrorCode.FENCED_LEADER_EPOCH);
          }
          if (p.currentLeaderEpoch > partition.leaderEpoch) return answer(ErrorCode.UNKNOWN_LEADER_EPOCH);
          if (p.timestamp < MAX_TIMESTAMP - 2n) return answer(ErrorCode.INVALID_REQUEST);
          try {
            const found = await lookup(partition, p.timestamp);
            return answer(ErrorCode.NONE, found.offset, found.timestamp, partition.leaderEpoch);
          } catch (error) {
            return answer(kafkaErrorCodeOf(error));
          }
        }),
      ),
    })),
  );
  return { throttleTimeMs: 0, topics };
}
