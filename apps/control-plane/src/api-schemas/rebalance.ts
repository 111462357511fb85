import { type Static, Type } from "@sinclair/typebox";

const BrokerId = Type.Integer({ minimum: 0 });
const BytesPerSec = Type.Number({ minimum: 0 });
const GoalName = Type.Union(
  [
    Type.Literal("capacity"),
    Type.Literal("network-in"),
    Type.Literal("network-out"),
    Type.Literal("partition-count"),
  ],
  { description: "The goals in the order they win: capacity, network in and out, partition counts" },
);

const BrokerLoad = Type.Object({
  brokerId: BrokerId,
  zone: Type.String(),
  health: Type.Union([Type.Literal("healthy"), Type.Literal("draining"), Type.Literal("slow")], {
    description: "draining and slow brokers take nothing; a draining broker's partitions are its drain's",
  }),
  bytesInPerSec: BytesPerSec,
  bytesOutPerSec: BytesPerSec,
  partitions: Type.Integer({ minimum: 0, description: "Partitions it leads" }),
  inUtilization: Type.Number({ minimum: 0, description: "Network in over its capacity" }),
  outUtilization: Type.Number({ minimum: 0 }),
});

export const PlannedMove = Type.Object({
  topicId: Type.String(),
  topic: Type.String(),
  partition: Type.Integer({ minimum: 0 }),
  from: BrokerId,
  to: BrokerId,
  goal: GoalName,
  reason: Type.String(),
  bytesInPerSec: BytesPerSec,
  bytesOutPerSec: BytesPerSec,
});

export const RebalancePlanView = Type.Object({
  clusterId: Type.String(),
  plannedAt: Type.Integer({ description: "ms since the epoch" }),
  settings: Type.Object({
    bandFraction: Type.Number(),
    capacityThreshold: Type.Number(),
    cooldownMs: Type.Integer({ minimum: 0 }),
    brokerNetworkBytesPerSec: Type.Number(),
    usageThresholdBytesPerSec: Type.Number(),
    maxMoves: Type.Integer({ minimum: 1 }),
  }),
  /** Every broker, now and as expected once the moves are done (same order). */
  before: Type.Array(BrokerLoad),
  after: Type.Array(BrokerLoad),
  moves: Type.Array(PlannedMove),
  goals: Type.Array(
    Type.Object({
      goal: GoalName,
      metBefore: Type.Boolean(),
      metAfter: Type.Boolean(),
      detail: Type.String({ description: "What is still off after the plan, and why (empty when met)" }),
    }),
  ),
});
export type RebalancePlanView = Static<typeof RebalancePlanView>;

export const RebalanceRequest = Type.Object(
  {
    dryRun: Type.Optional(
      Type.Boolean({
        default: true,
        description: "true (default): answer the plan, change nothing; false: start it as an operation",
      }),
    ),
    maxMoves: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 100_000, description: "At most this many moves" }),
    ),
  },
  { additionalProperties: false },
);
export type RebalanceRequest = Static<typeof RebalanceRequest>;
