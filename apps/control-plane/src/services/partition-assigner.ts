import { and, eq, inArray, ne, sql } from "drizzle-orm";
import type { Db, Tx } from "../db/database.ts";
import { brokers, clusters, partitions } from "../db/schema.ts";
import { inTransaction } from "../db/transaction.ts";
import { releaseNextDrainWaves } from "./drain-waves.ts";
import type { MoveLimits } from "./move-limits.ts";
import { markMovesAssigned, markMovesClosed } from "./move-timings.ts";

/** Brokers that may lead partitions. DRAINING brokers keep what they have but get nothing new. */
const ASSIGNABLE_STATE = "ACTIVE";

/** Locks the cluster row: every change of brokers or partitions of a cluster goes through it, one at a time. */
export async function lockCluster(tx: Tx, clusterId: string): Promise<{ state: string } | undefined> {
  const [row] = await tx
    .select({ state: clusters.state })
    .from(clusters)
    .where(eq(clusters.id, clusterId))
    .for("update");
  return row;
}

/** Marks a metadata change: brokers re-read metadata, these brokers' watches wake up, bootstrap follows. */
export async function bumpVersions(tx: Tx, clusterId: string, brokerIds: Iterable<number>): Promise<void> {
  // The bootstrap list Kafka clients get follows the live brokers.
  await tx
    .update(clusters)
    .set({
      metadataVersion: sql`${clusters.metadataVersion} + 1`,
      bootstrap: sql`(select string_agg(b.host || ':' || b.port, ',' order by b.broker_id) from brokers b
        where b.cluster_id = ${clusterId} and b.state = 'ACTIVE')`,
    })
    .where(eq(clusters.id, clusterId));
  const ids = [...new Set(brokerIds)].filter((id) => id >= 0);
  if (ids.length === 0) return;
  await tx
    .update(brokers)
    .set({ assignmentVersion: sql`${brokers.assignmentVersion} + 1` })
    .where(and(eq(brokers.clusterId, clusterId), inArray(brokers.brokerId, ids)));
}

/**
 * Gives every leaderless partition of the cluster (except those still closing on their previous
 * leader) a leader: the ACTIVE broker leading the fewest
 * partitions, ties to the lowest id. Each new leadership bumps the partition's leader epoch (the
 * epoch the broker opens the stream with, fencing any earlier owner). Call with the cluster locked.
 * Returns the brokers whose assignments changed.
 */
export async function assignLeaderlessPartitions(tx: Tx, clusterId: string): Promise<number[]> {
  const active = await tx
    .select({ brokerId: brokers.brokerId })
    .from(brokers)
    .where(and(eq(brokers.clusterId, clusterId), eq(brokers.state, ASSIGNABLE_STATE)))
    .orderBy(brokers.brokerId);
  if (active.length === 0) return [];
  const leaderless = await tx
    .select({
      topicId: partitions.topicId,
      partition: partitions.partition,
      target: partitions.targetBrokerId,
    })
    .from(partitions)
    .where(
      and(
        eq(partitions.clusterId, clusterId),
        eq(partitions.leaderBrokerId, -1),
        eq(partitions.closingBrokerId, -1),
      ),
    )
    .orderBy(partitions.topicId, partitions.partition);
  if (leaderless.length === 0) return [];
  const counts = await tx
    .select({ brokerId: partitions.leaderBrokerId, count: sql<number>`count(*)::int` })
    .from(partitions)
    .where(and(eq(partitions.clusterId, clusterId), ne(partitions.leaderBrokerId, -1)))
    .groupBy(partitions.leaderBrokerId);
  const load = new Map<number, number>(active.map((b) => [b.brokerId, 0]));
  for (const c of counts) if (load.has(c.brokerId)) load.set(c.brokerId, Number(c.count));

  // A planned move goes where its plan said (if that broker is still ACTIVE); the rest to the least loaded.
  const choices = leaderless.map((p) => {
    let best = load.has(p.target) ? p.target : -1;
    if (best === -1)
      for (const [brokerId, count] of load) if (best === -1 || count < load.get(best)!) best = brokerId;
    load.set(best, load.get(best)! + 1);
    return { topicId: p.topicId, partition: p.partition, leader: best };
  });
  const values = choices.map((c) => sql`(${c.topicId}, ${c.partition}::int, ${c.leader}::int)`);
  await tx.execute(sql`update partitions set leader_broker_id = v.leader, leader_epoch = partitions.leader_epoch + 1,
      target_broker_id = -1
    from (values ${sql.join(values, sql`, `)}) as v(topic_id, partition, leader)
    where partitions.topic_id = v.topic_id and partitions.partition = v.partition`);
  await markMovesAssigned(tx, clusterId);
  const changed = [...new Set(choices.map((c) => c.leader))];
  await bumpVersions(tx, clusterId, changed);
  return changed;
}

/**
 * Takes leadership away from these brokers: their partitions become leaderless, to be assigned
 * elsewhere. With `closeFirst` (a live broker being drained) each partition waits for its previous
 * leader to close the stream (see finishClosedMoves); without it (a fenced broker that can no longer
 * write) it can be assigned at once. Returns the brokers whose assignments changed.
 */
export async function releasePartitionsOf(
  tx: Tx,
  clusterId: string,
  brokerIds: number[],
  closeFirst: boolean,
): Promise<number[]> {
  if (brokerIds.length === 0) return [];
  const released = await tx
    .update(partitions)
    .set({ leaderBrokerId: -1, closingBrokerId: closeFirst ? partitions.leaderBrokerId : -1 })
    .where(and(eq(partitions.clusterId, clusterId), inArray(partitions.leaderBrokerId, brokerIds)))
    .returning({ topicId: partitions.topicId });
  if (released.length > 0) await bumpVersions(tx, clusterId, brokerIds);
  return released.length > 0 ? brokerIds : [];
}

/**
 * Ends moves whose previous leader closed the stream, or can no longer write (not leased any more) and
 * left no WAL to recover (a FENCED broker with a volume waits for its broker.failover).
 * Returns how many partitions still wait for their previous leader to close.
 */
export async function finishClosedMoves(tx: Tx, clusterId: string): Promise<number> {
  await tx.execute(sql`update partitions p set closing_broker_id = -1
    from streams s
    where p.cluster_id = ${clusterId} and p.closing_broker_id <> -1 and s.id = p.stream_id
      and (s.state <> 'OPENED' or s.node_id <> p.closing_broker_id or not exists (
        select 1 from brokers b where b.cluster_id = p.cluster_id and b.broker_id = p.closing_broker_id
          and b.state in ('ACTIVE', 'DRAINING') and b.lease_until >= ${Date.now()})
        -- A fenced broker whose WAL volume is not recovered yet may hold acked records of the stream:
        -- the move waits for broker.failover (which clears volume_id once the WAL is replayed).
        and not exists (select 1 from brokers f where f.cluster_id = p.cluster_id
          and f.broker_id = p.closing_broker_id and f.state = 'FENCED' and f.volume_id is not null))`);
  await markMovesClosed(tx, clusterId);
  const [row] = await tx
    .select({ count: sql<number>`count(*)::int` })
    .from(partitions)
    .where(and(eq(partitions.clusterId, clusterId), ne(partitions.closingBrokerId, -1)));
  return Number(row?.count ?? 0);
}

/** Whether a move (or a drain) waits for this stream's close: its partition still names a closing broker. */
export function moveWaitsOnStream(db: Db, clusterId: string, streamId: number): Promise<boolean> {
  return moveWaitsOnStreams(db, clusterId, [streamId]);
}

/** Whether a move (or a drain) waits for the close of any of these streams. */
export async function moveWaitsOnStreams(
  db: Db,
  clusterId: string,
  streamIds: readonly number[],
): Promise<boolean> {
  if (streamIds.length === 0) return false;
  const [waiting] = await db
    .select({ partition: partitions.partition })
    .from(partitions)
    .where(
      and(
        eq(partitions.clusterId, clusterId),
        inArray(partitions.streamId, [...streamIds]),
        ne(partitions.closingBrokerId, -1),
      ),
    )
    .limit(1);
  return waiting !== undefined;
}

/**
 * Ends the cluster's moves whose sources closed their streams, assigns those partitions (their planned
 * targets first) and releases the next wave of each running drain into the slots they freed (within `limits`),
 * in one transaction on the cluster lock. Returns the brokers whose assignments changed (notify them after
 * this returns: the change is committed). The close-time completion and the partition-assignment controller's
 * reconcile pass both run this one transaction.
 */
export function completeClosedMoves(db: Db, clusterId: string, limits: MoveLimits): Promise<number[]> {
  return inTransaction(db, async (tx) => {
    const cluster = await lockCluster(tx, clusterId);
    if (!cluster || cluster.state === "DELETING") return [];
    await finishClosedMoves(tx, clusterId);
    const assigned = await assignLeaderlessPartitions(tx, clusterId);
    const released = await releaseNextDrainWaves(tx, clusterId, limits);
    return [...new Set([...assigned, ...released])];
  });
}

/**
 * Right after a broker closed this stream: if its partition was waiting for that close (a move or a drain),
 * ends the move and assigns the partition's planned target at once, instead of on the next reconcile pass
 * (the write-unavailable window of a move is close → assign → open, so no interval sits inside it).
 * Returns the brokers whose assignments changed.
 */
export async function completeMovesAfterClose(
  db: Db,
  clusterId: string,
  streamId: number,
  limits: MoveLimits,
): Promise<number[]> {
  return (await moveWaitsOnStream(db, clusterId, streamId)) ? completeClosedMoves(db, clusterId, limits) : [];
}
