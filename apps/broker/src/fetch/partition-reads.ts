// Reading the partitions of one Fetch: resolve each target to a partition this broker serves (or a Kafka
// error), then read whole record batches within the byte limits. The chunks a read returns are the
// stored batches themselves (log cache or block cache buffers): they go to the response by reference.
import { ErrorCode } from "@cirrus/kafka-protocol";
import type { RequestContext } from "../handlers/handler.ts";
import { kafkaErrorCodeOf } from "../handlers/kafka-error-codes.ts";
import { fromWireTopicId, ZERO_WIRE_TOPIC_ID } from "../handlers/topic-ids.ts";
import { topicExists, topicIdExists } from "../handlers/topic-lookup.ts";
import type { Partition } from "../partitions/partition.ts";
import type { AbortedTxn, PartitionTxnIndex } from "../producers/partition-txn-index.ts";
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
  /** The last stable offset (the high watermark when no transaction is open). */
  lastStableOffset: number;
  logStartOffset: number;
  /** read_committed: the aborted transactions overlapping what was read; null otherwise. */
  abortedTransactions: AbortedTxn[] | null;
}

/**
 * How a fetch treats transactions: read_committed reads only below the last stable offset and reports the
 * aborted transactions in what it read; `transactions` is the partition's index (undefined while loading:
 * then nothing is known to be stable beyond the log start).
 */
export interface FetchIsolation {
  readonly readCommitted: boolean;
  readonly transactions: ((partition: Partition) => PartitionTxnIndex | undefined) | undefined;
}

const readUncommitted: FetchIsolation = { readCommitted: false, transactions: undefined };

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
      lastStableOffset: -1,
      logStartOffset: -1,
      abortedTransactions: null,
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
export async function readPartitions(
  reads: PartitionRead[],
  maxBytes: number,
  isolation: FetchIsolation = readUncommitted,
): Promise<number> {
  let total = 0;
  let first = true;
  for (const read of reads) {
    read.chunks = [];
    read.bytes = 0;
    read.highWatermark = -1;
    read.lastStableOffset = -1;
    read.logStartOffset = -1;
    read.abortedTransactions = null;
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
      markOffsets(read, partition, isolation);
      continue;
    }
    try {
      if (isolation.readCommitted) {
        // The offsets first: a read_committed read stops at the LSO as it was before reading.
        markOffsets(read, partition, isolation);
        const { chunks, bytes, end } = await readCommitted(
          partition,
          offset,
          read.lastStableOffset,
          Math.max(1, budget),
        );
        read.chunks = chunks;
        read.bytes = bytes;
        read.abortedTransactions =
          bytes > 0 ? (isolation.transactions?.(partition)?.abortedIn(offset, end) ?? []) : [];
      } else {
        const { chunks, bytes } = await partition.read(offset, Math.max(1, budget));
        read.chunks = chunks;
        read.bytes = bytes;
        markOffsets(read, partition, isolation);
      }
      total += read.bytes;
      if (read.bytes > 0) first = false;
    } catch (error) {
      read.errorCode = kafkaErrorCodeOf(error);
    }
  }
  return total;
}

function markOffsets(read: PartitionRead, partition: Partition, isolation: FetchIsolation): void {
  read.highWatermark = partition.highWatermark;
  read.logStartOffset = partition.logStartOffset;
  const txns = isolation.transactions?.(partition);
  read.lastStableOffset = txns
    ? txns.lastStableOffset(read.highWatermark)
    : isolation.transactions
      ? read.logStartOffset
      : read.highWatermark;
}

/** Whole stored batches from `offset` below the LSO (a transaction's first batch starts a stored record). */
async function readCommitted(
  partition: Partition,
  offset: number,
  lastStableOffset: number,
  maxBytes: number,
): Promise<{ chunks: Buffer[]; bytes: number; end: number }> {
  if (offset >= lastStableOffset) return { chunks: [], bytes: 0, end: offset };
  const records = await partition.readRecords(offset, lastStableOffset, maxBytes);
  const chunks = records.map((r) => r.payload);
  let bytes = 0;
  for (const c of chunks) bytes += c.length;
  const last = records.at(-1);
  return { chunks, bytes, end: last ? last.baseOffset + last.count : offset };
}
