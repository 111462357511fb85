import { Type } from "@sinclair/typebox";

export const TopicPartitionPath = Type.Object(
  {
    id: Type.String({ format: "uuid" }),
    name: Type.String({ minLength: 1, maxLength: 249, pattern: "^[a-zA-Z0-9._-]+$" }),
    partition: Type.Integer({ minimum: 0, maximum: 1_000_000 }),
  },
  { additionalProperties: false },
);

export const MessagesQuery = Type.Object(
  {
    /** Read up to `limit` records before this offset (exclusive): the next older page. Default: the end. */
    before: Type.Optional(Type.Integer({ minimum: 0 })),
    /**
     * Instead of `before`: read up to `limit` records from the first one whose timestamp is at or after this
     * time (Kafka's ListOffsets by timestamp, asked of the leader): milliseconds since the Unix epoch, or an
     * ISO 8601 date-time with its zone. Past the last record: an empty page.
     */
    timestamp: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        description:
          "Read from the first record at or after this time (ms since the Unix epoch, or ISO 8601 with a zone); not with `before`",
      }),
    ),
    limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
  },
  { additionalProperties: false },
);

const Bytes = Type.Union([
  Type.Object({
    /** The bytes, base64. */
    base64: Type.String(),
    /** The bytes as UTF-8 text, or null when they are not valid UTF-8. */
    text: Type.Union([Type.String(), Type.Null()]),
  }),
  Type.Null(),
]);

export const MessageView = Type.Object({
  offset: Type.Integer({ minimum: 0 }),
  /** ms since the Unix epoch: create time, or log-append time when the topic uses it. */
  timestamp: Type.Integer(),
  key: Bytes,
  value: Bytes,
  headers: Type.Array(Type.Object({ key: Type.String(), value: Bytes })),
});

export const MessagesView = Type.Object({
  partition: Type.Integer({ minimum: 0 }),
  /** The partition's first offset and its end (the next offset to be written). */
  startOffset: Type.Integer({ minimum: 0 }),
  endOffset: Type.Integer({ minimum: 0 }),
  /**
   * With `timestamp`: the offset it resolved to, the first record at or after it (the end offset when no
   * record is that late). Absent otherwise.
   */
  timestampOffset: Type.Optional(Type.Integer({ minimum: 0 })),
  /** Newest first. */
  messages: Type.Array(MessageView),
});

export const ProduceMessageRequest = Type.Object(
  {
    key: Type.Optional(Type.Union([Type.String({ maxLength: 65_536 }), Type.Null()])),
    value: Type.Union([Type.String({ maxLength: 512 * 1024 }), Type.Null()]),
    headers: Type.Optional(
      Type.Array(
        Type.Object(
          { key: Type.String({ minLength: 1, maxLength: 256 }), value: Type.String({ maxLength: 4096 }) },
          { additionalProperties: false },
        ),
        { maxItems: 32 },
      ),
    ),
  },
  { additionalProperties: false },
);

export const ProducedMessage = Type.Object({
  partition: Type.Integer({ minimum: 0 }),
  offset: Type.Integer({ minimum: 0 }),
});
