// The rules of committing objects to the object index, as pure functions: given the request and the
// current rows of what it touches (its object ids, the compacted objects, the streams, the committing
// node's registry record), decide: nothing to do (a retry), refuse (a StreamStorageError with a stable
// code), or accept with exactly these writes (a CommitPlan). MemoryObjectManager and the control plane's
// database ObjectManager both read their rows, call these in this order, and apply the plan:
//   commitWork(request) → checkPrepared(...) → planCommit(work, state) → write
// so both refuse the same requests with the same codes (test/object-manager-contract.ts runs both).
import { assertSafeIndex, ErrorCode, StreamStorageError } from "../errors.ts";
import {
  type CommitStreamObjectRequest,
  type CommitStreamSetObjectRequest,
  NO_OBJECT_ID,
  ObjectType,
  type StreamMetadata,
  type StreamRange,
} from "../object-manager.ts";
import { assertRange, type ObjectRange, rangesByStream, sameCoverage } from "./ranges.ts";
import { streamFenced, streamNotFound, streamNotOpen } from "./stream-rules.ts";

export type CommitRequest =
  | { kind: "streamSet"; request: CommitStreamSetObjectRequest }
  | { kind: "stream"; request: CommitStreamObjectRequest };

/** An object a commit adds, as the index records it. */
export interface NewObject {
  objectId: number;
  type: ObjectType;
  objectSize: number;
  /** The node that wrote it (stream set objects); -1 for stream objects. */
  nodeId: number;
  /** In the object's layout order; a stream object has one (position 0, length = objectSize). */
  ranges: StreamRange[];
}

/** A validated request: what it adds, what it replaces, who commits it. */
export interface CommitWork {
  /** The stream set object first (if any), then the stream objects. */
  objects: NewObject[];
  /** Objects a compaction replaces (deduplicated); empty for new data. */
  sourceIds: number[];
  /** What the sources must be: stream set objects (commitStreamSetObject) or stream objects. */
  sourceType: ObjectType;
  /** The committing node: stream set commits carry it; a lone stream object commit does not. */
  node?: { nodeId: number; nodeEpoch: number };
}

/** An object id as the index holds it before the commit. */
export type ObjectIdState =
  | { state: "PREPARED"; preparedUntil: number }
  | { state: "COMMITTED" }
  /** Never prepared, forgotten, unreferenced, or another cluster's. */
  | undefined;

/** What the broker registry records of a node (the control plane's brokers table; a map in memory). */
export interface NodeRecord {
  /** The node's current epoch: commits by an older one are refused. */
  epoch: number;
  /** That epoch has ended (lease expired and fenced, stopped, deregistered): its commits are refused too. */
  ended: boolean;
}

/** The rows a commit is decided on. */
export interface CommitState {
  /** The committing node's record; undefined: it never registered (tools, tests): stream epochs decide. */
  node: NodeRecord | undefined;
  /**
   * Committed objects among the work's sourceIds (any type: planCommit checks it) with their live ranges
   * (those still in the index: trimmed or deleted streams' ranges are not).
   */
  sources: ReadonlyMap<number, { type: ObjectType; ranges: readonly StreamRange[] }>;
  /** The live (not deleted) streams among involvedStreamIds(). */
  streams: ReadonlyMap<number, StreamMetadata>;
}

/** What an accepted commit writes. Nothing else changes. */
export interface CommitPlan {
  /** Recorded as committed (stream set objects take the next commit order). */
  objects: NewObject[];
  /** Added to the index: every range for new data; for a compaction, those of live streams above their start. */
  ranges: ObjectRange[];
  /** New data: each stream's new end offset. A compaction moves no end offset. */
  endOffsets: Map<number, number>;
  /** Compaction sources: their ranges leave the index and they become unreferenced. */
  replacedObjectIds: number[];
  /** New objects left without any live range (compacted data of streams since deleted or trimmed). */
  unreferencedObjectIds: number[];
}

/** Validates the request's arguments (INVALID_ARGUMENT) and lists what it adds and replaces. */
export function commitWork(input: CommitRequest): CommitWork {
  const work = input.kind === "stream" ? streamObjectWork(input.request) : streamSetWork(input.request);
  const ids = work.objects.map((o) => o.objectId);
  if (ids.length === 0) throw invalidArgument("commit carries no object");
  if (new Set(ids).size !== ids.length)
    throw invalidArgument(`commit names an object twice: ${ids.join(", ")}`);
  return work;
}

/**
 * Whether the commit's object ids can be committed at `now`: "retry" when every one is committed already
 * (a retry of a commit that applied: success, nothing to write, whoever asks), "commit" when every one
 * is prepared and unexpired; otherwise OBJECT_NOT_PREPARED.
 */
export function checkPrepared(
  work: CommitWork,
  stateOf: (objectId: number) => ObjectIdState,
  now: number,
): "retry" | "commit" {
  const states = work.objects.map((o) => ({ id: o.objectId, s: stateOf(o.objectId) }));
  if (states.every(({ s }) => s?.state === "COMMITTED")) return "retry";
  const missing = states.find(({ s }) => s?.state !== "PREPARED" || s.preparedUntil < now);
  if (missing) {
    throw new StreamStorageError(
      ErrorCode.OBJECT_NOT_PREPARED,
      `object ${missing.id} is not prepared (or expired)`,
    );
  }
  return "commit";
}

/** The streams a commit must read (and lock), in id order: those of its ranges and of its sources' ranges. */
export function involvedStreamIds(work: CommitWork, sources: CommitState["sources"] = new Map()): number[] {
  const ids = new Set<number>();
  for (const object of work.objects) for (const range of object.ranges) ids.add(range.streamId);
  for (const source of sources.values()) for (const range of source.ranges) ids.add(range.streamId);
  return [...ids].sort((a, b) => a - b);
}

/**
 * Decides a commit whose ids passed checkPrepared. Refuses, in this order: a fenced node (STREAM_FENCED),
 * a source that is not a committed object of the right type (OBJECT_NOT_FOUND); for new data a stream
 * that is gone (STREAM_NOT_FOUND), a stale stream epoch (STREAM_FENCED) or one never opened
 * (STREAM_NOT_OPEN), a gap or overlap with the stream's end (OFFSET_OUT_OF_RANGE); for a compaction an
 * output that does not cover exactly its sources' live ranges (OFFSET_OUT_OF_RANGE; epochs are not
 * checked, ranges of deleted streams are dropped).
 */
export function planCommit(work: CommitWork, state: CommitState): CommitPlan {
  if (work.node) assertNodeLive(work.node.nodeId, work.node.nodeEpoch, state.node);
  for (const id of work.sourceIds) {
    if (state.sources.get(id)?.type !== work.sourceType) {
      throw new StreamStorageError(
        ErrorCode.OBJECT_NOT_FOUND,
        `${work.sourceType} object ${id} is not committed`,
      );
    }
  }
  const added = rangesByStream(work.objects);
  return work.sourceIds.length === 0
    ? planNewData(work, added, state.streams)
    : planCompaction(work, added, state);
}

/** A node's commits are refused once the registry holds a newer epoch for it or its epoch has ended. */
export function assertNodeLive(nodeId: number, nodeEpoch: number, node: NodeRecord | undefined): void {
  if (!node) return;
  if (nodeEpoch < node.epoch || (nodeEpoch === node.epoch && node.ended)) {
    throw new StreamStorageError(
      ErrorCode.STREAM_FENCED,
      `node ${nodeId} epoch ${nodeEpoch} is fenced (current epoch ${node.epoch}${node.ended ? ", ended" : ""})`,
    );
  }
}

function planNewData(
  work: CommitWork,
  added: Map<number, ObjectRange[]>,
  streams: CommitState["streams"],
): CommitPlan {
  const endOffsets = new Map<number, number>();
  for (const [streamId, ranges] of added) {
    const stream = streams.get(streamId);
    if (!stream) throw streamNotFound(streamId);
    let expected = stream.endOffset;
    for (const { range } of ranges) {
      if (range.streamEpoch < stream.epoch) throw streamFenced(streamId, range.streamEpoch, stream.epoch);
      if (range.streamEpoch > stream.epoch) throw streamNotOpen(streamId, range.streamEpoch, stream.epoch);
      if (range.startOffset !== expected) {
        throw new StreamStorageError(
          ErrorCode.OFFSET_OUT_OF_RANGE,
          `stream ${streamId} commit starts at ${range.startOffset}, expected ${expected}`,
        );
      }
      expected = range.endOffset;
    }
    endOffsets.set(streamId, expected);
  }
  return {
    objects: work.objects,
    ranges: [...added.values()].flat(),
    endOffsets,
    replacedObjectIds: [],
    unreferencedObjectIds: [],
  };
}

function planCompaction(work: CommitWork, added: Map<number, ObjectRange[]>, state: CommitState): CommitPlan {
  const removed = new Map<number, StreamRange[]>();
  for (const id of work.sourceIds) {
    for (const range of state.sources.get(id)!.ranges) {
      const list = removed.get(range.streamId);
      if (list) list.push(range);
      else removed.set(range.streamId, [range]);
    }
  }
  for (const [streamId, ranges] of added) {
    const stream = state.streams.get(streamId);
    if (!stream) continue; // deleted since: its ranges are dropped
    const output = ranges.map((r) => r.range);
    if (!sameCoverage(removed.get(streamId) ?? [], output, stream.startOffset)) {
      throw new StreamStorageError(
        ErrorCode.OFFSET_OUT_OF_RANGE,
        `compaction output for stream ${streamId} does not cover exactly its source ranges`,
      );
    }
  }
  for (const streamId of removed.keys()) {
    if (state.streams.has(streamId) && !added.has(streamId)) {
      throw new StreamStorageError(
        ErrorCode.OFFSET_OUT_OF_RANGE,
        `compaction drops live data of stream ${streamId}`,
      );
    }
  }
  const kept = [...added.values()].flat().filter(({ range }) => {
    const stream = state.streams.get(range.streamId);
    return stream !== undefined && range.endOffset > stream.startOffset;
  });
  const holding = new Set(kept.map((r) => r.objectId));
  return {
    objects: work.objects,
    ranges: kept,
    endOffsets: new Map(),
    replacedObjectIds: work.sourceIds,
    unreferencedObjectIds: work.objects.map((o) => o.objectId).filter((id) => !holding.has(id)),
  };
}

function streamSetWork(r: CommitStreamSetObjectRequest): CommitWork {
  assertSafeIndex("nodeId", r.nodeId);
  assertSafeIndex("nodeEpoch", r.nodeEpoch);
  const objects: NewObject[] = [];
  if (r.objectId !== NO_OBJECT_ID) {
    assertSafeIndex("objectId", r.objectId);
    assertSafeIndex("objectSize", r.objectSize);
    for (const range of r.ranges) assertRange(range);
    objects.push({
      objectId: r.objectId,
      type: ObjectType.STREAM_SET,
      objectSize: r.objectSize,
      nodeId: r.nodeId,
      ranges: r.ranges.map((range) => ({ ...range })),
    });
  } else if (r.ranges.length > 0) {
    throw invalidArgument("ranges given without a stream set object id");
  }
  for (const so of r.streamObjects) objects.push(streamObject(so));
  for (const id of r.compactedObjectIds) assertSafeIndex("compactedObjectId", id);
  return {
    objects,
    sourceIds: [...new Set(r.compactedObjectIds)],
    sourceType: ObjectType.STREAM_SET,
    node: { nodeId: r.nodeId, nodeEpoch: r.nodeEpoch },
  };
}

function streamObjectWork(r: CommitStreamObjectRequest): CommitWork {
  for (const id of r.sourceObjectIds) assertSafeIndex("sourceObjectId", id);
  return {
    objects: [streamObject(r)],
    sourceIds: [...new Set(r.sourceObjectIds)],
    sourceType: ObjectType.STREAM,
  };
}

function streamObject(r: Omit<CommitStreamObjectRequest, "sourceObjectIds">): NewObject {
  assertSafeIndex("objectId", r.objectId);
  assertSafeIndex("objectSize", r.objectSize);
  const range: StreamRange = {
    streamId: r.streamId,
    streamEpoch: r.streamEpoch,
    startOffset: r.startOffset,
    endOffset: r.endOffset,
    position: 0,
    length: r.objectSize,
  };
  assertRange(range);
  return {
    objectId: r.objectId,
    type: ObjectType.STREAM,
    objectSize: r.objectSize,
    nodeId: -1,
    ranges: [range],
  };
}

function invalidArgument(message: string): StreamStorageError {
  return new StreamStorageError(ErrorCode.INVALID_ARGUMENT, message);
}
