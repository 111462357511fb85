// Produce: each partition's record batches are checked (framing, magic 2, CRC32C), stamped with their base
// offset in place and appended as sent. acks=1 and acks=-1 both answer once the batches are durable on the
// WAL (there are no replicas: the WAL plus object storage are the replication); acks=0 answers nothing.
// Writes are refused (NOT_LEADER_OR_FOLLOWER) when this broker does not own the partition, its lease has
// expired, or it is shutting down — and a write whose lease expired while it was in flight is not acked.
// Transactional batches (KIP-98) pass the producer gate like idempotent ones; the gate also opens the
// producer's transaction on the partition, which holds its last stable offset back (producers/).
import {
  type ApiKey,
  ErrorCode,
  type ProduceRequest,
  type RecordBatchHeader,
  readRecordBatchHeader,
  readRecordBatchSummary,
  recordBatchCrcMatches,
  splitRecordBatches,
} from "@cirrus/kafka-protocol";
import { OFFSETS_TOPIC } from "../groups/group-coordinator.ts";
import type { CheckedBatch, Partition } from "../partitions/partition.ts";
import { stateTimestamp } from "../partitions/state-timestamp.ts";
import {
  appendPolicyOf,
  applyAppendPolicy,
  type TopicAppendPolicy,
} from "../partitions/topic-append-policy.ts";
import { TRANSACTION_STATE_TOPIC } from "../transactions/txn-coordinator.ts";
import type { RequestContext, ResponseOf } from "./handler.ts";
import { kafkaErrorCodeOf } from "./kafka-error-codes.ts";
import { type CurrentLeader, LeaderHints, PRODUCE_LEADER_HINT_VERSION } from "./leader-hints.ts";
import { topicExists } from "./topic-lookup.ts";

interface PartitionResult {
  index: number;
  errorCode: number;
  baseOffset: bigint;
  logAppendTimeMs: bigint;
  logStartOffset: bigint;
  recordErrors: { batchIndex: number; batchIndexErrorMessage: string | null }[];
  errorMessage: string | null;
  currentLeader?: CurrentLeader;
}

/** A verified batch; `header` (BigInt fields and all) is read only for producers that have an id. */
export type ProducedBatch = CheckedBatch & { recordCount: number; header: RecordBatchHeader | undefined };

type Checked = { batches: ProducedBatch[] } | { errorCode: number; message: string };

/** Splits and verifies a partition's records; never throws. */
export function checkRecords(records: Buffer | null): Checked {
  if (records === null || records.length === 0) {
    return { errorCode: ErrorCode.INVALID_RECORD, message: "no record batch" };
  }
  try {
    const batches: ProducedBatch[] = [];
    for (const payload of splitRecordBatches(records)) {
      const summary = readRecordBatchSummary(payload);
      if (!recordBatchCrcMatches(payload))
        return { errorCode: ErrorCode.CORRUPT_MESSAGE, message: "CRC mismatch" };
      if (summary.lastOffsetDelta < 0 || summary.recordCount <= 0) {
        return { errorCode: ErrorCode.INVALID_RECORD, message: "empty or inconsistent batch" };
      }
      // Markers are written by transaction coordinators only (WriteTxnMarkers), never by producers.
      if (summary.isControl) {
        return { errorCode: ErrorCode.INVALID_RECORD, message: "a producer cannot write control batches" };
      }
      if (summary.isTransactional && !summary.hasProducerId) {
        return { errorCode: ErrorCode.INVALID_RECORD, message: "a transactional batch without producer id" };
      }
      batches.push({
        payload,
        count: summary.lastOffsetDelta + 1,
        recordCount: summary.recordCount,
        // NO_TIMESTAMP (-1) batches exist; streams take non-negative safe timestamps only. The batch keeps
        // its own (any int64): this is the stream's time, for retention and the time index.
        maxTimestamp: stateTimestamp(summary.maxTimestamp, 0),
        header: summary.hasProducerId ? readRecordBatchHeader(payload) : undefined,
      });
    }
    return { batches };
  } catch (error) {
    const code = (error as { code?: string }).code;
    return {
      errorCode:
        code === "UNSUPPORTED_MAGIC" ? ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT : ErrorCode.CORRUPT_MESSAGE,
      message: String((error as Error).message ?? error),
    };
  }
}

function failed(index: number, errorCode: number, errorMessage: string | null = null): PartitionResult {
  return {
    index,
    errorCode,
    baseOffset: -1n,
    logAppendTimeMs: -1n,
    logStartOffset: -1n,
    recordErrors: [],
    errorMessage,
  };
}

/** A partition's answer now, or once its append settles (the only asynchronous steps). */
function produceToPartition(
  topic: string,
  index: number,
  records: Buffer | null,
  appendPolicy: TopicAppendPolicy,
  context: RequestContext,
): PartitionResult | Promise<PartitionResult> {
  const { services } = context;
  // Only the coordinators write their logs (a forged record there would corrupt every group/transaction).
  if (topic === OFFSETS_TOPIC || topic === TRANSACTION_STATE_TOPIC) {
    return failed(index, ErrorCode.INVALID_TOPIC_EXCEPTION, `cannot produce to the internal topic ${topic}`);
  }
  const partition = services.partitions.byName(topic, index);
  if (!partition) {
    // Handed off by this broker a moment ago: answer once the new leader is known here, so that the client's
    // Metadata right after the refusal names it (rather than it retrying here against stale metadata).
    const handoff = services.handoffOf?.(topic, index);
    if (handoff)
      return withinMs(handoff, HANDOFF_HOLD_MS).then(() => failed(index, ErrorCode.NOT_LEADER_OR_FOLLOWER));
    return topicExists(services, topic, index).then((known) =>
      failed(index, known ? ErrorCode.NOT_LEADER_OR_FOLLOWER : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION),
    );
  }
  if (services.shuttingDown() || !services.canAck()) return failed(index, ErrorCode.NOT_LEADER_OR_FOLLOWER);
  const checked = checkRecords(records);
  if ("errorCode" in checked) return failed(index, checked.errorCode, checked.message);
  // Without producer state there is no transaction index: a transactional batch would be unaccounted for.
  if (!services.producers && checked.batches.some((b) => b.header?.isTransactional)) {
    return failed(index, ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT, "transactions need producer state");
  }
  const policy = applyAppendPolicy(checked.batches, appendPolicy, Date.now());
  if (!policy.ok)
    return { ...failed(index, policy.errorCode, policy.message), recordErrors: policy.recordErrors };
  // A partition just opened here (a move, a restart) may still be loading its producer state: wait for it
  // (bounded) instead of answering NOT_ENOUGH_REPLICAS, which costs the client a retry backoff. Requests that
  // wait resume in arrival order (one load promise), so a producer's pipelined batches keep their order.
  const loading = policy.batches.some((b) => b.header !== undefined)
    ? services.producers?.loading?.(partition)
    : undefined;
  if (loading) {
    return withinMs(loading, PRODUCER_STATE_WAIT_MS).then(() => {
      if (services.partitions.byName(topic, index) !== partition || partition.closed)
        return failed(index, ErrorCode.NOT_LEADER_OR_FOLLOWER);
      if (services.shuttingDown() || !services.canAck())
        return failed(index, ErrorCode.NOT_LEADER_OR_FOLLOWER);
      // Not loaded in time (or the load failed): admit() answers the retriable error and loads again.
      return appendChecked(partition, policy.batches, context, policy.logAppendTimeMs);
    });
  }
  return appendChecked(partition, policy.batches, context, policy.logAppendTimeMs);
}

/**
 * Longest a produce waits for its partition's producer state before answering the retriable
 * NOT_ENOUGH_REPLICAS (a load replaying a long tail; the client retries then).
 */
export const PRODUCER_STATE_WAIT_MS = 2_000;

/**
 * Longest a produce to a partition this broker is handing off waits for the new leader to be known before it
 * is refused anyway (a slow target open). Kept well under clients' request timeouts (30 s by default): the
 * hold also delays the responses queued behind it on the connection.
 */
export const HANDOFF_HOLD_MS = 1_000;

/** Settles when `promise` does or after `ms`, whichever is first; never rejects. */
function withinMs(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.catch(() => {}),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

function appendChecked(
  partition: Partition,
  batches: readonly ProducedBatch[],
  context: RequestContext,
  logAppendTimeMs: number,
): PartitionResult | Promise<PartitionResult> {
  const { services } = context;
  const gate = services.producers;
  let admitted: { header: RecordBatchHeader; baseOffset: number }[] | undefined;
  // Everything from here to partition.append() runs synchronously: the offsets admit() sees are the ones
  // the batches get.
  if (gate) {
    let offset = partition.nextOffset;
    for (const batch of batches) {
      if (batch.header === undefined) {
        offset += batch.count;
        continue;
      }
      const verdict = gate.admit(partition, batch.header, offset);
      if (verdict.kind === "duplicate" && batches.length === 1) {
        return { ...failed(partition.partition, ErrorCode.NONE), baseOffset: BigInt(verdict.baseOffset) };
      }
      if (verdict.kind !== "append") {
        for (const a of admitted ?? []) gate.settle(partition, a.header, a.baseOffset, false);
        const code = verdict.kind === "reject" ? verdict.errorCode : ErrorCode.DUPLICATE_SEQUENCE_NUMBER;
        return failed(
          partition.partition,
          code,
          verdict.kind === "reject" ? (verdict.message ?? null) : null,
        );
      }
      admitted ??= [];
      admitted.push({ header: batch.header, baseOffset: offset });
      offset += batch.count;
    }
  }
  return partition.append(batches).then(
    (baseOffset) => {
      if (admitted) for (const a of admitted) gate?.settle(partition, a.header, a.baseOffset, true);
      // Durable on the WAL, but only acked while the lease still holds (invariant 2): otherwise the client
      // retries elsewhere and the idempotent producer (or the consumer) sees the duplicate.
      if (!services.canAck()) return failed(partition.partition, ErrorCode.NOT_LEADER_OR_FOLLOWER);
      let bytes = 0;
      let records = 0;
      for (const batch of batches) {
        bytes += batch.payload.length;
        records += batch.recordCount;
      }
      const counters = services.metrics.partitionCounters(partition, partition.topic, partition.partition);
      counters.bytesIn.value += bytes;
      counters.recordsIn.value += records;
      services.load.addPartition(partition, bytes, 0);
      return {
        index: partition.partition,
        errorCode: ErrorCode.NONE,
        baseOffset: BigInt(baseOffset),
        logAppendTimeMs: BigInt(logAppendTimeMs),
        logStartOffset: BigInt(partition.logStartOffset),
        recordErrors: [],
        errorMessage: null,
      };
    },
    (error: unknown) => {
      if (admitted) for (const a of admitted) gate?.settle(partition, a.header, a.baseOffset, false);
      return failed(partition.partition, kafkaErrorCodeOf(error), String((error as Error).message ?? error));
    },
  );
}

/**
 * Every partition is checked and its append started synchronously, in request order; the answer is built once
 * the last append settles (one promise per partition, none per topic).
 */
export function handleProduce(
  request: ProduceRequest,
  context: RequestContext,
): Promise<ResponseOf<typeof ApiKey.Produce> | null> {
  const acks = request.acks;
  const invalidAcks = acks !== 0 && acks !== 1 && acks !== -1;
  const responses: { name: string; partitionResponses: PartitionResult[] }[] = [];
  const waits: Promise<void>[] = [];
  for (const topic of request.topicData) {
    const partitionResponses: PartitionResult[] = new Array(topic.partitionData.length);
    responses.push({ name: topic.name, partitionResponses });
    // The topic's configs (max.message.bytes, message.timestamp.*) as this broker last saw them, once per topic.
    const appendPolicy = invalidAcks
      ? undefined
      : appendPolicyOf(context.services.topicConfigs?.(topic.name));
    for (let i = 0; i < topic.partitionData.length; i++) {
      const p = topic.partitionData[i]!;
      const result = appendPolicy
        ? produceToPartition(topic.name, p.index, p.records, appendPolicy, context)
        : failed(p.index, ErrorCode.INVALID_REQUIRED_ACKS);
      if (result instanceof Promise) {
        waits.push(
          result.then((settled) => {
            partitionResponses[i] = settled;
          }),
        );
      } else {
        partitionResponses[i] = result;
      }
    }
  }
  const response: ResponseOf<typeof ApiKey.Produce> = { responses, throttleTimeMs: 0 };
  if (acks === 0) {
    // The client reads no answer; the append still happens (and its failures are only counted).
    const countFailures = () => {
      for (const topic of responses)
        for (const p of topic.partitionResponses)
          if (p.errorCode !== ErrorCode.NONE)
            context.services.metrics.requestErrors.inc({ api: "Produce", error: "ACKS0_APPEND" });
    };
    if (waits.length === 0) countFailures();
    else Promise.all(waits).then(countFailures);
    return Promise.resolve(null);
  }
  const answer = () => withLeaderHints(response, context);
  if (waits.length === 0) return Promise.resolve(answer());
  if (waits.length === 1) return waits[0]!.then(answer);
  return Promise.all(waits).then(answer);
}

/** KIP-951: the refused partitions name their leader when another broker is known to lead them (v10+). */
function withLeaderHints(
  response: ResponseOf<typeof ApiKey.Produce>,
  context: RequestContext,
): ResponseOf<typeof ApiKey.Produce> {
  if (context.apiVersion < PRODUCE_LEADER_HINT_VERSION) return response;
  let hints: LeaderHints | undefined;
  for (const topic of response.responses) {
    for (const p of topic.partitionResponses as PartitionResult[]) {
      if (p.errorCode === ErrorCode.NONE) continue;
      hints ??= new LeaderHints(context.services.cachedMetadata?.(), context.services.brokerId());
      const leader = hints.leaderOf({ name: topic.name }, p.index, p.errorCode);
      if (leader) p.currentLeader = leader;
    }
  }
  const endpoints = hints?.endpoints() ?? [];
  return endpoints.length === 0 ? response : { ...response, nodeEndpoints: endpoints };
}
