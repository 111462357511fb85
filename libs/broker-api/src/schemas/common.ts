import { type Static, Type } from "@sinclair/typebox";

/** RFC 9457 problem details, with our stable `code` (see errors.ts). */
export const Problem = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    code: Type.String(),
    detail: Type.Optional(Type.String()),
    instance: Type.Optional(Type.String()),
  },
  { additionalProperties: true },
);
export type Problem = Static<typeof Problem>;

export const BrokerId = Type.Integer({ minimum: 0, maximum: 2 ** 31 - 1 });
/** Epochs only grow; 0 is never handed out. */
export const Epoch = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
/** Offsets and ids travel as JSON numbers: safe up to 2^53, far beyond any stream's life. */
export const Offset = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
export const StreamId = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
export const ObjectId = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
/** Kafka topic name rules: 1..249 of [a-zA-Z0-9._-]. */
export const TopicName = Type.String({ minLength: 1, maxLength: 249, pattern: "^[a-zA-Z0-9._-]+$" });
export const TopicId = Type.String({ format: "uuid" });
export const PartitionIndex = Type.Integer({ minimum: 0, maximum: 1_000_000 });
export const HostName = Type.String({ minLength: 1, maxLength: 253, pattern: "^[a-zA-Z0-9.:\\[\\]_-]+$" });
export const Port = Type.Integer({ minimum: 1, maximum: 65535 });
