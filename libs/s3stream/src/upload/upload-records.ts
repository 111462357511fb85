// Turns records waiting in memory into objects and commits them: one stream set object for the streams with
// little data, a stream object of its own for each stream with at least `streamObjectThresholdBytes`
// (AutoMQ's DeltaWALUploadTask). All objects are uploaded in parallel, then committed atomically in one call.
//
// If the commit is refused for some streams (fenced by a newer epoch, deleted, offsets not continuing the
// stream), those streams are left out and the commit is retried with the same objects: their bytes simply stay
// unreferenced inside the stream set object. Streams whose data an earlier commit (whose reply was lost)
// already holds count as committed.
import type { ObjectStore } from "@cirrus/object-store";
import { ErrorCode, hasErrorCode, StreamStorageError } from "../errors.ts";
import { ObjectBuilder } from "../object/object-builder.ts";
import { objectKey } from "../object/object-keys.ts";
import {
  NO_OBJECT_ID,
  type ObjectManager,
  type StreamObjectCommit,
  type StreamRange,
} from "../object-manager.ts";
import type { StreamRecord } from "../stream-types.ts";

export interface UploadRecord extends StreamRecord {
  epoch: number;
}

export interface UploadContext {
  objectStore: ObjectStore;
  objectManager: ObjectManager;
  nodeId: number;
  nodeEpoch: number;
  streamObjectThresholdBytes: number;
  /** Small streams are packed into stream set objects of at most this many payload bytes each. */
  maxStreamSetObjectBytes: number;
  blockBytes: number;
  /** How long prepared object ids stay valid (upload + commit must finish within it). */
  prepareTtlMs: number;
  /**
   * Where the upload's object ids come from when set (ids prepared ahead, object-id-pool.ts), so the upload
   * skips its own prepareObjects round trip; else it prepares them itself.
   */
  objectIds?: { take(count: number): Promise<number[]> };
}

/** Streams an upload closes with its last commit (a stream close's tail upload), and what the commit waits for. */
export interface UploadCloses {
  /** Each stream and the epoch it is closed at; only streams with records in this upload. */
  streams: { streamId: number; epoch: number }[];
  /** Written beside the streams meanwhile (a final checkpoint): the closing commit waits for it. */
  before?: Promise<unknown>;
  /** How long the commit waits for `before` before it commits without the closes. */
  beforeWaitMs?: number;
}

/** Default of UploadCloses.beforeWaitMs: a checkpoint write takes a few ms; uploads must not stall behind one. */
export const CLOSE_BEFORE_WAIT_MS = 2_000;

/** True if `promise` settles (either way) within `ms`. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([
      promise.then(
        () => true,
        () => true,
      ),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export interface UploadResult {
  /** Streams whose records are committed (count = all the records given for it). */
  committed: Set<number>;
  /** Streams the commit closed too (UploadCloses); any other asked-for close is left to a closeStream call. */
  closed: Set<number>;
  /** Streams left out, with the reason (their records can never be committed by this writer). */
  refused: Map<number, StreamStorageError>;
  objectsWritten: number;
  bytesWritten: number;
}

const REFUSAL_CODES = new Set<string>([
  ErrorCode.STREAM_FENCED,
  ErrorCode.STREAM_NOT_FOUND,
  ErrorCode.STREAM_NOT_OPEN,
  ErrorCode.OFFSET_OUT_OF_RANGE,
]);

export async function uploadRecords(
  ctx: UploadContext,
  records: ReadonlyMap<number, readonly UploadRecord[]>,
  closes?: UploadCloses,
): Promise<UploadResult> {
  const small: [number, readonly UploadRecord[], number][] = [];
  const large: [number, readonly UploadRecord[]][] = [];
  for (const [streamId, list] of records) {
    if (list.length === 0) continue;
    const bytes = payloadBytes(list);
    if (bytes >= ctx.streamObjectThresholdBytes) large.push([streamId, list]);
    else small.push([streamId, list, bytes]);
  }
  const result: UploadResult = {
    committed: new Set(),
    closed: new Set(),
    refused: new Map(),
    objectsWritten: 0,
    bytesWritten: 0,
  };
  // Small streams are packed into stream set objects of at most maxStreamSetObjectBytes each, so that a big
  // upload (shutdown) becomes several objects written in parallel rather than one long sequential write.
  const groups: [number, readonly UploadRecord[]][][] = [];
  let groupBytes = Number.POSITIVE_INFINITY;
  for (const [streamId, list, bytes] of small) {
    if (groupBytes + bytes > ctx.maxStreamSetObjectBytes) {
      groups.push([]);
      groupBytes = 0;
    }
    groups[groups.length - 1]!.push([streamId, list]);
    groupBytes += bytes;
  }
  const objectCount = large.length + groups.length;
  if (objectCount === 0) return result;

  const ids = await takeObjectIds(ctx, objectCount);
  let nextId = 0;
  const puts: Promise<void>[] = [];
  const streamSets: { objectId: number; size: number; ranges: StreamRange[] }[] = [];
  for (const group of groups) {
    const builder = new ObjectBuilder(ctx.blockBytes);
    const ranges: StreamRange[] = [];
    for (const [streamId, list] of group) {
      ranges.push({
        ...(await builder.addStreamYielding(streamId, list)),
        streamEpoch: list[list.length - 1]!.epoch,
      });
    }
    const body = builder.finish();
    const streamSet = { objectId: ids[nextId++]!, size: body.size, ranges };
    streamSets.push(streamSet);
    puts.push(ctx.objectStore.put(objectKey(streamSet.objectId), body.chunks));
    result.bytesWritten += body.size;
  }
  const streamObjects: StreamObjectCommit[] = [];
  for (const [streamId, list] of large) {
    const builder = new ObjectBuilder(ctx.blockBytes);
    const range = await builder.addStreamYielding(streamId, list);
    const body = builder.finish();
    const objectId = ids[nextId++]!;
    puts.push(ctx.objectStore.put(objectKey(objectId), body.chunks));
    result.bytesWritten += body.size;
    streamObjects.push({
      objectId,
      streamId,
      streamEpoch: list[list.length - 1]!.epoch,
      startOffset: range.startOffset,
      endOffset: range.endOffset,
      objectSize: body.size,
    });
  }
  let closing = (closes?.streams ?? []).filter((c) => records.get(c.streamId)?.length);
  const [, beforeSettled] = await Promise.all([
    Promise.all(puts),
    closing.length > 0 && closes?.before
      ? settlesWithin(closes.before, closes.beforeWaitMs ?? CLOSE_BEFORE_WAIT_MS)
      : true,
  ]);
  // What the closes wait for is late (a stuck checkpoint write): commit the tail now, without them, rather than
  // hold every other stream's uploads behind it; each close then waits on its own (closeStream).
  if (!beforeSettled) closing = [];
  result.objectsWritten = objectCount;

  // One commit per stream set object (the stream objects ride with the first); each stream is in exactly one
  // object, so the order of these commits does not matter. A failure part-way is reconciled by the uploader.
  // The closes ride with the last commit, when all the streams' records are in.
  const last = Math.max(streamSets.length - 1, 0);
  if (streamSets.length === 0) await commitWithRefusals(ctx, undefined, streamObjects, closing, result);
  for (const [i, streamSet] of streamSets.entries()) {
    await commitWithRefusals(ctx, streamSet, i === 0 ? streamObjects : [], i === last ? closing : [], result);
  }
  return result;
}

async function takeObjectIds(ctx: UploadContext, count: number): Promise<number[]> {
  if (ctx.objectIds) return ctx.objectIds.take(count);
  const first = await ctx.objectManager.prepareObjects(count, ctx.prepareTtlMs);
  return Array.from({ length: count }, (_, i) => first + i);
}

/** Commits, leaving out (and reporting) the streams the metadata refuses or already has. */
async function commitWithRefusals(
  ctx: UploadContext,
  streamSet: { objectId: number; size: number; ranges: StreamRange[] } | undefined,
  streamObjects: StreamObjectCommit[],
  closing: { streamId: number; epoch: number }[],
  result: UploadResult,
): Promise<void> {
  let ranges = streamSet?.ranges ?? [];
  let objects = streamObjects;
  let closes = closing;
  for (;;) {
    if (ranges.length === 0 && objects.length === 0) return;
    try {
      await ctx.objectManager.commitStreamSetObject({
        objectId: ranges.length > 0 ? streamSet!.objectId : NO_OBJECT_ID,
        objectSize: ranges.length > 0 ? streamSet!.size : 0,
        nodeId: ctx.nodeId,
        nodeEpoch: ctx.nodeEpoch,
        ranges,
        streamObjects: objects,
        compactedObjectIds: [],
        ...(closes.length > 0 ? { closeStreams: closes } : {}),
      });
      for (const range of ranges) result.committed.add(range.streamId);
      for (const object of objects) result.committed.add(object.streamId);
      for (const close of closes) result.closed.add(close.streamId);
      return;
    } catch (error) {
      if (!(error instanceof StreamStorageError) || !REFUSAL_CODES.has(error.code)) throw error;
      if (closes.length > 0) {
        // A refused close refuses the whole call: commit without closes, each stream's close then runs on its
        // own (closeStream), which sorts out fenced or deleted streams as it always did.
        closes = [];
        continue;
      }
      const { refused, alreadyCommitted } = await findRefusedStreams(ctx.objectManager, [
        ...ranges,
        ...objects,
      ]);
      if (refused.size === 0 && alreadyCommitted.size === 0) throw error;
      for (const [streamId, reason] of refused) result.refused.set(streamId, reason);
      for (const streamId of alreadyCommitted) result.committed.add(streamId);
      const leftOut = (streamId: number) => refused.has(streamId) || alreadyCommitted.has(streamId);
      ranges = ranges.filter((r) => !leftOut(r.streamId));
      objects = objects.filter((o) => !leftOut(o.streamId));
    }
  }
}

/**
 * Which of these commits the metadata would refuse, and why; and which are committed already (an earlier
 * commit whose reply was lost did apply: same epoch, the stream's end is at or past this upload's end).
 */
async function findRefusedStreams(
  objectManager: ObjectManager,
  commits: readonly { streamId: number; streamEpoch: number; startOffset: number; endOffset: number }[],
): Promise<{ refused: Map<number, StreamStorageError>; alreadyCommitted: Set<number> }> {
  const refused = new Map<number, StreamStorageError>();
  const alreadyCommitted = new Set<number>();
  for (const commit of commits) {
    try {
      const meta = await objectManager.describeStream(commit.streamId);
      if (meta.epoch !== commit.streamEpoch) {
        refused.set(
          commit.streamId,
          new StreamStorageError(
            ErrorCode.STREAM_FENCED,
            `stream ${commit.streamId} is now at epoch ${meta.epoch}`,
          ),
        );
      } else if (meta.endOffset >= commit.endOffset) {
        alreadyCommitted.add(commit.streamId);
      } else if (meta.endOffset !== commit.startOffset) {
        refused.set(
          commit.streamId,
          new StreamStorageError(
            ErrorCode.OFFSET_OUT_OF_RANGE,
            `stream ${commit.streamId} ends at ${meta.endOffset}, upload starts at ${commit.startOffset}`,
          ),
        );
      }
    } catch (error) {
      if (hasErrorCode(error, ErrorCode.STREAM_NOT_FOUND))
        refused.set(commit.streamId, error as StreamStorageError);
      else throw error;
    }
  }
  return { refused, alreadyCommitted };
}

export function payloadBytes(records: readonly StreamRecord[]): number {
  let total = 0;
  for (const record of records) total += record.payload.length;
  return total;
}
