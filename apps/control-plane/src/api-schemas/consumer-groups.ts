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

export const OffsetResetTarget = Type.Union([
  Type.Object({ type: Type.Literal("earliest") }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal("latest") }, { additionalProperties: false }),
  Type.Object(
    {
      type: Type.Literal("timestamp"),
      /** Milliseconds since the epoch: each partition goes to its first record at or after it (the end if none). */
      timestamp: Type.Integer({ minimum: 0 }),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      type: Type.Literal("offset"),
      /** Clamped into each partition's [earliest, latest], as kafka-consumer-groups does. */
      offset: Type.Integer({ minimum: 0 }),
    },
    { additionalProperties: false },
  ),
]);

export const OffsetResetRequest = Type.Object(
  {
    target: OffsetResetTarget,
    /** Every partition of these topics; omitted: every partition the group has committed offsets for. */
    topics: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 249 }), {
        minItems: 1,
        maxItems: 1000,
        uniqueItems: true,
      }),
    ),
    /** true (the default): only say what would change. false: commit, which needs the group to be empty. */
    dryRun: Type.Optional(Type.Boolean({ default: true })),
  },
  { additionalProperties: false },
);

export const OffsetResetResult = Type.Object({
  groupId: Type.String(),
  /** The group's state when it was asked (a reset runs only when Empty or Dead). */
  state: Type.String(),
  dryRun: Type.Boolean(),
  /** true when the new offsets were committed. */
  executed: Type.Boolean(),
  partitions: Type.Array(
    Type.Object({
      topic: Type.String(),
      partition: Type.Integer({ minimum: 0 }),
      /** The committed offset before, -1 when nothing was committed. */
      before: Type.Integer(),
      after: Type.Integer({ minimum: 0 }),
    }),
  ),
});
