// Rollback of partition moves that failed at the last step: the target was assigned the partition (at a new
// leader epoch) and did not open it within the open timeout, alive or not. Until it opens nobody serves the
// partition, so the control plane takes it back: a new leader epoch fences the target (a late open at its
// epoch is refused by DbObjectManager.openStream), and the partition goes to its source if that broker still
// serves and takes partitions, else to the least loaded other live ACTIVE broker. Each rollback is recorded
// in the move's row (rolledBackAt, rolledBackTo, failure) and counted in its operation (`movesRolledBack`).
import { and, eq, inArray, sql } from "drizzle-orm";
import type { DbOrTx, Tx } from "../db/database.ts";
import { rowsOf } from "../db/database.ts";
import { operations, partitions, streams } from "../db/schema.ts";
import { bumpVersions } from "./partition-assigner.ts";

/** The default of config.ts moveOpenTimeoutMs (MOVE_OPEN_TIMEOUT_MS). */
export const DEFAULT_MOVE_OPEN_TIMEOUT_MS = 5_000;

interface StalledMove {
  operation_id: string;
  topic_id: string;
  partition: number;
  from_broker: number;
  to_broker: number;
  assigned_at: number | string;
  leader: number;
  leader_epoch: number | string;
  stream_id: number | string;
}

/** Clusters with a move whose target was assigned at or before `assignedBefore` and has not opened it. */
export async function clustersWithStalledMoves(db: DbOrTx, assignedBefore: number): Promise<string[]> {
  const rows = rowsOf<{ cluster_id: string }>(
    await db.execute(sql`select distinct cluster_id from partition_moves
      where opened_at is null and rolled_back_at is null and assigned_at is not null
        and assigned_at <= ${assignedBefore}`),
  );
  return rows.map((r) => r.cluster_id);
}

/** Live ACTIVE brokers (leased now) with how many partitions each leads. */
async function liveActiveLoad(tx: Tx, clusterId: string, now: number): Promise<Map<number, number>> {
  const rows = rowsOf<{ broker_id: number; led: number | string }>(
    await tx.execute(sql`select b.broker_id, (select count(*) from partitions p
        where p.cluster_id = b.cluster_id and p.leader_broker_id = b.broker_id) as led
      from brokers b where b.cluster_id = ${clusterId} and b.state = 'ACTIVE' and b.lease_until >= ${now}
      order by b.broker_id`),
  );
  return new Map(rows.map((r) => [r.broker_id, Number(r.led)]));
}

/** Where a rolled-back partition goes: its source if it is live and ACTIVE, else the least loaded other. */
function rollbackLeader(move: StalledMove, load: Map<number, number>): number {
  if (move.from_broker !== move.to_broker && load.has(move.from_broker)) return move.from_broker;
  let best = -1;
  for (const [brokerId, count] of load) {
    if (brokerId === move.to_broker) continue;
    if (best === -1 || count < load.get(best)!) best = brokerId;
  }
  return best;
}

async function recordRollback(
  tx: Tx,
  move: StalledMove,
  now: number,
  to: number,
  failure: string,
): Promise<void> {
  await tx.execute(sql`update partition_moves set rolled_back_at = ${now}, rolled_back_to = ${to},
      failure = ${failure}
    where operation_id = ${move.operation_id} and topic_id = ${move.topic_id} and partition = ${move.partition}`);
  await tx
    .update(operations)
    .set({
      input: sql`jsonb_set(${operations.input}, '{movesRolledBack}',
        to_jsonb(coalesce((${operations.input}->>'movesRolledBack')::int, 0) + 1))`,
      updatedAt: now,
    })
    .where(eq(operations.id, move.operation_id));
}

/**
 * Rolls back the cluster's moves whose target was assigned more than `openTimeoutMs` ago and has not opened
 * the partition; records the moves whose target lost the partition to another broker before opening it (its
 * lease ran out and the partition was reassigned) as rolled back to that broker. A partition with no live
 * ACTIVE broker to go to stays with its target (leaderless would be worse); one with no leader at all (a
 * failover replaying a WAL) is left to the failover. Call with the cluster locked. Returns the brokers whose
 * assignments changed.
 */
export async function rollBackStalledMoves(
  tx: Tx,
  clusterId: string,
  openTimeoutMs: number,
  now: number = Date.now(),
): Promise<number[]> {
  const stalled = rowsOf<StalledMove>(
    await tx.execute(sql`select m.operation_id, m.topic_id, m.partition, m.from_broker, m.to_broker,
        m.assigned_at, p.leader_broker_id as leader, p.leader_epoch, p.stream_id
      from partition_moves m join partitions p on p.topic_id = m.topic_id and p.partition = m.partition
      where m.cluster_id = ${clusterId} and m.opened_at is null and m.rolled_back_at is null
        and m.assigned_at is not null and m.assigned_at <= ${now - openTimeoutMs}
      order by p.stream_id`),
  );
  if (stalled.length === 0) return [];
  // The stream rows are the open's lock (DbObjectManager.openStream): an open either committed before this
  // (then the move is done) or runs after it and finds its epoch fenced.
  const streamIds = [...new Set(stalled.map((m) => Number(m.stream_id)))];
  const streamRows = await tx
    .select({ id: streams.id, nodeId: streams.nodeId, epoch: streams.epoch, state: streams.state })
    .from(streams)
    .where(inArray(streams.id, streamIds))
    .orderBy(streams.id)
    .for("update");
  const streamOf = new Map(streamRows.map((s) => [s.id, s]));
  const load = await liveActiveLoad(tx, clusterId, now);
  const changed = new Set<number>();
  for (const move of stalled) {
    const epoch = Number(move.leader_epoch);
    const stream = streamOf.get(Number(move.stream_id));
    if (move.leader !== move.to_broker) {
      if (move.leader < 0) continue;
      await recordRollback(
        tx,
        move,
        now,
        move.leader,
        `broker ${move.to_broker} lost the partition before opening it; broker ${move.leader} leads it now`,
      );
      continue;
    }
    if (stream && stream.state === "OPENED" && stream.nodeId === move.to_broker && stream.epoch === epoch) {
      // Opened (its stamp was missed): done, nothing to roll back.
      await tx.execute(sql`update partition_moves set opened_at = ${now} where operation_id = ${move.operation_id}
        and topic_id = ${move.topic_id} and partition = ${move.partition}`);
      continue;
    }
    const leader = rollbackLeader(move, load);
    if (leader < 0) continue;
    const [taken] = await tx
      .update(partitions)
      .set({ leaderBrokerId: leader, leaderEpoch: epoch + 1, targetBrokerId: -1 })
      .where(
        and(
          eq(partitions.topicId, move.topic_id),
          eq(partitions.partition, move.partition),
          eq(partitions.leaderBrokerId, move.to_broker),
          eq(partitions.leaderEpoch, epoch),
        ),
      )
      .returning({ partition: partitions.partition });
    if (!taken) continue;
    load.set(leader, (load.get(leader) ?? 0) + 1);
    if (load.has(move.to_broker)) load.set(move.to_broker, load.get(move.to_broker)! - 1);
    const waited = now - Number(move.assigned_at);
    const where =
      leader === move.from_broker
        ? `given back to its source, broker ${leader}`
        : `given to broker ${leader} (its source, broker ${move.from_broker}, is draining or gone)`;
    await recordRollback(
      tx,
      move,
      now,
      leader,
      `broker ${move.to_broker} did not open the partition within ${openTimeoutMs} ms (waited ${waited} ms); ` +
        `fenced at leader epoch ${epoch + 1} and ${where}`,
    );
    changed.add(leader);
    changed.add(move.to_broker);
  }
  if (changed.size > 0) await bumpVersions(tx, clusterId, changed);
  return [...changed];
}
