import { type Static, Type } from "@sinclair/typebox";

// Wire shapes of s3stream's ObjectManager (libs/s3stream/src/object-manager.ts): same field names, so a
// request body is the interface's argument as is. Half-open offset ranges [startOffset, endOffset).

const Index = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
/** -1 where the interface uses "none" (nodeId of stream objects, NO_OBJECT_ID). */
const IndexOrNone = Type.Integer({ minimum: -1, maximum: Number.MAX_SAFE_INTEGER });
const IdList = Type.Array(Index, { maxItems: 10_000 });

export const StreamPath = Type.Object({ streamId: Index }, { additionalProperties: false });
export const NodePath = Type.Object({ nodeId: Index }, { additionalProperties: false });

export const StreamMetadataSchema = Type.Object({
  streamId: Index,
  epoch: Index,
  startOffset: Index,
  endOffset: Index,
  state: Type.Union([Type.Literal("OPENED"), Type.Literal("CLOSED")]),
  nodeId: IndexOrNone,
});

export const CreateStreamRequest = Type.Object(
  {
    tags: Type.Optional(
      Type.Record(Type.String({ maxLength: 128 }), Type.String({ maxLength: 1024 }), { maxProperties: 64 }),
    ),
  },
  { additionalProperties: false },
);
export const CreateStreamResponse = Type.Object({ streamId: Index });

export const OpenStreamRequest = Type.Object(
  { epoch: Index, nodeId: Index },
  { additionalProperties: false },
);
export const StreamEpochRequest = Type.Object({ epoch: Index }, { additionalProperties: false });

/** Most streams one batched open or close may name (a drain's streams travel in a few of them). */
export const MAX_STREAMS_PER_BATCH = 1_000;

const StreamError = Type.Union([Type.Object({ code: Type.String(), message: Type.String() }), Type.Null()]);

/** Opens many streams in one request and one transaction (a target opening a drain's partitions). */
export const OpenStreamsRequest = Type.Object(
  {
    streams: Type.Array(
      Type.Object({ streamId: Index, epoch: Index, nodeId: Index }, { additionalProperties: false }),
      { minItems: 1, maxItems: MAX_STREAMS_PER_BATCH },
    ),
  },
  { additionalProperties: false },
);
export type OpenStreamsRequest = Static<typeof OpenStreamsRequest>;

/** Each stream's outcome, in request order: the opened stream, or s3stream's error code for that stream. */
export const OpenStreamsResponse = Type.Object({
  results: Type.Array(
    Type.Object({
      streamId: Index,
      stream: Type.Union([StreamMetadataSchema, Type.Null()]),
      error: StreamError,
    }),
  ),
});
export type OpenStreamsResponse = Static<typeof OpenStreamsResponse>;

/** Closes many streams in one request and one transaction (a drain's or a move's closes that arrive together). */
export const CloseStreamsRequest = Type.Object(
  {
    streams: Type.Array(Type.Object({ streamId: Index, epoch: Index }, { additionalProperties: false }), {
      minItems: 1,
      maxItems: MAX_STREAMS_PER_BATCH,
    }),
  },
  { additionalProperties: false },
);
export type CloseStreamsRequest = Static<typeof CloseStreamsRequest>;

/** Each stream's outcome, in request order: error null (closed) or s3stream's error code for that stream. */
export const CloseStreamsResponse = Type.Object({
  results: Type.Array(
    Type.Object({
      streamId: Index,
      error: StreamError,
    }),
  ),
});
export type CloseStreamsResponse = Static<typeof CloseStreamsResponse>;
export const TrimStreamRequest = Type.Object(
  { epoch: Index, newStartOffset: Index },
  { additionalProperties: false },
);

export const PrepareObjectsRequest = Type.Object(
  {
    count: Type.Integer({ minimum: 1, maximum: 10_000 }),
    ttlMs: Type.Integer({ minimum: 1, maximum: 86_400_000 }),
  },
  { additionalProperties: false },
);
export const PrepareObjectsResponse = Type.Object({ firstObjectId: Index });

export const StreamRangeSchema = Type.Object(
  {
    streamId: Index,
    streamEpoch: Index,
    startOffset: Index,
    endOffset: Index,
    position: Index,
    length: Index,
  },
  { additionalProperties: false },
);

export const StreamObjectCommitSchema = Type.Object(
  {
    objectId: Index,
    streamId: Index,
    streamEpoch: Index,
    startOffset: Index,
    endOffset: Index,
    objectSize: Index,
  },
  { additionalProperties: false },
);

export const CommitStreamSetObjectBody = Type.Object(
  {
    objectId: IndexOrNone,
    objectSize: Index,
    nodeId: Index,
    nodeEpoch: Index,
    ranges: Type.Array(StreamRangeSchema, { maxItems: 100_000 }),
    streamObjects: Type.Array(StreamObjectCommitSchema, { maxItems: 10_000 }),
    compactedObjectIds: IdList,
    /** Streams closed in the same transaction once the commit applied (a close's tail upload). */
    closeStreams: Type.Optional(
      Type.Array(Type.Object({ streamId: Index, epoch: Index }, { additionalProperties: false }), {
        maxItems: MAX_STREAMS_PER_BATCH,
      }),
    ),
  },
  { additionalProperties: false },
);
export type CommitStreamSetObjectBody = Static<typeof CommitStreamSetObjectBody>;

export const CommitStreamObjectBody = Type.Object(
  {
    objectId: Index,
    streamId: Index,
    streamEpoch: Index,
    startOffset: Index,
    endOffset: Index,
    objectSize: Index,
    sourceObjectIds: IdList,
  },
  { additionalProperties: false },
);
export type CommitStreamObjectBody = Static<typeof CommitStreamObjectBody>;

export const ObjectMetadataSchema = Type.Object({
  objectId: Index,
  type: Type.Union([Type.Literal("STREAM_SET"), Type.Literal("STREAM")]),
  objectSize: Index,
  nodeId: IndexOrNone,
  orderId: IndexOrNone,
  committedAt: Index,
  ranges: Type.Array(StreamRangeSchema),
});

export const GetObjectsQuery = Type.Object(
  { startOffset: Index, endOffset: Index, limit: Type.Integer({ minimum: 1, maximum: 10_000 }) },
  { additionalProperties: false },
);
export const ObjectList = Type.Object({ objects: Type.Array(ObjectMetadataSchema) });
export const StreamList = Type.Object({ streams: Type.Array(StreamMetadataSchema) });

export const UnreferencedQuery = Type.Object(
  { gracePeriodMs: Index, limit: Type.Integer({ minimum: 1, maximum: 10_000 }) },
  { additionalProperties: false },
);
export const UnreferencedList = Type.Object({
  objects: Type.Array(Type.Object({ objectId: Index, since: Index })),
});
export const ForgetObjectsRequest = Type.Object({ objectIds: IdList }, { additionalProperties: false });
