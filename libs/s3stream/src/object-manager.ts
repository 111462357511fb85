// The metadata seam between s3stream and whoever owns cluster metadata (the control plane, over HTTP;
// MemoryObjectManager in tests). Modeled on AutoMQ's ObjectManager + StreamManager, merged into one interface.
//
// Rules every implementation follows (the shared contract test in test/object-manager-contract.ts checks them):
// - Ids, offsets, sizes and epochs are JS numbers: non-negative safe integers (INVALID_ARGUMENT otherwise).
// - Offset ranges are half-open: [startOffset, endOffset).
// - Failures are StreamStorageError with a stable code (see errors.ts). An HTTP implementation maps codes to
//   status codes and back with errorFromCode(); no other error type may escape (transport failures become
//   UPSTREAM_UNAVAILABLE, retriable).
// - Every mutating call is atomic: it either applies completely or not at all.
// - Commits are idempotent by objectId: re-committing an already committed object with the same content
//   succeeds without change (a client may retry after a timeout whose request did apply).

/** `state` of a stream as the metadata owner sees it. */
export const StreamState = { OPENED: "OPENED", CLOSED: "CLOSED" } as const;
export type StreamState = (typeof StreamState)[keyof typeof StreamState];

export interface StreamMetadata {
  streamId: number;
  /** The current owner epoch. Appends and commits from an older epoch are refused (STREAM_FENCED). */
  epoch: number;
  /** First offset still readable (moved forward by trimStream). */
  startOffset: number;
  /** One past the last committed offset: the next offset an owner appends at. */
  endOffset: number;
  state: StreamState;
  /** The node that opened it last (-1 if never opened). */
  nodeId: number;
}

export interface CreateStreamOptions {
  /** Free-form labels (e.g. topic/partition) kept with the stream for operators. */
  tags?: Record<string, string>;
}

/** Where one stream's data lies inside an object. `position`/`length` are byte offsets into the object. */
export interface StreamRange {
  streamId: number;
  /** The epoch of the writer that produced these offsets (checked on commit; informative on read). */
  streamEpoch: number;
  startOffset: number;
  endOffset: number;
  position: number;
  length: number;
}

export const ObjectType = { STREAM_SET: "STREAM_SET", STREAM: "STREAM" } as const;
export type ObjectType = (typeof ObjectType)[keyof typeof ObjectType];

/**
 * A committed object as returned by getObjects / getStreamSetObjects.
 * For a stream object `ranges` has exactly one entry (position 0, length = its data bytes, unknown = objectSize).
 */
export interface ObjectMetadata {
  objectId: number;
  type: ObjectType;
  objectSize: number;
  /** The node that wrote it (stream set objects; -1 for stream objects). */
  nodeId: number;
  /** Commit order among stream set objects of the cluster, used to compact them in order. */
  orderId: number;
  committedAt: number;
  ranges: StreamRange[];
}

/** A stream object produced alongside a stream set object (one stream's data, own object). */
export interface StreamObjectCommit {
  objectId: number;
  streamId: number;
  streamEpoch: number;
  startOffset: number;
  endOffset: number;
  objectSize: number;
}

export interface CommitStreamSetObjectRequest {
  /** A prepared object id, or NO_OBJECT_ID when everything went to `streamObjects`. */
  objectId: number;
  objectSize: number;
  nodeId: number;
  nodeEpoch: number;
  /** One entry per stream present in the stream set object, in the object's layout order. */
  ranges: StreamRange[];
  streamObjects: StreamObjectCommit[];
  /**
   * Empty for an upload of new data: then each stream's first range must start exactly at the stream's
   * current endOffset (else OFFSET_OUT_OF_RANGE), its epoch must equal the current one (else STREAM_FENCED),
   * and the commit moves endOffset forward.
   * Non-empty for a compaction: the listed stream set objects are replaced by this one + streamObjects; data
   * must be the same offsets already committed (epochs are not checked, ranges of deleted streams are dropped),
   * and the replaced objects become unreferenced (see getUnreferencedObjects).
   */
  compactedObjectIds: number[];
  /**
   * Streams to close in the same atomic call, once this commit is applied (a stream close's tail upload: the
   * tail's commit and the close are one round trip). Each must be open at `epoch` (else STREAM_FENCED or
   * STREAM_NOT_OPEN, and nothing of the call applies). New data uploads only (compactedObjectIds empty).
   */
  closeStreams?: { streamId: number; epoch: number }[];
}

export interface CommitStreamObjectRequest {
  objectId: number;
  streamId: number;
  streamEpoch: number;
  startOffset: number;
  endOffset: number;
  objectSize: number;
  /**
   * Empty: a direct upload of new data (same rules as a new-data stream set commit).
   * Non-empty: a compaction of these stream objects, which must exactly cover [startOffset, endOffset).
   */
  sourceObjectIds: number[];
}

export interface UnreferencedObject {
  objectId: number;
  /** When it stopped being referenced (or its preparation expired), ms since epoch. */
  since: number;
}

/** Used where a commit carries no stream set object (all data went to stream objects). */
export const NO_OBJECT_ID = -1;

export interface ObjectManager {
  /** Creates an empty stream (epoch 0, offsets 0, CLOSED). Ids are never reused. */
  createStream(options?: CreateStreamOptions): Promise<{ streamId: number }>;

  /**
   * Opens a stream for writing by `nodeId` at `epoch`.
   * - epoch < current: STREAM_FENCED.
   * - epoch == current: re-open by the same owner (idempotent); another node gets STREAM_FENCED unless the
   *   stream is CLOSED.
   * - epoch > current: becomes the current epoch; the previous owner is fenced from then on.
   * Returns the stream's state after opening (its endOffset is where the new owner appends).
   */
  openStream(streamId: number, epoch: number, nodeId: number): Promise<StreamMetadata>;

  /** Marks the stream CLOSED (the owner uploaded its tail first). Stale epoch: STREAM_FENCED. */
  closeStream(streamId: number, epoch: number): Promise<void>;

  /**
   * Moves startOffset forward to newStartOffset (<= endOffset, else OFFSET_OUT_OF_RANGE); smaller values
   * are a no-op. Objects wholly below it become unreferenced.
   */
  trimStream(streamId: number, epoch: number, newStartOffset: number): Promise<void>;

  /** Deletes the stream; all its objects (ranges) become unreferenced. Stale epoch: STREAM_FENCED. */
  deleteStream(streamId: number, epoch: number): Promise<void>;

  /** Current metadata of a stream (STREAM_NOT_FOUND if absent or deleted). */
  describeStream(streamId: number): Promise<StreamMetadata>;

  /**
   * Reserves `count` consecutive object ids and returns the first. A reservation not committed within
   * `ttlMs` expires: its ids become unreferenced (the writer may have uploaded bytes) and cannot be committed.
   */
  prepareObjects(count: number, ttlMs: number): Promise<number>;

  /** Commits a stream set object (+ stream objects split from it). See CommitStreamSetObjectRequest. */
  commitStreamSetObject(request: CommitStreamSetObjectRequest): Promise<void>;

  /** Commits one stream object (new data or a compaction of stream objects). */
  commitStreamObject(request: CommitStreamObjectRequest): Promise<void>;

  /**
   * Objects holding offsets of [startOffset, endOffset) of the stream, in offset order, at most `limit`,
   * one entry per range with `ranges` holding just that range (an object holding two separate ranges of the
   * stream, which compaction can produce, appears twice). The first one contains startOffset. Coverage is
   * contiguous up to the last returned range (no gaps). startOffset below the stream's startOffset:
   * OFFSET_OUT_OF_RANGE; an empty list when nothing at or after startOffset is committed.
   */
  getObjects(
    streamId: number,
    startOffset: number,
    endOffset: number,
    limit: number,
  ): Promise<ObjectMetadata[]>;

  /** All committed stream set objects written by `nodeId`, in commit (orderId) order: input of compaction. */
  getStreamSetObjects(nodeId: number): Promise<ObjectMetadata[]>;

  /** Streams currently OPENED by `nodeId`: what a WAL recovery of that node must account for. */
  getOpeningStreams(nodeId: number): Promise<StreamMetadata[]>;

  /**
   * Objects no longer referenced since at least `gracePeriodMs` ago (compacted, trimmed, deleted, or expired
   * preparations), at most `limit`. The caller deletes their bytes, then calls forgetObjects.
   */
  getUnreferencedObjects(gracePeriodMs: number, limit: number): Promise<UnreferencedObject[]>;

  /** Drops unreferenced objects from the metadata once their bytes are deleted. Unknown ids are ignored. */
  forgetObjects(objectIds: number[]): Promise<void>;
}
