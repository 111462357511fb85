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
