// A complete in-memory ObjectManager: the reference implementation of the contract in object-manager.ts,
// used by unit tests and by single-process setups. Every mutation validates first, then applies, so a
// refused call changes nothing.
import { assertSafeIndex, ErrorCode, StreamStorageError } from "./errors.ts";
import {
  assertRange,
  copyRange,
  fenced,
  type ObjectRange,
  rangesByStream,
  sameCoverage,
  streamObjectMetadata,
} from "./metadata-ranges.ts";
import {
  type CommitStreamObjectRequest,
  type CommitStreamSetObjectRequest,
  type CreateStreamOptions,
  NO_OBJECT_ID,
  type ObjectManager,
  type ObjectMetadata,
  ObjectType,
  type StreamMetadata,
  type StreamRange,
  StreamState,
  type UnreferencedObject,
} from "./object-manager.ts";

interface StreamEntry {
  meta: StreamMetadata;
  tags: Record<string, string>;
  /** Live ranges of this stream, sorted by startOffset, contiguous. */
  ranges: ObjectRange[];
}

interface ObjectEntry {
  meta: ObjectMetadata;
  /** How many of its ranges are still referenced by a stream. */
  liveRanges: number;
}

export interface MemoryObjectManagerOptions {
  now?: () => number;
}

export class MemoryObjectManager implements ObjectManager {
  readonly #streams = new Map<number, StreamEntry>();
  readonly #objects = new Map<number, ObjectEntry>();
  readonly #prepared = new Map<number, number>();
  readonly #unreferenced = new Map<number, number>();
  readonly #now: () => number;
  #nextStreamId = 0;
  #nextObjectId = 0;
  #nextOrderId = 0;

  constructor(options: MemoryObjectManagerOptions = {}) {
    this.#now = options.now ?? Date.now;
  }

  async createStream(options: CreateStreamOptions = {}): Promise<{ streamId: number }> {
    const streamId = this.#nextStreamId++;
    const meta: StreamMetadata = {
      streamId,
      epoch: 0,
      startOffset: 0,
      endOffset: 0,
      state: StreamState.CLOSED,
      nodeId: -1,
    };
    this.#streams.set(streamId, { meta, tags: { ...(options.tags ?? {}) }, ranges: [] });
    return { streamId };
  }

  async openStream(streamId: number, epoch: number, nodeId: number): Promise<StreamMetadata> {
    assertSafeIndex("epoch", epoch);
    assertSafeIndex("nodeId", nodeId);
    const stream = this.#stream(streamId);
    const { meta } = stream;
    if (epoch < meta.epoch) throw fenced(streamId, epoch, meta.epoch);
    if (epoch === meta.epoch && meta.state === StreamState.OPENED && meta.nodeId !== nodeId) {
      throw new StreamStorageError(
        ErrorCode.STREAM_FENCED,
        `stream ${streamId} epoch ${epoch} is opened by node ${meta.nodeId}; open with a newer epoch`,
      );
    }
    meta.epoch = epoch;
    meta.state = StreamState.OPENED;
    meta.nodeId = nodeId;
    return { ...meta };
  }

  async closeStream(streamId: number, epoch: number): Promise<void> {
    const stream = this.#ownedStream(streamId, epoch);
    stream.meta.state = StreamState.CLOSED;
  }

  async trimStream(streamId: number, epoch: number, newStartOffset: number): Promise<void> {
    assertSafeIndex("newStartOffset", newStartOffset);
    const stream = this.#ownedStream(streamId, epoch);
    if (newStartOffset > stream.meta.endOffset) {
      throw new StreamStorageError(
        ErrorCode.OFFSET_OUT_OF_RANGE,
        `trim of stream ${streamId} to ${newStartOffset} is beyond its end ${stream.meta.endOffset}`,
      );
    }
    if (newStartOffset <= stream.meta.startOffset) return;
    stream.meta.startOffset = newStartOffset;
    const keep: StreamEntry["ranges"] = [];
    for (const entry of stream.ranges) {
      if (entry.range.endOffset <= newStartOffset) this.#releaseRange(entry.objectId);
      else keep.push(entry);
    }
    stream.ranges = keep;
  }

  async deleteStream(streamId: number, epoch: number): Promise<void> {
    const stream = this.#ownedStream(streamId, epoch);
    for (const entry of stream.ranges) this.#releaseRange(entry.objectId);
    this.#streams.delete(streamId);
  }

  async describeStream(streamId: number): Promise<StreamMetadata> {
    return { ...this.#stream(streamId).meta };
  }

  async prepareObjects(count: number, ttlMs: number): Promise<number> {
    assertSafeIndex("count", count);
    assertSafeIndex("ttlMs", ttlMs);
    if (count === 0)
      throw new StreamStorageError(ErrorCode.INVALID_ARGUMENT, "prepareObjects count must be > 0");
    this.#expirePreparations();
    const first = this.#nextObjectId;
    this.#nextObjectId += count;
    const expiresAt = this.#now() + ttlMs;
    for (let id = first; id < first + count; id++) this.#prepared.set(id, expiresAt);
    return first;
  }

  async commitStreamSetObject(request: CommitStreamSetObjectRequest): Promise<void> {
    this.#expirePreparations();
    const { objectId, streamObjects, compactedObjectIds } = request;
    const ids = streamObjects.map((o) => o.objectId);
    if (objectId !== NO_OBJECT_ID) ids.unshift(objectId);
    if (ids.length === 0)
      throw new StreamStorageError(ErrorCode.INVALID_ARGUMENT, "commit carries no object");
    if (ids.every((id) => this.#objects.has(id))) return; // idempotent retry
    for (const id of ids) this.#assertPrepared(id);
    assertSafeIndex("nodeId", request.nodeId);
    assertSafeIndex("nodeEpoch", request.nodeEpoch);

    const newObjects: ObjectMetadata[] = [];
    const committedAt = this.#now();
    if (objectId !== NO_OBJECT_ID) {
      assertSafeIndex("objectSize", request.objectSize);
      newObjects.push({
        objectId,
        type: ObjectType.STREAM_SET,
        objectSize: request.objectSize,
        nodeId: request.nodeId,
        orderId: this.#nextOrderId,
        committedAt,
        ranges: request.ranges.map(copyRange),
      });
    } else if (request.ranges.length > 0) {
      throw new StreamStorageError(ErrorCode.INVALID_ARGUMENT, "ranges given without a stream set object id");
    }
    for (const so of streamObjects) {
      assertSafeIndex("objectSize", so.objectSize);
      newObjects.push(streamObjectMetadata(so, committedAt));
    }
    for (const object of newObjects) for (const range of object.ranges) assertRange(range);

    if (compactedObjectIds.length === 0) {
      this.#validateNewData(newObjects);
      this.#applyNewData(newObjects);
    } else {
      const sources = compactedObjectIds.map((id) => this.#committedObject(id, ObjectType.STREAM_SET));
      this.#applyCompaction(sources, newObjects);
    }
    if (objectId !== NO_OBJECT_ID) this.#nextOrderId++;
  }

  async commitStreamObject(request: CommitStreamObjectRequest): Promise<void> {
    this.#expirePreparations();
    if (this.#objects.has(request.objectId)) return; // idempotent retry
    this.#assertPrepared(request.objectId);
    assertSafeIndex("objectSize", request.objectSize);
    const object = streamObjectMetadata(request, this.#now());
    assertRange(object.ranges[0]!);
    if (request.sourceObjectIds.length === 0) {
      this.#validateNewData([object]);
      this.#applyNewData([object]);
      return;
    }
    const sources = request.sourceObjectIds.map((id) => this.#committedObject(id, ObjectType.STREAM));
    this.#applyCompaction(sources, [object]);
  }

  async getObjects(
    streamId: number,
    startOffset: number,
    endOffset: number,
    limit: number,
  ): Promise<ObjectMetadata[]> {
    assertSafeIndex("startOffset", startOffset);
    assertSafeIndex("endOffset", endOffset);
    assertSafeIndex("limit", limit);
    const stream = this.#stream(streamId);
    if (startOffset < stream.meta.startOffset) {
      throw new StreamStorageError(
        ErrorCode.OFFSET_OUT_OF_RANGE,
        `offset ${startOffset} of stream ${streamId} is below its start ${stream.meta.startOffset}`,
      );
    }
    const result: ObjectMetadata[] = [];
    for (const { objectId, range } of stream.ranges) {
      if (result.length >= limit) break;
      if (range.endOffset <= startOffset) continue;
      if (range.startOffset >= endOffset) break;
      const object = this.#objects.get(objectId)!.meta;
      result.push({ ...object, ranges: [copyRange(range)] });
    }
    return result;
  }

  async getStreamSetObjects(nodeId: number): Promise<ObjectMetadata[]> {
    const result: ObjectMetadata[] = [];
    for (const { meta } of this.#objects.values()) {
      if (meta.type !== ObjectType.STREAM_SET || meta.nodeId !== nodeId) continue;
      // Only ranges still referenced: trimmed or deleted streams' data need not be compacted.
      const ranges = meta.ranges.filter((r) => this.#isLive(meta.objectId, r));
      result.push({ ...meta, ranges: ranges.map(copyRange) });
    }
    return result.sort((a, b) => a.orderId - b.orderId);
  }

  async getOpeningStreams(nodeId: number): Promise<StreamMetadata[]> {
    const result: StreamMetadata[] = [];
    for (const { meta } of this.#streams.values()) {
      if (meta.state === StreamState.OPENED && meta.nodeId === nodeId) result.push({ ...meta });
    }
    return result;
  }

  async getUnreferencedObjects(gracePeriodMs: number, limit: number): Promise<UnreferencedObject[]> {
    this.#expirePreparations();
    const cutoff = this.#now() - gracePeriodMs;
    const result: UnreferencedObject[] = [];
    for (const [objectId, since] of this.#unreferenced) {
      if (result.length >= limit) break;
      if (since <= cutoff) result.push({ objectId, since });
    }
    return result;
  }

  async forgetObjects(objectIds: number[]): Promise<void> {
    for (const id of objectIds) this.#unreferenced.delete(id);
  }

  #stream(streamId: number): StreamEntry {
    assertSafeIndex("streamId", streamId);
    const stream = this.#streams.get(streamId);
    if (!stream) throw new StreamStorageError(ErrorCode.STREAM_NOT_FOUND, `stream ${streamId} not found`);
    return stream;
  }

  #ownedStream(streamId: number, epoch: number): StreamEntry {
    assertSafeIndex("epoch", epoch);
    const stream = this.#stream(streamId);
    if (epoch < stream.meta.epoch) throw fenced(streamId, epoch, stream.meta.epoch);
    if (epoch > stream.meta.epoch) {
      throw new StreamStorageError(
        ErrorCode.STREAM_NOT_OPEN,
        `stream ${streamId} was never opened at epoch ${epoch} (current ${stream.meta.epoch})`,
      );
    }
    return stream;
  }

  #assertPrepared(objectId: number): void {
    assertSafeIndex("objectId", objectId);
    if (!this.#prepared.has(objectId)) {
      throw new StreamStorageError(
        ErrorCode.OBJECT_NOT_PREPARED,
        `object ${objectId} is not prepared (or expired)`,
      );
    }
  }

  #committedObject(objectId: number, type: ObjectType): ObjectEntry {
    const object = this.#objects.get(objectId);
    if (!object || object.meta.type !== type) {
      throw new StreamStorageError(ErrorCode.OBJECT_NOT_FOUND, `${type} object ${objectId} is not committed`);
    }
    return object;
  }

  #expirePreparations(): void {
    const now = this.#now();
    for (const [id, expiresAt] of this.#prepared) {
      if (expiresAt < now) {
        this.#prepared.delete(id);
        this.#unreferenced.set(id, now);
      }
    }
  }

  #validateNewData(objects: ObjectMetadata[]): void {
    const byStream = rangesByStream(objects);
    for (const [streamId, ranges] of byStream) {
      const { meta } = this.#stream(streamId);
      let expected = meta.endOffset;
      for (const { range } of ranges) {
        if (range.streamEpoch < meta.epoch) throw fenced(streamId, range.streamEpoch, meta.epoch);
        if (range.streamEpoch > meta.epoch) {
          throw new StreamStorageError(
            ErrorCode.STREAM_NOT_OPEN,
            `stream ${streamId} epoch ${range.streamEpoch} is newer than current ${meta.epoch}`,
          );
        }
        if (range.startOffset !== expected) {
          throw new StreamStorageError(
            ErrorCode.OFFSET_OUT_OF_RANGE,
            `stream ${streamId} commit starts at ${range.startOffset}, expected ${expected}`,
          );
        }
        expected = range.endOffset;
      }
    }
  }

  #applyNewData(objects: ObjectMetadata[]): void {
    for (const object of objects) this.#register(object);
    for (const [streamId, ranges] of rangesByStream(objects)) {
      const stream = this.#streams.get(streamId)!;
      for (const entry of ranges) stream.ranges.push(entry);
      stream.meta.endOffset = ranges[ranges.length - 1]!.range.endOffset;
    }
  }

  #applyCompaction(sources: ObjectEntry[], objects: ObjectMetadata[]): void {
    const sourceIds = new Set(sources.map((s) => s.meta.objectId));
    const added = rangesByStream(objects);
    // Validate: per live stream, the new ranges cover exactly what the sources covered (trimmed parts aside).
    for (const [streamId, ranges] of added) {
      const stream = this.#streams.get(streamId);
      if (!stream) continue;
      const removed = stream.ranges.filter((e) => sourceIds.has(e.objectId));
      if (!sameCoverage(removed, ranges, stream.meta.startOffset)) {
        throw new StreamStorageError(
          ErrorCode.OFFSET_OUT_OF_RANGE,
          `compaction output for stream ${streamId} does not cover exactly its source ranges`,
        );
      }
    }
    for (const stream of this.#streams.values()) {
      const hadSourceRanges = stream.ranges.some((e) => sourceIds.has(e.objectId));
      if (hadSourceRanges && !added.has(stream.meta.streamId)) {
        throw new StreamStorageError(
          ErrorCode.OFFSET_OUT_OF_RANGE,
          `compaction drops live data of stream ${stream.meta.streamId}`,
        );
      }
    }
    for (const object of objects) this.#register(object);
    for (const [streamId, ranges] of added) {
      const stream = this.#streams.get(streamId);
      if (!stream) {
        for (const { objectId } of ranges) this.#releaseRange(objectId);
        continue;
      }
      const kept = stream.ranges.filter((e) => !sourceIds.has(e.objectId));
      const live = ranges.filter(({ objectId, range }) => {
        if (range.endOffset > stream.meta.startOffset) return true;
        this.#releaseRange(objectId);
        return false;
      });
      stream.ranges = [...kept, ...live].sort((a, b) => a.range.startOffset - b.range.startOffset);
    }
    const now = this.#now();
    for (const source of sources) {
      if (this.#objects.delete(source.meta.objectId)) this.#unreferenced.set(source.meta.objectId, now);
    }
  }

  #register(object: ObjectMetadata): void {
    this.#prepared.delete(object.objectId);
    this.#objects.set(object.objectId, { meta: object, liveRanges: object.ranges.length });
  }

  #releaseRange(objectId: number): void {
    const object = this.#objects.get(objectId);
    if (!object) return;
    object.liveRanges--;
    if (object.liveRanges <= 0) {
      this.#objects.delete(objectId);
      this.#unreferenced.set(objectId, this.#now());
    }
  }

  #isLive(objectId: number, range: StreamRange): boolean {
    const stream = this.#streams.get(range.streamId);
    return stream?.ranges.some((e) => e.objectId === objectId) ?? false;
  }
}
