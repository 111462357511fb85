// Rewriting a stream's stored records in place, offsets unchanged: the caller's function gives each stored
// record a new payload (a log cleaner drops superseded entries from it), and every stream object whose records
// changed is replaced in the object index by a new one, atomically (commitStreamObject with the old object as
// its source), object by object. Readers never see a hole: until a commit the old object is the index's, after
// it the new one, and the old bytes stay readable for the grace period of deleteUnreferenced. A crash between
// the upload and the commit leaves the old object referenced and the new bytes under an expired preparation
// (deleted later). Two rewriters (or a rewriter and the stream-object merge) racing on one object: the second
// commit is refused because its source is no longer committed (OBJECT_NOT_FOUND), and nothing changes.
//
// Only stream objects are rewritten: data still in stream set objects (shared with other streams) is left
// alone, and `rewritableEnd` tells the caller where the run of stream objects from a given offset ends.
import { ErrorCode, StreamStorageError } from "../errors.ts";
import { ObjectBuilder } from "../object/object-builder.ts";
import { objectKey } from "../object/object-keys.ts";
import { readWholeObject } from "../object/read-whole-object.ts";
import { type ObjectMetadata, ObjectType } from "../object-manager.ts";
import type { StreamRecord } from "../stream-types.ts";
import type { UploadContext } from "../upload/upload-records.ts";
import type { RateLimiter } from "./rate-limiter.ts";

/**
 * Gives a stored record its new payload, or undefined to keep it unchanged. Called in offset order, once per
 * record of every stream object overlapping the range (records outside it included: return undefined for
 * them). The offsets (baseOffset, count) never change; the payload given is owned by the rewriter.
 */
export type RecordRewrite = (record: StreamRecord) => Buffer | undefined;

export interface RewriteOutcome {
  /** Stream objects read, and those replaced by a rewritten one. */
  objectsRead: number;
  objectsRewritten: number;
  /** Sizes of the replaced objects and of their replacements. */
  bytesBefore: number;
  bytesAfter: number;
}

const MAX_OBJECTS = 10_000;
const YIELD_EVERY_BYTES = 1024 * 1024;

/**
 * Where the run of stream objects starting at `fromOffset` ends (exclusive), bounded by `endOffset`:
 * `fromOffset` itself when the data there is in a stream set object or not committed yet.
 */
export async function rewritableEnd(
  ctx: Pick<UploadContext, "objectManager">,
  streamId: number,
  fromOffset: number,
  endOffset: number,
): Promise<{ end: number; objects: ObjectMetadata[] }> {
  if (endOffset <= fromOffset) return { end: fromOffset, objects: [] };
  const all = await ctx.objectManager.getObjects(streamId, fromOffset, endOffset, MAX_OBJECTS);
  const objects: ObjectMetadata[] = [];
  let end = fromOffset;
  for (const object of all) {
    const range = object.ranges[0]!;
    if (object.type !== ObjectType.STREAM || range.startOffset > end) break;
    objects.push(object);
    end = Math.min(range.endOffset, endOffset);
    if (end >= endOffset) break;
  }
  return { end, objects };
}

/**
 * Rewrites the stream objects of `streamId` holding offsets of [startOffset, endOffset) (the run
 * rewritableEnd finds), committing each changed one as a replacement written at `streamEpoch`. Rejects with
 * the first failure (objects committed before it stay rewritten, which is consistent: each is whole).
 */
export async function rewriteStream(
  ctx: UploadContext,
  limiter: RateLimiter,
  streamId: number,
  streamEpoch: number,
  startOffset: number,
  endOffset: number,
  rewrite: RecordRewrite,
): Promise<RewriteOutcome> {
  const outcome: RewriteOutcome = { objectsRead: 0, objectsRewritten: 0, bytesBefore: 0, bytesAfter: 0 };
  const { objects } = await rewritableEnd(ctx, streamId, startOffset, endOffset);
  for (const source of objects) {
    await limiter.consume(source.objectSize);
    const records = (await readWholeObject(ctx.objectStore, source.objectId, source.objectSize)).flatMap(
      (b) => b.records,
    );
    outcome.objectsRead++;
    let changed = false;
    const output: StreamRecord[] = [];
    let sinceYield = 0;
    for (const record of records) {
      // Rewriting is CPU work (a log cleaner decodes and re-encodes batches): let the event loop breathe.
      sinceYield += record.payload.length;
      if (sinceYield >= YIELD_EVERY_BYTES) {
        sinceYield = 0;
        await new Promise((resolve) => setImmediate(resolve));
      }
      const payload = rewrite(record);
      if (payload === undefined) {
        output.push(record);
        continue;
      }
      changed = true;
      // A fresh record: the source's may carry the old payload's checksum (payloadCrc), which must not be reused.
      output.push({
        baseOffset: record.baseOffset,
        count: record.count,
        timestamp: record.timestamp,
        payload,
      });
    }
    if (!changed) continue;
    const range = source.ranges[0]!;
    const builder = new ObjectBuilder(ctx.blockBytes);
    const written = await builder.addStreamYielding(streamId, output);
    if (written.startOffset > range.startOffset || written.endOffset < range.endOffset) {
      throw new StreamStorageError(
        ErrorCode.INVALID_ARGUMENT,
        `rewrite of object ${source.objectId} changed its offsets [${range.startOffset}, ${range.endOffset})`,
      );
    }
    const body = builder.finish();
    await limiter.consume(body.size);
    const objectId = await ctx.objectManager.prepareObjects(1, ctx.prepareTtlMs);
    await ctx.objectStore.put(objectKey(objectId), body.chunks);
    await ctx.objectManager.commitStreamObject({
      objectId,
      streamId,
      streamEpoch,
      startOffset: written.startOffset,
      endOffset: written.endOffset,
      objectSize: body.size,
      sourceObjectIds: [source.objectId],
    });
    outcome.objectsRewritten++;
    outcome.bytesBefore += source.objectSize;
    outcome.bytesAfter += body.size;
  }
  return outcome;
}
