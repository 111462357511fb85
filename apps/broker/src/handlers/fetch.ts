// Fetch: whole record batches from each partition's stream, up to the high watermark (everything durable on
// the WAL), within maxBytes overall and partitionMaxBytes per partition — except that the first non-empty
// partition always returns at least one whole batch, as Kafka does, so a large batch can never stall a
// consumer. With fewer than minBytes available the request long-polls: appends to its partitions wake it,
// maxWaitMs (capped by config.maxFetchWaitMs) ends it, and a closing connection or partition aborts it.
//
// Fetch sessions (KIP-227) are not kept: every answer carries sessionId 0, which tells clients to send full
// fetch requests. isolation_level READ_COMMITTED reads the same data (no transactions: LSO = high watermark).
import { ErrorCode, type FetchRequest } from "@cirrus/kafka-protocol";
import type { Partition } from "../partitions/partition.ts";
import type { RequestContext } from "./handler.ts";
import { kafkaErrorCodeOf } from "./kafka-error-codes.ts";
import { fromWireTopicId, ZERO_WIRE_TOPIC_ID } from "./topic-ids.ts";
import { topicExists, topicIdExists } from "./topic-lookup.ts";

const EMPTY = Buffer.alloc(0);

interface Slot {
  topic: string;
  topicId: string;
  partitionIndex: number;
  fetchOffset: number;
  partitionMaxBytes: number;
  currentLeaderEpoch: number;
  partition: Partition | undefined;
  errorCode: number;
  chunks: Buffer[];
  bytes: number;
}

async function resolveSlots(request: FetchRequest, context: RequestContext, byId: boolean): Promise<Slot[]> {
  const { services } = context;
  const slots: Slot[] = [];
  for (const topic of request.topics) {
    for (const p of topic.partitions) {
      const topicId = byId ? fromWireTopicId(topic.topicId) : "";
      const partition = byId
        ? services.partitions.byId(topicId, p.partition)
        : services.partitions.byName(topic.topic, p.partition);
      let errorCode: number = ErrorCode.NONE;
      if (!partition) {
        const exists = byId
          ? await topicIdExists(services, topicId, p.partition)
          : await topicExists(services, topic.topic, p.partition);
        errorCode = exists
          ? ErrorCode.NOT_LEADER_OR_FOLLOWER
          : byId
            ? ErrorCode.UNKNOWN_TOPIC_ID
            : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
      } else if (p.currentLeaderEpoch >= 0 && p.currentLeaderEpoch < partition.leaderEpoch) {
        errorCode = ErrorCode.FENCED_LEADER_EPOCH;
      } else if (p.currentLeaderEpoch > partition.leaderEpoch) {
        errorCode = ErrorCode.UNKNOWN_LEADER_EPOCH;
      }
      slots.push({
        topic: partition?.topic ?? topic.topic,
        topicId: byId ? topic.topicId : ZERO_WIRE_TOPIC_ID,
        partitionIndex: p.partition,
        fetchOffset: Number(p.fetchOffset),
        partitionMaxBytes: p.partitionMaxBytes,
        currentLeaderEpoch: p.currentLeaderEpoch,
        partition,
        errorCode,
        chunks: [],
        bytes: 0,
      });
    }
  }
  return slots;
}

/** Reads every readable slot within the byte limits; returns the total bytes read. */
async function readSlots(slots: Slot[], maxBytes: number): Promise<number> {
  let total = 0;
  let first = true;
  for (const slot of slots) {
    slot.chunks = [];
    slot.bytes = 0;
    if (slot.errorCode !== ErrorCode.NONE || !slot.partition) continue;
    const partition = slot.partition;
    if (partition.closed) {
      slot.errorCode = ErrorCode.NOT_LEADER_OR_FOLLOWER;
      continue;
    }
    if (slot.fetchOffset < partition.logStartOffset || slot.fetchOffset > partition.highWatermark) {
      slot.errorCode = ErrorCode.OFFSET_OUT_OF_RANGE;
      continue;
    }
    const budget = Math.min(slot.partitionMaxBytes, maxBytes - total);
    if (budget <= 0 && !first) continue;
    try {
      const { chunks, bytes } = await partition.read(slot.fetchOffset, Math.max(1, budget));
      slot.chunks = chunks;
      slot.bytes = bytes;
      total += bytes;
      if (bytes > 0) first = false;
    } catch (error) {
      slot.errorCode = kafkaErrorCodeOf(error);
    }
  }
  return total;
}

export async function handleFetch(request: FetchRequest, context: RequestContext): Promise<object> {
  const { services } = context;
  const byId = context.apiVersion >= 13;
  const maxBytes = request.maxBytes > 0 ? request.maxBytes : 0x7fffffff;
  const slots = await resolveSlots(request, context, byId);
  let total = await readSlots(slots, maxBytes);
  const waitMs = Math.min(Math.max(0, request.maxWaitMs), services.config.maxFetchWaitMs);
  const anyError = slots.some((s) => s.errorCode !== ErrorCode.NONE);
  if (total < request.minBytes && waitMs > 0 && !anyError && slots.length > 0) {
    let arrived = total;
    const keys = slots.flatMap((s) => (s.partition ? [s.partition.key] : []));
    services.metrics.fetchWaiters.inc();
    const outcome = await services.partitions.notifier.wait({
      keys,
      timeoutMs: Math.max(0, waitMs - (performance.now() - context.receivedAt)),
      signal: context.connection.closed,
      onAppend: (_key, bytes) => {
        arrived += bytes;
        return arrived >= request.minBytes;
      },
    });
    services.metrics.fetchWaiters.dec();
    if (outcome !== "aborted" || !context.connection.closed.aborted) total = await readSlots(slots, maxBytes);
  }
  const topics = new Map<string, { topic: string; topicId: string; partitions: object[] }>();
  for (const slot of slots) {
    const key = byId ? slot.topicId : slot.topic;
    let entry = topics.get(key);
    if (!entry) {
      entry = { topic: slot.topic, topicId: slot.topicId, partitions: [] };
      topics.set(key, entry);
    }
    const partition = slot.partition;
    const ok = slot.errorCode === ErrorCode.NONE && partition !== undefined;
    const hw = ok ? BigInt(partition.highWatermark) : -1n;
    if (ok && slot.bytes > 0) {
      const labels = { topic: partition.topic, partition: String(partition.partition) };
      services.metrics.partitionBytesOut.inc(labels, slot.bytes);
      services.load.addPartition(partition.topicId, partition.partition, 0, slot.bytes);
    }
    entry.partitions.push({
      partitionIndex: slot.partitionIndex,
      errorCode: slot.errorCode,
      highWatermark: hw,
      lastStableOffset: hw,
      logStartOffset: ok ? BigInt(partition.logStartOffset) : -1n,
      abortedTransactions: null,
      preferredReadReplica: -1,
      records:
        slot.chunks.length === 0
          ? EMPTY
          : slot.chunks.length === 1
            ? slot.chunks[0]!
            : Buffer.concat(slot.chunks),
    });
  }
  return {
    throttleTimeMs: 0,
    errorCode: ErrorCode.NONE,
    sessionId: 0,
    responses: [...topics.values()],
  };
}
