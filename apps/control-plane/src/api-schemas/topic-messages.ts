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
    key: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 256,
        description: "Only records whose key contains this text (case-insensitive, the key as UTF-8)",
      }),
    ),
    value: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 256,
        description: "Only records whose value contains this text (case-insensitive, the value as UTF-8)",
      }),
    ),
    header: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 256,
        description: "Only records with a header whose `name=value` contains this text (case-insensitive)",
      }),
    ),
    json: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 512,
        description:
          'Only records whose value is JSON with this field equal to this value: `path=value` or `$.path == value`, the path dot-separated with `[n]` for array items (`user.id=42`, `$.items[0].sku == "A-1"`); the value is JSON when it parses as JSON (a bare number, true, false or null also matches the same text in a string field), else text',
      }),
    ),
    scanRecords: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 100_000,
        description:
          "With a filter: the most records one request scans (default 10000); `scan` in the answer says where it stopped",
      }),
    ),
    scanBytes: Type.Optional(
      Type.Integer({
        minimum: 65_536,
        maximum: 64 * 1024 * 1024,
        description:
          "With a filter: the most record bytes one request fetches (default 16 MiB; the window under way is finished, at most one fetch of 4 MiB more)",
      }),
    ),
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
  /**
   * The offsets this read scanned, [from, to), and what it fetched. Newest first (no `timestamp`), the next
   * older page is `before=from` (none when `from` is the start offset); from a `timestamp`, records at and after
   * `to` were not read. With a filter, fewer than `limit` messages and `from` above the start offset means the
   * scan budget ran out, not the partition.
   */
  scan: Type.Object({
    from: Type.Integer({ minimum: 0 }),
    to: Type.Integer({ minimum: 0 }),
    records: Type.Integer({ minimum: 0 }),
    bytes: Type.Integer({ minimum: 0 }),
  }),
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

export const PartitionOffsets = Type.Object({
  partition: Type.Integer({ minimum: 0 }),
  /** -1 while the partition has no leader. */
  leaderBrokerId: Type.Integer(),
  /** The log start offset (the first record still kept), from the leader; null when it did not answer. */
  startOffset: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
  /** The log end offset (the next offset to be written), from the leader; null when it did not answer. */
  endOffset: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
  /** end - start: the records kept, an estimate (transaction markers count; compaction may leave gaps). */
  records: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
});

export const TopicOffsetsView = Type.Object({ items: Type.Array(PartitionOffsets) });
