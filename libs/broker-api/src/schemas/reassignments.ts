import { type Static, Type } from "@sinclair/typebox";
import { BrokerId, PartitionIndex, TopicName } from "./common.ts";

/**
 * Kafka's AlterPartitionReassignments on behalf of a broker: each partition to the one broker that is to lead
 * it (Cirrus keeps one replica per partition; the data is in object storage). Carried out as one
 * `cluster.rebalance` operation by the control plane's move executor, with its checks and limits.
 */
export const ReassignPartitionsRequest = Type.Object(
  {
    moves: Type.Array(
      Type.Object(
        { topic: TopicName, partition: PartitionIndex, to: BrokerId },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 10_000 },
    ),
    /**
     * Kafka's request timeoutMs: the control plane starts nothing once this long has passed since it received
     * the request (it answers 503 UNAVAILABLE instead, the broker REQUEST_TIMED_OUT). Absent: no deadline.
     */
    timeoutMs: Type.Optional(Type.Integer({ minimum: 1, maximum: 2_147_483_647 })),
  },
  { additionalProperties: false },
);
export type ReassignPartitionsRequest = Static<typeof ReassignPartitionsRequest>;

/**
 * What became of one asked move. STARTED: in the operation. ALREADY_THERE: the broker leads the partition,
 * or a move to it is in flight (nothing to do, as Kafka answers a reassignment to the current replicas).
 * UNKNOWN_PARTITION: no such topic or partition. UNKNOWN_BROKER: no such broker in the cluster.
 * BROKER_NOT_ACTIVE: the broker exists but takes no partitions (draining, fenced, stopped).
 * MOVING_ELSEWHERE: a move of the partition to another broker is in flight. DUPLICATE: the partition
 * appears more than once in the request.
 */
export const ReassignmentOutcome = Type.Union([
  Type.Literal("STARTED"),
  Type.Literal("ALREADY_THERE"),
  Type.Literal("UNKNOWN_PARTITION"),
  Type.Literal("UNKNOWN_BROKER"),
  Type.Literal("BROKER_NOT_ACTIVE"),
  Type.Literal("MOVING_ELSEWHERE"),
  Type.Literal("DUPLICATE"),
]);
export type ReassignmentOutcome = Static<typeof ReassignmentOutcome>;

export const ReassignPartitionsResponse = Type.Object({
  /** The `cluster.rebalance` operation carrying the STARTED moves; null when none started. */
  operationId: Type.Union([Type.String(), Type.Null()]),
  /** One per asked move, in request order. */
  results: Type.Array(
    Type.Object({
      topic: TopicName,
      partition: PartitionIndex,
      outcome: ReassignmentOutcome,
      message: Type.String(),
    }),
  ),
});
export type ReassignPartitionsResponse = Static<typeof ReassignPartitionsResponse>;

/** A move not finished yet: queued in an operation (within the move limits later) or released and closing. */
export const ReassignmentInFlight = Type.Object({
  topic: TopicName,
  partition: PartitionIndex,
  /** The broker giving the partition up; -1 once it has closed (the target is being assigned). */
  from: Type.Integer({ minimum: -1 }),
  /** The broker taking the partition; -1 for a drain's move, which goes to the least loaded ACTIVE broker. */
  to: Type.Integer({ minimum: -1 }),
  /** False while the move waits in its operation for the move limits; true once the source is closing. */
  released: Type.Boolean(),
});
export type ReassignmentInFlight = Static<typeof ReassignmentInFlight>;

export const ReassignmentsInFlight = Type.Object({ reassignments: Type.Array(ReassignmentInFlight) });
export type ReassignmentsInFlight = Static<typeof ReassignmentsInFlight>;

/**
 * Kafka's AlterPartitionReassignments with null replicas: cancel these partitions' reassignments. Only a move
 * still queued in its operation (waiting for the move limits; its source still leads) can be: it is taken out
 * of the operation. A released move has its source closing the stream, or its target opening it, and finishes
 * (or is rolled back) on its own within a few seconds.
 */
export const CancelReassignmentsRequest = Type.Object(
  {
    partitions: Type.Array(
      Type.Object({ topic: TopicName, partition: PartitionIndex }, { additionalProperties: false }),
      { minItems: 1, maxItems: 10_000 },
    ),
  },
  { additionalProperties: false },
);
export type CancelReassignmentsRequest = Static<typeof CancelReassignmentsRequest>;

/**
 * CANCELLED: the queued move was taken out of its operation. IN_PROGRESS: the move is released and cannot be
 * cancelled. NOT_MOVING: no move of the partition is in flight. UNKNOWN_PARTITION: no such topic or partition.
 */
export const CancelOutcome = Type.Union([
  Type.Literal("CANCELLED"),
  Type.Literal("IN_PROGRESS"),
  Type.Literal("NOT_MOVING"),
  Type.Literal("UNKNOWN_PARTITION"),
]);
export type CancelOutcome = Static<typeof CancelOutcome>;

export const CancelReassignmentsResponse = Type.Object({
  /** One per asked partition, in request order. */
  results: Type.Array(
    Type.Object({
      topic: TopicName,
      partition: PartitionIndex,
      outcome: CancelOutcome,
      message: Type.String(),
    }),
  ),
});
export type CancelReassignmentsResponse = Static<typeof CancelReassignmentsResponse>;
