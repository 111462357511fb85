import { Type } from "@sinclair/typebox";
import { Millis, NullableMillis } from "./common.ts";

const Status = Type.Union([
  Type.Literal("PENDING"),
  Type.Literal("RUNNING"),
  Type.Literal("SUCCEEDED"),
  Type.Literal("FAILED"),
]);

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
