// AlterPartitionReassignments v0 (45) and ListPartitionReassignments v0 (46), as `kafka-reassign-partitions`
// and Admin.alterPartitionReassignments / listPartitionReassignments use them. Cirrus keeps one replica per
// partition, its leader (the data lives in object storage), so a reassignment names exactly one broker: the
// partition moves there through the control plane's move executor (the one move path of rebalance, drain
// and the balancer, with its checks and move limits); the move copies no data and takes well under a second.
// Kafka clients send these to the controller of Metadata, a live broker; every broker answers them alike,
// since the control plane holds the moves.
import type {
  ReassignmentInFlight,
  ReassignmentOutcome,
  ReassignPartitionsResponse,
} from "@cirrus/broker-api";
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
 * A cancel (null replicas) of a move in flight is refused: a released move has its source closing (or
 * closed) the stream and its target opening it from object storage, so there is nothing to revert to, and it
 * finishes in well under a second; a move still queued for the move limits is released by the executor
 * shortly. The client lists the reassignments again to see it done.
 */
const NO_CANCEL =
  "A Cirrus partition move cannot be cancelled: it copies no data and finishes in well under a second. " +
  "List the reassignments again to see it done.";

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
  await Promise.all([startMoves(controlPlane, moves, answers), answerCancels(context, cancels, answers)]);
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

async function startMoves(
  controlPlane: RequestContext["services"]["controlPlane"],
  moves: readonly { topic: string; partition: number; to: number }[],
  answers: Map<string, Answer>,
): Promise<void> {
  for (let i = 0; i < moves.length; i += MOVES_PER_CALL) {
    const batch = moves.slice(i, i + MOVES_PER_CALL);
    let answer: ReassignPartitionsResponse;
    try {
      answer = await controlPlane.reassignPartitions({ moves: batch });
    } catch (error) {
      const failed = controlPlaneError(error);
      for (const m of batch) answers.set(keyOf(m.topic, m.partition), failed);
      continue;
    }
    for (const r of answer.results) {
      const errorCode = outcomeError[r.outcome];
      answers.set(keyOf(r.topic, r.partition), {
        errorCode,
        errorMessage: errorCode === ErrorCode.NONE ? null : r.message,
      });
    }
  }
}

/** Null replicas: NO_REASSIGNMENT_IN_PROGRESS when the partition is not moving; see NO_CANCEL when it is. */
async function answerCancels(
  context: RequestContext,
  cancels: readonly { topic: string; partition: number }[],
  answers: Map<string, Answer>,
): Promise<void> {
  if (cancels.length === 0) return;
  let inFlight: ReassignmentInFlight[];
  let known: Set<string>;
  try {
    const [moving, metadata] = await Promise.all([
      context.services.controlPlane.partitionReassignments(),
      context.services.metadata(true),
    ]);
    inFlight = moving.reassignments;
    known = new Set(metadata.topics.flatMap((t) => t.partitions.map((p) => keyOf(t.name, p.partition))));
  } catch (error) {
    const failed = controlPlaneError(error);
    for (const c of cancels) answers.set(keyOf(c.topic, c.partition), failed);
    return;
  }
  const moving = new Set(inFlight.map((m) => keyOf(m.topic, m.partition)));
  for (const c of cancels) {
    const key = keyOf(c.topic, c.partition);
    if (moving.has(key)) {
      answers.set(key, { errorCode: ErrorCode.REASSIGNMENT_IN_PROGRESS, errorMessage: NO_CANCEL });
    } else if (!known.has(key)) {
      answers.set(key, {
        errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
        errorMessage: `partition ${c.topic}-${c.partition} not found`,
      });
    } else {
      answers.set(key, {
        errorCode: ErrorCode.NO_REASSIGNMENT_IN_PROGRESS,
        errorMessage: `no reassignment of ${c.topic}-${c.partition} is in progress`,
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
