import { Type } from "@sinclair/typebox";

export const GroupPath = Type.Object(
  { id: Type.String({ format: "uuid" }), group: Type.String({ minLength: 1, maxLength: 249 }) },
  { additionalProperties: false },
);

export const GroupSummary = Type.Object({
  groupId: Type.String(),
  /** Kafka's group state (Stable, Empty, PreparingRebalance…), as the coordinator says. */
  state: Type.String(),
  protocolType: Type.String(),
});

const PartitionLag = Type.Object({
  topic: Type.String(),
  partition: Type.Integer({ minimum: 0 }),
  /** -1: nothing committed. */
  committedOffset: Type.Integer(),
  /** The partition's end (next offset to be written); null when its leader could not be asked. */
  endOffset: Type.Union([Type.Integer(), Type.Null()]),
  /** endOffset - committedOffset (the whole partition when nothing is committed); null without endOffset. */
  lag: Type.Union([Type.Integer(), Type.Null()]),
  /** The member the partition is assigned to now, or null. */
  memberId: Type.Union([Type.String(), Type.Null()]),
});

export const GroupView = Type.Object({
  groupId: Type.String(),
  state: Type.String(),
  protocolType: Type.String(),
  protocol: Type.String(),
  coordinator: Type.Integer(),
  members: Type.Array(
    Type.Object({
      memberId: Type.String(),
      clientId: Type.String(),
      clientHost: Type.String(),
      assignment: Type.Array(Type.Object({ topic: Type.String(), partitions: Type.Array(Type.Integer()) })),
    }),
  ),
  partitions: Type.Array(PartitionLag),
  /** Sum of the known lags. */
  totalLag: Type.Integer({ minimum: 0 }),
});
