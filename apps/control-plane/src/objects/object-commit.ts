import {
  assertSafeIndex,
  type CommitStreamObjectRequest,
  type CommitStreamSetObjectRequest,
  ErrorCode,
  NO_OBJECT_ID,
  ObjectType,
  type StreamRange,
  StreamStorageError,
} from "@cirrus/s3stream";
import { and, asc, eq, inArray, sql } from "drizzle-orm";
import type { Tx } from "../db/database.ts";
import { rowsOf } from "../db/database.ts";
import { brokers, objectRanges, objects, streams } from "../db/schema.ts";
import { ObjectState, releaseObjectsWithoutRanges, toRange } from "./object-index.ts";
import { sameCoverage } from "./range-coverage.ts";
import {
  invalidArgument,
  offsetOutOfRange,
  streamFenced,
  streamNotFound,
  streamNotOpen,
} from "./stream-errors.ts";

export type CommitInput =
  | { kind: "streamSet"; request: CommitStreamSetObjectRequest }
  | { kind: "stream"; request: CommitStreamObjectRequest };

interface NewObject {
  objectId: number;
  type: ObjectType;
  objectSize: number;
  nodeId: number;
  ranges: StreamRange[];
}

interface Normalized {
  objects: NewObject[];
  /** Objects a compaction replaces (empty: new data). */
  sourceIds: number[];
  sourceType: ObjectType;
  node?: { nodeId: number; nodeEpoch: number };
}

type StreamRow = typeof streams.$inferSelect;

/**
 * Commits new objects in the caller's transaction: checks every precondition first (prepared ids,
 * node epoch, stream epochs, contiguous offsets or exact compaction coverage), then writes. Throws
 * StreamStorageError before writing anything when a check fails. Idempotent by object id.
 */
export async function commitObjects(
  tx: Tx,
  ctx: { clusterId: string; now: number },
  input: CommitInput,
): Promise<void> {
  const work = normalize(input);
  const ids = work.objects.map((o) => o.objectId);
  if (ids.length === 0) throw invalidArgument("commit carries no object");
  // Claiming the prepared ids first both checks and locks them: a concurrent retry of the same commit
  // waits here, then finds them committed. Any later refusal rolls the claim back with the rest.
  const claimed = await claimPrepared(tx, ctx, work.objects);
  if (claimed < ids.length) {
    const rows = await tx
      .select({ id: objects.id, state: objects.state })
      .from(objects)
      .where(and(inArray(objects.id, ids), eq(objects.clusterId, ctx.clusterId)));
    const committed = rows.filter((r) => r.state === ObjectState.COMMITTED).length;
    if (claimed === 0 && committed === ids.length) return; // a retry of a commit that applied
    const missing =
      ids.find((id) => !rows.some((r) => r.id === id && r.state === ObjectState.PREPARED)) ?? ids[0];
    throw new StreamStorageError(
      ErrorCode.OBJECT_NOT_PREPARED,
      `object ${missing} is not prepared (or expired)`,
    );
  }

  const added = rangesByStream(work.objects);
  const removed = work.sourceIds.length > 0 ? await lockSources(tx, ctx.clusterId, work) : new Map();
  const streamIds = [...new Set([...added.keys(), ...removed.keys()])].sort((a, b) => a - b);
  const { live, broker } = await lockStreams(tx, ctx.clusterId, streamIds, work.node?.nodeId ?? -1);
  if (work.node && broker) assertNodeNotFenced(work.node.nodeId, work.node.nodeEpoch, broker);

  if (work.sourceIds.length === 0) {
    validateNewData(added, live);
    await indexNewData(tx, work.objects, added);
    return;
  }
  validateCompaction(added, removed, live);
  const kept = work.objects.flatMap((object) =>
    object.ranges
      .filter((r) => {
        const stream = live.get(r.streamId);
        return stream !== undefined && r.endOffset > stream.startOffset;
      })
      .map((r) => ({ ...r, objectId: object.objectId })),
  );
  await tx.delete(objectRanges).where(inArray(objectRanges.objectId, work.sourceIds));
  await tx
    .update(objects)
    .set({ state: ObjectState.UNREFERENCED, unreferencedSince: ctx.now })
    .where(inArray(objects.id, work.sourceIds));
  if (kept.length > 0) await tx.insert(objectRanges).values(kept);
  await releaseObjectsWithoutRanges(tx, ids, ctx.now);
}

/** PREPARED (unexpired) → COMMITTED for every new object, in one statement; returns how many it claimed. */
async function claimPrepared(
  tx: Tx,
  ctx: { clusterId: string; now: number },
  list: NewObject[],
): Promise<number> {
  const values = list.map(
    (o) => sql`(${o.objectId}::bigint, ${o.type}, ${o.objectSize}::bigint, ${o.nodeId}::int)`,
  );
  const rows = rowsOf<{ id: unknown }>(
    await tx.execute(sql`update objects o set state = ${ObjectState.COMMITTED}, type = v.type,
        object_size = v.size, node_id = v.node, committed_at = ${ctx.now},
        order_id = case when v.type = ${ObjectType.STREAM_SET} then nextval('object_order_seq') else -1 end
      from (values ${sql.join(values, sql`, `)}) as v(id, type, size, node)
      where o.id = v.id and o.cluster_id = ${ctx.clusterId} and o.state = ${ObjectState.PREPARED}
        and o.prepared_until >= ${ctx.now}
      returning o.id`),
  );
  return rows.length;
}

interface BrokerFence {
  epoch: number;
  state: string;
}

/** Locks the streams (in id order: no deadlocks between commits) and reads the committing broker. */
async function lockStreams(
  tx: Tx,
  clusterId: string,
  streamIds: number[],
  nodeId: number,
): Promise<{ live: Map<number, StreamRow>; broker: BrokerFence | undefined }> {
  const locked =
    streamIds.length === 0
      ? []
      : await tx
          .select()
          .from(streams)
          .where(
            and(inArray(streams.id, streamIds), eq(streams.clusterId, clusterId), eq(streams.deleted, false)),
          )
          .orderBy(asc(streams.id))
          .for("update");
  const [broker] =
    nodeId < 0
      ? []
      : await tx
          .select({ epoch: brokers.epoch, state: brokers.state })
          .from(brokers)
          .where(and(eq(brokers.clusterId, clusterId), eq(brokers.brokerId, nodeId)));
  return { live: new Map(locked.map((s) => [s.id, s])), broker };
}

/** New data: index every range and move each stream's end offset, in one statement. */
async function indexNewData(tx: Tx, list: NewObject[], added: Map<number, StreamRange[]>): Promise<void> {
  const ranges = list.flatMap((o) =>
    o.ranges.map(
      (r) =>
        sql`(${r.streamId}::bigint, ${o.objectId}::bigint, ${r.streamEpoch}::bigint, ${r.startOffset}::bigint,
          ${r.endOffset}::bigint, ${r.position}::bigint, ${r.length}::bigint)`,
    ),
  );
  const ends = [...added].map(
    ([streamId, rs]) => sql`(${streamId}::bigint, ${rs[rs.length - 1]!.endOffset}::bigint)`,
  );
  await tx.execute(sql`with indexed as (
      insert into object_ranges (stream_id, object_id, stream_epoch, start_offset, end_offset, position, length)
      values ${sql.join(ranges, sql`, `)} returning 1)
    update streams set end_offset = v.end_offset
    from (values ${sql.join(ends, sql`, `)}) as v(id, end_offset) where streams.id = v.id`);
}

function normalize(input: CommitInput): Normalized {
  if (input.kind === "stream") {
    const r = input.request;
    for (const id of r.sourceObjectIds) assertSafeIndex("sourceObjectId", id);
    return {
      objects: [streamObject(r)],
      sourceIds: [...new Set(r.sourceObjectIds)],
      sourceType: ObjectType.STREAM,
    };
  }
  const r = input.request;
  assertSafeIndex("nodeId", r.nodeId);
  assertSafeIndex("nodeEpoch", r.nodeEpoch);
  const list: NewObject[] = [];
  if (r.objectId !== NO_OBJECT_ID) {
    assertSafeIndex("objectId", r.objectId);
    assertSafeIndex("objectSize", r.objectSize);
    list.push({
      objectId: r.objectId,
      type: ObjectType.STREAM_SET,
      objectSize: r.objectSize,
      nodeId: r.nodeId,
      ranges: r.ranges.map((range) => ({ ...range })),
    });
  } else if (r.ranges.length > 0) {
    throw invalidArgument("ranges given without a stream set object id");
  }
  for (const so of r.streamObjects) list.push(streamObject({ ...so, sourceObjectIds: [] }));
  for (const id of r.compactedObjectIds) assertSafeIndex("compactedObjectId", id);
  for (const object of list) for (const range of object.ranges) assertRange(range);
  return {
    objects: list,
    sourceIds: [...new Set(r.compactedObjectIds)],
    sourceType: ObjectType.STREAM_SET,
    node: { nodeId: r.nodeId, nodeEpoch: r.nodeEpoch },
  };
}

function streamObject(r: CommitStreamObjectRequest): NewObject {
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

function assertRange(range: StreamRange): void {
  for (const key of ["streamId", "streamEpoch", "startOffset", "endOffset", "position", "length"] as const) {
    assertSafeIndex(key, range[key]);
  }
  if (range.endOffset <= range.startOffset) {
    throw invalidArgument(
      `range of stream ${range.streamId} is empty or inverted: [${range.startOffset}, ${range.endOffset})`,
    );
  }
}

/**
 * A broker that re-registered (newer epoch), whose lease expired (FENCED) or that deregistered or was
 * stopped (STOPPED) may not commit.
 */
function assertNodeNotFenced(nodeId: number, nodeEpoch: number, broker: BrokerFence): void {
  // Nodes that never registered (tools, tests of s3stream) are checked by stream epochs only.
  const ended = broker.state === "FENCED" || broker.state === "STOPPED";
  if (nodeEpoch < broker.epoch || (nodeEpoch === broker.epoch && ended)) {
    throw new StreamStorageError(
      ErrorCode.STREAM_FENCED,
      `node ${nodeId} epoch ${nodeEpoch} is fenced (current epoch ${broker.epoch}, ${broker.state})`,
    );
  }
}

function rangesByStream(list: NewObject[]): Map<number, StreamRange[]> {
  const byStream = new Map<number, StreamRange[]>();
  for (const object of list) {
    for (const range of object.ranges) {
      const ranges = byStream.get(range.streamId);
      if (ranges) ranges.push(range);
      else byStream.set(range.streamId, [range]);
    }
  }
  for (const ranges of byStream.values()) ranges.sort((a, b) => a.startOffset - b.startOffset);
  return byStream;
}

function validateNewData(added: Map<number, StreamRange[]>, live: Map<number, StreamRow>): void {
  for (const [streamId, ranges] of added) {
    const stream = live.get(streamId);
    if (!stream) throw streamNotFound(streamId);
    let expected = stream.endOffset;
    for (const range of ranges) {
      if (range.streamEpoch < stream.epoch) throw streamFenced(streamId, range.streamEpoch, stream.epoch);
      if (range.streamEpoch > stream.epoch) throw streamNotOpen(streamId, range.streamEpoch, stream.epoch);
      if (range.startOffset !== expected) {
        throw offsetOutOfRange(
          `stream ${streamId} commit starts at ${range.startOffset}, expected ${expected}`,
        );
      }
      expected = range.endOffset;
    }
  }
}

/** Locks the compacted objects (all must be committed, of the right type) and returns their live ranges. */
async function lockSources(tx: Tx, clusterId: string, work: Normalized): Promise<Map<number, StreamRange[]>> {
  const sources = await tx
    .select({ id: objects.id })
    .from(objects)
    .where(
      and(
        inArray(objects.id, work.sourceIds),
        eq(objects.clusterId, clusterId),
        eq(objects.state, ObjectState.COMMITTED),
        eq(objects.type, work.sourceType),
      ),
    )
    .orderBy(asc(objects.id))
    .for("update");
  if (sources.length !== work.sourceIds.length) {
    const found = new Set(sources.map((s) => s.id));
    const missing = work.sourceIds.find((id) => !found.has(id));
    throw new StreamStorageError(
      ErrorCode.OBJECT_NOT_FOUND,
      `${work.sourceType} object ${missing} is not committed`,
    );
  }
  const rows = await tx.select().from(objectRanges).where(inArray(objectRanges.objectId, work.sourceIds));
  const byStream = new Map<number, StreamRange[]>();
  for (const row of rows) {
    const ranges = byStream.get(row.streamId);
    if (ranges) ranges.push(toRange(row));
    else byStream.set(row.streamId, [toRange(row)]);
  }
  return byStream;
}

function validateCompaction(
  added: Map<number, StreamRange[]>,
  removed: Map<number, StreamRange[]>,
  live: Map<number, StreamRow>,
): void {
  for (const [streamId, ranges] of added) {
    const stream = live.get(streamId);
    if (!stream) continue; // deleted since: its ranges are dropped
    if (!sameCoverage(removed.get(streamId) ?? [], ranges, stream.startOffset)) {
      throw offsetOutOfRange(
        `compaction output for stream ${streamId} does not cover exactly its source ranges`,
      );
    }
  }
  for (const streamId of removed.keys()) {
    if (live.has(streamId) && !added.has(streamId)) {
      throw offsetOutOfRange(`compaction drops live data of stream ${streamId}`);
    }
  }
}
