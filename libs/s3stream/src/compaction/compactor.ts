// Background compaction (AutoMQ's CompactionManager, simplified):
// 1. this node's stream set objects are merged: each stream's data goes to a stream object of its own when
//    large enough (or when `separateStream` asks: a log cleaner rewrites stream objects only), the rest into
//    one new stream set object, committed as one atomic replacement;
// 2. runs of small adjacent stream objects of the streams open here are merged into objects of up to
//    targetStreamObjectBytes;
// 3. objects unreferenced for longer than the grace period (compacted, trimmed, deleted, expired preparations)
//    are deleted from the object store, then forgotten by the ObjectManager, when `deletesUnreferenced` says
//    this node is the one deleting (the list is the cluster's, not the node's).
// Every byte read or written passes a rate limiter. A round never overlaps the previous one.
import { ObjectBuilder } from "../object/object-builder.ts";
import { objectKey } from "../object/object-keys.ts";
import { readWholeObject } from "../object/read-whole-object.ts";
import {
  NO_OBJECT_ID,
  type ObjectMetadata,
  ObjectType,
  type StreamObjectCommit,
  type StreamRange,
} from "../object-manager.ts";
import type { S3Stream } from "../s3-stream.ts";
import type { CompactionOptions, StreamRecord } from "../stream-types.ts";
import { payloadBytes, type UploadContext } from "../upload/upload-records.ts";
import { RateLimiter } from "./rate-limiter.ts";

const MAX_INPUT_BYTES = 512 * 1024 * 1024;

export class Compactor {
  readonly #ctx: UploadContext;
  readonly #limiter: RateLimiter;
  readonly #targetBytes: number;
  readonly #graceMs: number;
  readonly #streams: () => S3Stream[];
  readonly #deletes: () => boolean | Promise<boolean>;
  readonly #separate: (streamId: number) => boolean;
  readonly #timer: NodeJS.Timeout;
  #round: Promise<void> = Promise.resolve();
  runs = 0;
  /** Unreferenced objects deleted by this node so far. */
  objectsDeleted = 0;
  lastError: unknown;

  constructor(ctx: UploadContext, options: CompactionOptions, streams: () => S3Stream[]) {
    this.#ctx = ctx;
    this.#limiter = new RateLimiter(options.bytesPerSecond);
    this.#targetBytes = options.targetStreamObjectBytes ?? 64 * 1024 * 1024;
    this.#graceMs = options.deleteGracePeriodMs ?? 60_000;
    this.#streams = streams;
    this.#deletes = options.deletesUnreferenced ?? (() => true);
    this.#separate = options.separateStream ?? (() => false);
    this.#timer = setInterval(() => void this.runOnce().catch(() => {}), options.intervalMs);
    this.#timer.unref();
  }

  runOnce(): Promise<void> {
    this.#round = this.#round
      .catch(() => {})
      .then(async () => {
        try {
          await this.#compactStreamSetObjects();
          await this.#compactStreamObjects();
          await this.#deleteUnreferenced();
          this.runs++;
        } catch (error) {
          this.lastError = error;
          throw error;
        }
      });
    return this.#round;
  }

  /** The limiter compaction's reads and writes pass (shared with stream rewrites). */
  get limiter(): RateLimiter {
    return this.#limiter;
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  async idle(): Promise<void> {
    await this.#round.catch(() => {});
  }

  async #compactStreamSetObjects(): Promise<void> {
    const all = await this.#ctx.objectManager.getStreamSetObjects(this.#ctx.nodeId);
    const sources: ObjectMetadata[] = [];
    let inputBytes = 0;
    for (const object of all) {
      if (sources.length >= 2 && inputBytes + object.objectSize > MAX_INPUT_BYTES) break;
      sources.push(object);
      inputBytes += object.objectSize;
    }
    // One object is worth rewriting only to move out a stream that must have stream objects of its own.
    const separates = (o: ObjectMetadata) => o.ranges.some((r) => this.#separate(r.streamId));
    if (sources.length === 0 || (sources.length === 1 && !separates(sources[0]!))) return;
    // Per stream, runs of contiguous records, in source (commit) order.
    const runs = new Map<number, { epoch: number; records: StreamRecord[] }[]>();
    for (const source of sources) {
      await this.#limiter.consume(source.objectSize);
      const blocks = await readWholeObject(this.#ctx.objectStore, source.objectId, source.objectSize);
      for (const range of source.ranges) {
        const records = blocks
          .filter(
            (b) =>
              b.entry.streamId === range.streamId &&
              b.entry.position >= range.position &&
              b.entry.position < range.position + range.length,
          )
          .flatMap((b) => b.records);
        if (records.length === 0) continue;
        let list = runs.get(range.streamId);
        if (!list) {
          list = [];
          runs.set(range.streamId, list);
        }
        const last = list[list.length - 1];
        const lastRecord = last?.records[last.records.length - 1];
        if (last && lastRecord && lastRecord.baseOffset + lastRecord.count === records[0]!.baseOffset) {
          last.records.push(...records);
        } else list.push({ epoch: range.streamEpoch, records });
      }
    }
    const streamSetBuilder = new ObjectBuilder(this.#ctx.blockBytes);
    const ranges: StreamRange[] = [];
    const streamObjects: { streamId: number; epoch: number; records: StreamRecord[] }[] = [];
    for (const [streamId, list] of runs) {
      for (const run of list) {
        if (payloadBytes(run.records) >= this.#ctx.streamObjectThresholdBytes || this.#separate(streamId)) {
          streamObjects.push({ streamId, ...run });
        } else {
          ranges.push({
            ...(await streamSetBuilder.addStreamYielding(streamId, run.records)),
            streamEpoch: run.epoch,
          });
        }
      }
    }
    const count = streamObjects.length + (ranges.length > 0 ? 1 : 0);
    const ids = count > 0 ? await this.#ctx.objectManager.prepareObjects(count, this.#ctx.prepareTtlMs) : 0;
    let nextId = ids;
    let streamSet: { objectId: number; size: number } | undefined;
    if (ranges.length > 0) {
      const body = streamSetBuilder.finish();
      streamSet = { objectId: nextId++, size: body.size };
      await this.#limiter.consume(body.size);
      await this.#ctx.objectStore.put(objectKey(streamSet.objectId), body.chunks);
    }
    const commits: StreamObjectCommit[] = [];
    for (const { streamId, epoch, records } of streamObjects) {
      commits.push(await this.#writeStreamObject(nextId++, streamId, epoch, records));
    }
    await this.#ctx.objectManager.commitStreamSetObject({
      objectId: streamSet?.objectId ?? NO_OBJECT_ID,
      objectSize: streamSet?.size ?? 0,
      nodeId: this.#ctx.nodeId,
      nodeEpoch: this.#ctx.nodeEpoch,
      ranges,
      streamObjects: commits,
      compactedObjectIds: sources.map((s) => s.objectId),
    });
  }

  async #compactStreamObjects(): Promise<void> {
    for (const stream of this.#streams()) {
      if (stream.closed || stream.committedOffset <= stream.startOffset) continue;
      const objects = await this.#ctx.objectManager.getObjects(
        stream.streamId,
        stream.startOffset,
        stream.committedOffset,
        1000,
      );
      let group: ObjectMetadata[] = [];
      let groupBytes = 0;
      const flush = async (): Promise<void> => {
        if (group.length >= 2) await this.#mergeStreamObjects(stream, group);
        group = [];
        groupBytes = 0;
      };
      for (const object of objects) {
        const small = object.type === ObjectType.STREAM && object.objectSize < this.#targetBytes;
        if (!small || groupBytes + object.objectSize > this.#targetBytes) await flush();
        if (small) {
          group.push(object);
          groupBytes += object.objectSize;
        }
      }
      await flush();
    }
  }

  async #mergeStreamObjects(stream: S3Stream, sources: ObjectMetadata[]): Promise<void> {
    const records: StreamRecord[] = [];
    for (const source of sources) {
      await this.#limiter.consume(source.objectSize);
      for (const block of await readWholeObject(this.#ctx.objectStore, source.objectId, source.objectSize)) {
        records.push(...block.records);
      }
    }
    const objectId = await this.#ctx.objectManager.prepareObjects(1, this.#ctx.prepareTtlMs);
    const commit = await this.#writeStreamObject(objectId, stream.streamId, stream.epoch, records);
    await this.#ctx.objectManager.commitStreamObject({
      ...commit,
      sourceObjectIds: sources.map((s) => s.objectId),
    });
  }

  async #writeStreamObject(
    objectId: number,
    streamId: number,
    epoch: number,
    records: StreamRecord[],
  ): Promise<StreamObjectCommit> {
    const builder = new ObjectBuilder(this.#ctx.blockBytes);
    const range = await builder.addStreamYielding(streamId, records);
    const body = builder.finish();
    await this.#limiter.consume(body.size);
    await this.#ctx.objectStore.put(objectKey(objectId), body.chunks);
    return {
      objectId,
      streamId,
      streamEpoch: epoch,
      startOffset: range.startOffset,
      endOffset: range.endOffset,
      objectSize: body.size,
    };
  }

  async #deleteUnreferenced(): Promise<void> {
    if (!(await Promise.resolve(this.#deletes()).catch(() => false))) return;
    for (;;) {
      const unreferenced = await this.#ctx.objectManager.getUnreferencedObjects(this.#graceMs, 1000);
      if (unreferenced.length === 0) return;
      const ids = unreferenced.map((o) => o.objectId);
      await this.#ctx.objectStore.delete(ids.map(objectKey));
      await this.#ctx.objectManager.forgetObjects(ids);
      this.objectsDeleted += ids.length;
      if (unreferenced.length < 1000) return;
    }
  }
}
