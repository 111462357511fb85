import { Type } from "@sinclair/typebox";
import { eventStreamContent, Millis, NullableMillis, SSE_FORMAT } from "./common.ts";

const Status = Type.Union([
  Type.Literal("PENDING"),
  Type.Literal("RUNNING"),
  Type.Literal("SUCCEEDED"),
  Type.Literal("FAILED"),
]);

const MoveState = Type.Union([
  Type.Literal("CLOSING"),
  Type.Literal("ASSIGNING"),
  Type.Literal("OPENING"),
  Type.Literal("DONE"),
  Type.Literal("ROLLED_BACK"),
]);

/** One partition move of an operation (rebalance, named moves, drain), with its timings. */
export const MoveTimingView = Type.Object(
  {
    topic: Type.String(),
    partition: Type.Integer({ minimum: 0 }),
    from: Type.Integer({ description: "the broker that led the partition" }),
    to: Type.Integer({
      description:
        "the planned target (-1: none named) until assigned; then the broker that got the partition",
    }),
    state: MoveState,
    requestedAt: Millis,
    closedAt: NullableMillis,
    assignedAt: NullableMillis,
    openedAt: NullableMillis,
    durationMs: Type.Union([Type.Number({ minimum: 0 }), Type.Null()], {
      description: "requestedAt → openedAt: the partition's write-unavailable window",
    }),
    rolledBackAt: NullableMillis,
    rolledBackTo: Type.Union([Type.Integer(), Type.Null()], {
      description: "the broker a rolled-back move gave the partition to instead (its source when it could)",
    }),
    failure: Type.Union([Type.String(), Type.Null()], { description: "why the move was rolled back" }),
  },
  {
    description:
      "CLOSING: the source uploads its tail and closes; ASSIGNING: a leader is chosen; OPENING: the new leader opens the stream; DONE; ROLLED_BACK: the target did not open the partition within MOVE_OPEN_TIMEOUT_MS (or lost it first), so it was fenced and the partition given back to its source or another live broker",
  },
);

export const OperationView = Type.Object({
  id: Type.String({ format: "uuid" }),
  clusterId: Type.Union([Type.String(), Type.Null()]),
  type: Type.String(),
  status: Status,
  input: Type.Record(Type.String(), Type.Unknown()),
  steps: Type.Array(
    Type.Object({
      name: Type.String(),
      status: Status,
      startedAt: NullableMillis,
      finishedAt: NullableMillis,
      error: Type.Union([Type.String(), Type.Null()]),
    }),
  ),
  progress: Type.Number({ minimum: 0, maximum: 1 }),
  error: Type.Union([Type.Object({ code: Type.String(), message: Type.String() }), Type.Null()]),
  attempts: Type.Integer({ minimum: 0 }),
  createdBy: Type.Union([Type.String(), Type.Null()]),
  createdAt: Millis,
  updatedAt: Millis,
  finishedAt: NullableMillis,
  moves: Type.Optional(
    Type.Array(MoveTimingView, {
      description:
        "GET /v1/operations/{id} of a cluster.rebalance or broker.drain: each partition move it released, its state and timings",
    }),
  ),
});

export const OperationsQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
    cursor: Type.Optional(Type.String({ maxLength: 512, pattern: "^[A-Za-z0-9_-]+$" })),
    clusterId: Type.Optional(Type.String({ format: "uuid" })),
    status: Type.Optional(Status),
  },
  { additionalProperties: false },
);

export const OperationEventsQuery = Type.Object(
  {
    /** How many of the newest operations the opening `snapshot` event holds. */
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
    clusterId: Type.Optional(Type.String({ format: "uuid" })),
  },
  { additionalProperties: false },
);

/** The cluster timeline's live stream (GET /v1/operations/events). */
export const OperationTimelineStream = Type.Unsafe<string>({
  description: `${SSE_FORMAT} Events: first \`snapshot\` {items: the newest \`limit\` operations (the list's view), newest first}, then \`operation\` (one operation, the list's view) each time one is created or changes. Merge by id: an operation may come again unchanged.`,
  content: eventStreamContent("OperationTimelineEvent"),
});

/** One operation's live stream (GET /v1/operations/{id}/events). */
export const OperationStream = Type.Unsafe<string>({
  description: `${SSE_FORMAT} Events: \`operation\` (the operation as GET /v1/operations/{id} shows it, moves included) at once and on each change; the stream ends after the one whose status is SUCCEEDED or FAILED.`,
  content: eventStreamContent("OperationStreamEvent"),
});
