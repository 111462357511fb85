// Committing objects on the database: read (and lock) the rows the commit touches, let s3stream's commit
// rules decide (the same rules MemoryObjectManager applies), write the plan. Nothing is written before the
// rules have accepted the whole commit, and a refusal rolls the transaction back.
import {
  type CommitPlan,
  type CommitRequest,
  type CommitState,
  type CommitWork,
  checkPrepared,
  commitWork,
  involvedStreamIds,
  type NodeRecord,
  type ObjectIdState,
  ObjectType,
  planCommit,
  type StreamMetadata,
  type StreamRange,
} from "@cirrus/s3stream";
import { and, asc, eq, inArray, type SQL, sql } from "drizzle-orm";
import type { Tx } from "../db/database.ts";
import { brokers, objectRanges, objects, streams } from "../db/schema.ts";
import { ObjectState, toRange, toStreamMetadata } from "./object-index.ts";

/** Broker states whose epoch has ended: its lease ran out (fenced), or it stopped or deregistered. */
const ENDED_BROKER_STATES: ReadonlySet<string> = new Set(["FENCED", "STOPPED"]);

/**
 * Commits new objects in the caller's transaction (see s3stream's metadata/commit-rules.ts for what is
 * accepted). Throws StreamStorageError before writing anything when the rules refuse. Idempotent by id.
 */
export async function commitObjects(
  tx: Tx,
  ctx: { clusterId: string; now: number },
  input: CommitRequest,
): Promise<void> {
  const work = commitWork(input);
  // Locking the commit's ids first: a concurrent retry of the same commit waits here, then finds them
  // committed. Locks are taken ids → sources → streams, each in id order, so commits never deadlock.
  const states = await lockObjectIds(tx, ctx.clusterId, work);
  if (checkPrepared(work, (id) => states.get(id), ctx.now) === "retry") return;
  const sources = await lockSources(tx, ctx.clusterId, work.sourceIds);
  const streamRows = await lockStreams(tx, ctx.clusterId, involvedStreamIds(work, sources));
  const node = work.node ? await nodeRecord(tx, ctx.clusterId, work.node.nodeId) : undefined;
  await writePlan(tx, ctx, planCommit(work, { node, sources, streams: streamRows }));
}

async function lockObjectIds(
  tx: Tx,
  clusterId: string,
  work: CommitWork,
): Promise<Map<number, ObjectIdState>> {
  const rows = await tx
    .select({ id: objects.id, state: objects.state, preparedUntil: objects.preparedUntil })
    .from(objects)
    .where(
      and(
        inArray(
          objects.id,
          work.objects.map((o) => o.objectId),
        ),
        eq(objects.clusterId, clusterId),
      ),
    )
    .orderBy(asc(objects.id))
    .for("update");
  const states = new Map<number, ObjectIdState>();
  for (const row of rows) {
    if (row.state === ObjectState.COMMITTED) states.set(row.id, { state: "COMMITTED" });
    else if (row.state === ObjectState.PREPARED)
      states.set(row.id, { state: "PREPARED", preparedUntil: row.preparedUntil });
  }
  return states;
}

/** The committed objects among a compaction's sources, locked, with their live ranges. */
async function lockSources(tx: Tx, clusterId: string, sourceIds: number[]): Promise<CommitState["sources"]> {
  const sources = new Map<number, { type: ObjectType; ranges: StreamRange[] }>();
  if (sourceIds.length === 0) return sources;
  const rows = await tx
    .select({ id: objects.id, type: objects.type })
    .from(objects)
    .where(
      and(
        inArray(objects.id, sourceIds),
        eq(objects.clusterId, clusterId),
        eq(objects.state, ObjectState.COMMITTED),
      ),
    )
    .orderBy(asc(objects.id))
    .for("update");
  for (const row of rows) sources.set(row.id, { type: row.type as ObjectType, ranges: [] });
  if (sources.size === 0) return sources;
  const ranges = await tx
    .select()
    .from(objectRanges)
    .where(inArray(objectRanges.objectId, [...sources.keys()]));
  for (const range of ranges) sources.get(range.objectId)!.ranges.push(toRange(range));
  return sources;
}

/** The live streams among `streamIds`, locked in id order. */
async function lockStreams(
  tx: Tx,
  clusterId: string,
  streamIds: number[],
): Promise<Map<number, StreamMetadata>> {
  if (streamIds.length === 0) return new Map();
  const rows = await tx
    .select()
    .from(streams)
    .where(and(inArray(streams.id, streamIds), eq(streams.clusterId, clusterId), eq(streams.deleted, false)))
    .orderBy(asc(streams.id))
    .for("update");
  return new Map(rows.map((row) => [row.id, toStreamMetadata(row)]));
}

/**
 * The broker registry's record of the committing node (none: it never registered). Read FOR SHARE: fencing
 * the node (an UPDATE of this row) waits for a commit in flight, and a commit that starts while the fencing
 * is in flight reads the row once the fencing committed, so no commit of a node epoch lands after its
 * fencing (recovery starts only after the fencing).
 */
async function nodeRecord(tx: Tx, clusterId: string, nodeId: number): Promise<NodeRecord | undefined> {
  const [broker] = await tx
    .select({ epoch: brokers.epoch, state: brokers.state })
    .from(brokers)
    .where(and(eq(brokers.clusterId, clusterId), eq(brokers.brokerId, nodeId)))
    .for("share");
  return broker && { epoch: broker.epoch, ended: ENDED_BROKER_STATES.has(broker.state) };
}

async function writePlan(tx: Tx, ctx: { clusterId: string; now: number }, plan: CommitPlan): Promise<void> {
  if (plan.replacedObjectIds.length > 0) {
    await tx.delete(objectRanges).where(inArray(objectRanges.objectId, plan.replacedObjectIds));
    await tx
      .update(objects)
      .set({ state: ObjectState.UNREFERENCED, unreferencedSince: ctx.now })
      .where(inArray(objects.id, plan.replacedObjectIds));
  }
  // New data (the hot path) in one statement: objects committed, ranges indexed, end offsets moved.
  const committed = plan.objects.map(
    (o) => sql`(${o.objectId}::bigint, ${o.type}, ${o.objectSize}::bigint, ${o.nodeId}::int)`,
  );
  const parts: SQL[] = [
    sql`committed as (update objects o set state = ${ObjectState.COMMITTED}, type = v.type,
        object_size = v.size, node_id = v.node, committed_at = ${ctx.now},
        order_id = case when v.type = ${ObjectType.STREAM_SET} then nextval('object_order_seq') else -1 end
      from (values ${sql.join(committed, sql`, `)}) as v(id, type, size, node)
      where o.id = v.id and o.cluster_id = ${ctx.clusterId} returning 1)`,
  ];
  if (plan.ranges.length > 0) {
    const ranges = plan.ranges.map(
      ({ objectId, range: r }) =>
        sql`(${r.streamId}::bigint, ${objectId}::bigint, ${r.streamEpoch}::bigint, ${r.startOffset}::bigint,
          ${r.endOffset}::bigint, ${r.position}::bigint, ${r.length}::bigint)`,
    );
    parts.push(sql`indexed as (insert into object_ranges
        (stream_id, object_id, stream_epoch, start_offset, end_offset, position, length)
      values ${sql.join(ranges, sql`, `)} returning 1)`);
  }
  const ends = [...plan.endOffsets].map(([id, end]) => sql`(${id}::bigint, ${end}::bigint)`);
  const moveEnds =
    ends.length > 0
      ? sql`update streams set end_offset = v.end_offset
          from (values ${sql.join(ends, sql`, `)}) as v(id, end_offset) where streams.id = v.id`
      : sql`select 1`;
  await tx.execute(sql`with ${sql.join(parts, sql`, `)} ${moveEnds}`);
  if (plan.unreferencedObjectIds.length > 0) {
    await tx
      .update(objects)
      .set({ state: ObjectState.UNREFERENCED, unreferencedSince: ctx.now })
      .where(inArray(objects.id, plan.unreferencedObjectIds));
  }
}
