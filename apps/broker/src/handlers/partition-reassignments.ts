// AlterPartitionReassignments v0 (45) and ListPartitionReassignments v0 (46), as `kafka-reassign-partitions`
// and Admin.alterPartitionReassignments / listPartitionReassignments use them. Cirrus keeps one replica per
// partition, its leader (the data lives in object storage), so a reassignment names exactly one broker: the
// partition moves there through the control plane's move executor (the one move path of rebalance, drain
// and the balancer, with its checks and move limits); the move copies no data and takes well under a second.
// Kafka clients send these to the controller of Metadata, a live broker; every broker answers them alike,
// since the control plane holds the moves.
import type { CancelOutcome, ReassignmentInFlight, ReassignmentOutcome } from "@cirrus/broker-api";
import { checkTopicName } from "@cirrus/broker-api";
import {
  type AlterPartitionReassignmentsRequest,
  type ApiKey,
  ErrorCode,
  type ListPartitionReassignmentsRequest,
} from "@cirrus/kafka-protocol";
import { controlPlaneError } from "./control-plane-errors.ts";
import type { ErrorResponder, RequestContext, ResponseOf } from "./handler.ts";

/** The control plane takes at most this many moves per call (its schema's bound). */
const MOVES_PER_CALL = 10_000;
const MAX_PARTITION_INDEX = 1_000_000;

const ONE_REPLICA =
  "Cirrus keeps one replica per partition (its data lives in object storage): name exactly one broker, " +
  "which is to lead the partition.";

/**
 * A cancel (null replicas) of a released move is refused: its source is closing (or closed) the stream and its
 * target opening it from object storage, so there is nothing to revert to, and it finishes (or is rolled back
 * by the control plane) within seconds. A move still queued for the move limits is cancelled.
 */
const NO_CANCEL =
  "A released Cirrus partition move cannot be cancelled: it copies no data and finishes (or is rolled back) " +
  "within seconds. List the reassignments again to see it done.";

type Answer = { errorCode: number; errorMessage: string | null };
const ok: Answer = { errorCode: ErrorCode.NONE, errorMessage: null };

/** A control plane outcome as the Kafka error a client acts on. */
const outcomeError: Record<ReassignmentOutcome, number> = {
  STARTED: ErrorCode.NONE,
  ALREADY_THERE: ErrorCode.NONE,
  UNKNOWN_PARTITION: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  UNKNOWN_BROKER: ErrorCode.INVALID_REPLICA_ASSIGNMENT,
  BROKER_NOT_ACTIVE: ErrorCode.INVALID_REPLICA_ASSIGNMENT,
  MOVING_ELSEWHERE: ErrorCode.REASSIGNMENT_IN_PROGRESS,
  DUPLICATE: ErrorCode.INVALID_REQUEST,
};

const keyOf = (topic: string, partition: number) => `${topic}\u0000${partition}`;

/** A name the control plane could not hold, or a partition index it cannot have: no such partition. */
function impossiblePartition(topic: string, partition: number): boolean {
  return checkTopicName(topic) !== null || partition < 0 || partition > MAX_PARTITION_INDEX;
}

export async function handleAlterPartitionReassignments(
  request: AlterPartitionReassignmentsRequest,
  context: RequestContext,
): Promise<ResponseOf<typeof ApiKey.AlterPartitionReassignments>> {
  const { controlPlane } = context.services;
  const answers = new Map<string, Answer>();
  const moves: { topic: string; partition: number; to: number }[] = [];
  const cancels: { topic: string; partition: number }[] = [];
  const named = new Set<string>();
  const twice = new Set<string>();
  for (const topic of request.topics) {
    for (const p of topic.partitions) {
      const key = keyOf(topic.name, p.partitionIndex);
      if (named.has(key)) twice.add(key);
      named.add(key);
    }
  }
  for (const topic of request.topics) {
    for (const p of topic.partitions) {
      const key = keyOf(topic.name, p.partitionIndex);
      if (twice.has(key)) {
        answers.set(key, {
          errorCode: ErrorCode.INVALID_REQUEST,
          errorMessage: `partition ${topic.name}-${p.partitionIndex} is named more than once`,
        });
        continue;
      }
      if (impossiblePartition(topic.name, p.partitionIndex)) {
        answers.set(key, {
          errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
          errorMessage: `partition ${topic.name}-${p.partitionIndex} not found`,
        });
      } else if (p.replicas === null) {
        cancels.push({ topic: topic.name, partition: p.partitionIndex });
      } else if (p.replicas.length !== 1) {
        answers.set(key, { errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, errorMessage: ONE_REPLICA });
      } else if (p.replicas[0]! < 0) {
        answers.set(key, {
          errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT,
          errorMessage: `broker ${p.replicas[0]} is not a broker of this cluster`,
        });
      } else {
        moves.push({ topic: topic.name, partition: p.partitionIndex, to: p.replicas[0]! });
      }
    }
  }
  const deadline = Date.now() + request.timeoutMs;
  await Promise.all([
    startMoves(controlPlane, moves, answers, deadline),
    answerCancels(controlPlane, cancels, answers, deadline),
  ]);
  return {
    throttleTimeMs: 0,
    errorCode: ErrorCode.NONE,
    errorMessage: null,
    responses: request.topics.map((topic) => ({
      name: topic.name,
      partitions: topic.partitions.map((p) => ({
        partitionIndex: p.partitionIndex,
        ...(answers.get(keyOf(topic.name, p.partitionIndex)) ?? ok),
      })),
    })),
  };
}

/**
 * Kafka's timeoutMs: a call the control plane has not answered by `deadline` is abandoned and its partitions
 * answered REQUEST_TIMED_OUT (the control plane also starts nothing it receives too late: the remaining time
 * is sent with the moves). A timeout of 0 or less has no time at all, as in Kafka.
 */
async function beforeDeadline<T>(
  deadline: number,
  call: (signal: AbortSignal, remainingMs: number) => Promise<T>,
): Promise<{ answer: T } | { failed: Answer }> {
  const remainingMs = deadline - Date.now();
  const timedOut: Answer = {
    errorCode: ErrorCode.REQUEST_TIMED_OUT,
    errorMessage:
      "the control plane did not accept the reassignment within the request's timeoutMs; " +
      "list the reassignments to see whether it started",
  };
  if (remainingMs <= 0) return { failed: timedOut };
  const signal = AbortSignal.timeout(remainingMs);
  try {
    return { answer: await call(signal, remainingMs) };
  } catch (error) {
    return { failed: signal.aborted ? timedOut : controlPlaneError(error) };
  }
}

async function startMoves(
  controlPlane: RequestContext["services"]["controlPlane"],
  moves: readonly { topic: string; partition: number; to: number }[],
  answers: Map<string, Answer>,
  deadline: number,
): Promise<void> {
  for (let i = 0; i < moves.length; i += MOVES_PER_CALL) {
    const batch = moves.slice(i, i + MOVES_PER_CALL);
    const outcome = await beforeDeadline(deadline, (signal, timeoutMs) =>
      controlPlane.reassignPartitions({ moves: batch, timeoutMs }, { signal }),
    );
    if ("failed" in outcome) {
      for (const m of batch) answers.set(keyOf(m.topic, m.partition), outcome.failed);
      continue;
    }
    for (const r of outcome.answer.results) {
      const errorCode = outcomeError[r.outcome];
      answers.set(keyOf(r.topic, r.partition), {
        errorCode,
        errorMessage: errorCode === ErrorCode.NONE ? null : r.message,
      });
    }
  }
}

/** A control plane cancel outcome as the Kafka error a client acts on. */
const cancelError: Record<CancelOutcome, number> = {
  CANCELLED: ErrorCode.NONE,
  IN_PROGRESS: ErrorCode.REASSIGNMENT_IN_PROGRESS,
  NOT_MOVING: ErrorCode.NO_REASSIGNMENT_IN_PROGRESS,
  UNKNOWN_PARTITION: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
};

/**
 * Null replicas: a queued move is cancelled (NONE); a released one answers REASSIGNMENT_IN_PROGRESS (see
 * NO_CANCEL); NO_REASSIGNMENT_IN_PROGRESS when the partition is not moving; UNKNOWN_TOPIC_OR_PARTITION.
 */
async function answerCancels(
  controlPlane: RequestContext["services"]["controlPlane"],
  cancels: readonly { topic: string; partition: number }[],
  answers: Map<string, Answer>,
  deadline: number,
): Promise<void> {
  for (let i = 0; i < cancels.length; i += MOVES_PER_CALL) {
    const batch = cancels.slice(i, i + MOVES_PER_CALL);
    const outcome = await beforeDeadline(deadline, (signal) =>
      controlPlane.cancelReassignments({ partitions: batch }, { signal }),
    );
    if ("failed" in outcome) {
      for (const c of batch) answers.set(keyOf(c.topic, c.partition), outcome.failed);
      continue;
    }
    for (const r of outcome.answer.results) {
      const errorCode = cancelError[r.outcome];
      answers.set(keyOf(r.topic, r.partition), {
        errorCode,
        errorMessage:
          errorCode === ErrorCode.NONE ? null : r.outcome === "IN_PROGRESS" ? NO_CANCEL : r.message,
      });
    }
  }
}

/**
 * A one-replica move as Kafka shows a reassignment: the replicas during it are the target then the source,
 * the target being added and the source removed. A drain's move names no target until the partition is
 * assigned (to -1); a move whose source has closed shows only its target (from -1).
 */
export function kafkaReassignment(m: ReassignmentInFlight): {
  replicas: number[];
  addingReplicas: number[];
  removingReplicas: number[];
} {
  const adding = m.to >= 0 ? [m.to] : [];
  const removing = m.from >= 0 && m.from !== m.to ? [m.from] : [];
  return { replicas: [...adding, ...removing], addingReplicas: adding, removingReplicas: removing };
}

export async function handleListPartitionReassignments(
  request: ListPartitionReassignmentsRequest,
  context: RequestContext,
): Promise<ResponseOf<typeof ApiKey.ListPartitionReassignments>> {
  let inFlight: ReassignmentInFlight[];
  try {
    inFlight = (await context.services.controlPlane.partitionReassignments()).reassignments;
  } catch (error) {
    const { errorCode, errorMessage } = controlPlaneError(error);
    return { throttleTimeMs: 0, errorCode, errorMessage, topics: [] };
  }
  // Kafka lists only the asked partitions that are being reassigned (unknown ones are left out).
  const asked =
    request.topics === null
      ? null
      : new Set(request.topics.flatMap((t) => t.partitionIndexes.map((p) => keyOf(t.name, p))));
  const byTopic = new Map<string, (ReturnType<typeof kafkaReassignment> & { partitionIndex: number })[]>();
  for (const m of inFlight) {
    if (asked && !asked.has(keyOf(m.topic, m.partition))) continue;
    const partitions = byTopic.get(m.topic) ?? [];
    partitions.push({ partitionIndex: m.partition, ...kafkaReassignment(m) });
    byTopic.set(m.topic, partitions);
  }
  return {
    throttleTimeMs: 0,
    errorCode: ErrorCode.NONE,
    errorMessage: null,
    topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })),
  };
}

export const alterPartitionReassignmentsError: ErrorResponder<45> = (request, errorCode) => ({
  throttleTimeMs: 0,
  errorCode,
  errorMessage: null,
  responses: request.topics.map((topic) => ({
    name: topic.name,
    partitions: topic.partitions.map((p) => ({
      partitionIndex: p.partitionIndex,
      errorCode,
      errorMessage: null,
    })),
  })),
});

export const listPartitionReassignmentsError: ErrorResponder<46> = (_request, errorCode) => ({
  throttleTimeMs: 0,
  errorCode,
  errorMessage: null,
  topics: [],
});
