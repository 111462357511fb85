// A complete in-memory ObjectManager: the reference implementation of the contract in object-manager.ts,
// used by unit tests and by single-process setups. It keeps the rows; the rules that decide every
// mutation live in metadata/ (shared with the control plane's database implementation), so a refused
// call changes nothing and both implementations refuse the same calls with the same codes.
import { assertSafeIndex, ErrorCode, StreamStorageError } from "./errors.ts";
import {
  type CommitPlan,
  type CommitRequest,
  type CommitState,
  checkPrepared,
  commitWork,
  involvedStreamIds,
  type NodeRecord,
  planCommit,
} from "./metadata/commit-rules.ts";
import { copyRange, type ObjectRange } from "./metadata/ranges.ts";
import {
  assertReadableFrom,
  assertStreamOwner,
  isTrimmedAway,
  openedStream,
  streamNotFound,
  trimmedStart,
} from "./metadata/stream-rules.ts";
import {
  type CommitStreamObjectRequest,
  type CommitStreamSetObjectRequest,
  type CreateStreamOptions,
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
  /** The broker registry's view of nodes (what the control plane keeps in its brokers table). */
  readonly #nodes = new Map<number, NodeRecord>();
  readonly #now: () => number;
  #nextStreamId = 0;
  #nextObjectId = 0;
  #nextOrderId = 0;

  constructor(options: MemoryObjectManagerOptions = {}) {
    this.#now = options.now ?? Date.now;
  }

  /**
   * Records that `nodeId` (re-)registered at `epoch`: from now on its commits at an older node epoch are
   * refused (STREAM_FENCED). A node never registered is checked by stream epochs only.
   */
  registerNode(nodeId: number, epoch: number): void {
    assertSafeIndex("nodeId", nodeId);
    assertSafeIndex("epoch", epoch);
    this.#nodes.set(nodeId, { epoch, ended: false });
  }

  /**
   * Fences `nodeId` at `epoch` (its lease expired, or it stopped): commits at that node epoch or an older
   * one are refused (STREAM_FENCED) until it registers again with a newer epoch.
   */
  fenceNode(nodeId: number, epoch: number): void {
    assertSafeIndex("nodeId", nodeId);
    assertSafeIndex("epoch", epoch);
    this.#nodes.set(nodeId, { epoch, ended: true });
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
    const stream = this.#stream(streamId);
    stream.meta = openedStream(stream.meta, epoch, nodeId);
    return { ...stream.meta };
  }

  async closeStream(streamId: number, epoch: number): Promise<void> {
    const stream = this.#stream(streamId);
    assertStreamOwner(stream.meta, epoch);
    stream.meta.state = StreamState.CLOSED;
  }

  async trimStream(streamId: number, epoch: number, newStartOffset: number): Promise<void> {
    const stream = this.#stream(streamId);
    assertStreamOwner(stream.meta, epoch);
    const start = trimmedStart(stream.meta, newStartOffset);
    if (start === undefined) return;
    stream.meta.startOffset = start;
    const keep: ObjectRange[] = [];
    for (const entry of stream.ranges) {
      if (isTrimmedAway(entry.range, start)) this.#releaseRange(entry.objectId);
      else keep.push(entry);
    }
    stream.ranges = keep;
  }

  async deleteStream(streamId: number, epoch: number): Promise<void> {
    const stream = this.#stream(streamId);
    assertStreamOwner(stream.meta, epoch);
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
    const closes = request.closeStreams ?? [];
    if (closes.length > 0 && request.compactedObjectIds.length > 0)
      throw new StreamStorageError(ErrorCode.INVALID_ARGUMENT, "a compaction cannot close streams");
    // Checked before anything applies: a refused close leaves the commit undone too.
    for (const { streamId, epoch } of closes) assertStreamOwner(this.#stream(streamId).meta, epoch);
    this.#commit({ kind: "streamSet", request });
    for (const { streamId } of closes) this.#stream(streamId).meta.state = StreamState.CLOSED;
  }

  async commitStreamObject(request: CommitStreamObjectRequest): Promise<void> {
    this.#commit({ kind: "stream", request });
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
    assertReadableFrom(stream.meta, startOffset);
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
      result.push({ ...meta, ranges: this.#liveRanges(meta).map(copyRange) });
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
    if (!stream) throw streamNotFound(streamId);
    return stream;
  }

  /** Reads the rows the commit rules ask for, lets them decide, applies the plan. */
  #commit(input: CommitRequest): void {
    const work = commitWork(input);
    this.#expirePreparations();
    const now = this.#now();
    const verdict = checkPrepared(
      work,
      (id) => {
        if (this.#objects.has(id)) return { state: "COMMITTED" };
        const until = this.#prepared.get(id);
        return until === undefined ? undefined : { state: "PREPARED", preparedUntil: until };
      },
      now,
    );
    if (verdict === "retry") return;
    const sources: CommitState["sources"] = new Map(
      work.sourceIds.flatMap((id) => {
        const object = this.#objects.get(id);
        return object
          ? [[id, { type: object.meta.type, ranges: this.#liveRanges(object.meta) }] as const]
          : [];
      }),
    );
    const streams = new Map<number, StreamMetadata>();
    for (const id of involvedStreamIds(work, sources)) {
      const stream = this.#streams.get(id);
      if (stream) streams.set(id, stream.meta);
    }
    const node = work.node ? this.#nodes.get(work.node.nodeId) : undefined;
    this.#apply(planCommit(work, { node, sources, streams }), now);
  }

  #apply(plan: CommitPlan, now: number): void {
    const replaced = new Set(plan.replacedObjectIds);
    const unreferenced = new Set(plan.unreferencedObjectIds);
    for (const object of plan.objects) {
      this.#prepared.delete(object.objectId);
      if (unreferenced.has(object.objectId)) {
        this.#unreferenced.set(object.objectId, now);
        continue;
      }
      const live = plan.ranges.filter((r) => r.objectId === object.objectId).length;
      const meta: ObjectMetadata = {
        ...object,
        orderId: object.type === ObjectType.STREAM_SET ? this.#nextOrderId++ : -1,
        committedAt: now,
      };
      this.#objects.set(object.objectId, { meta, liveRanges: live });
    }
    const touched = new Set(plan.ranges.map((r) => r.range.streamId));
    if (replaced.size > 0) {
      for (const stream of this.#streams.values()) {
        if (stream.ranges.some((e) => replaced.has(e.objectId))) touched.add(stream.meta.streamId);
      }
    }
    for (const streamId of touched) {
      const stream = this.#streams.get(streamId)!;
      const kept = stream.ranges.filter((e) => !replaced.has(e.objectId));
      const added = plan.ranges.filter((r) => r.range.streamId === streamId);
      stream.ranges = [...kept, ...added].sort((a, b) => a.range.startOffset - b.range.startOffset);
      const end = plan.endOffsets.get(streamId);
      if (end !== undefined) stream.meta.endOffset = end;
    }
    for (const id of replaced) {
      if (this.#objects.delete(id)) this.#unreferenced.set(id, now);
    }
  }

  /** The ranges of an object still in the index (not trimmed away, stream not deleted). */
  #liveRanges(meta: ObjectMetadata): StreamRange[] {
    return meta.ranges.filter((range) =>
      this.#streams
        .get(range.streamId)
        ?.ranges.some((e) => e.objectId === meta.objectId && e.range.startOffset === range.startOffset),
    );
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

  #releaseRange(objectId: number): void {
    const object = this.#objects.get(objectId);
    if (!object) return;
    object.liveRanges--;
    if (object.liveRanges <= 0) {
      this.#objects.delete(objectId);
      this.#unreferenced.set(objectId, this.#now());
    }
  }
}
