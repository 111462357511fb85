// Per-move progress and timings of the operations that move partitions (rebalance, named moves, drain):
// one partition_moves row per move, stamped by the move path as it goes (release → close → assign → open).
import { asc, eq, sql } from "drizzle-orm";
import type { DbOrTx, Tx } from "../db/database.ts";
import { partitionMoves, topics } from "../db/schema.ts";

/**
 * Where a move is: waiting for its source to close, for a new leader, for that leader to open, done, or
 * rolled back (its target did not open the partition in time: services/move-rollback.ts).
 */
export type MoveState = "CLOSING" | "ASSIGNING" | "OPENING" | "DONE" | "ROLLED_BACK";

export interface MoveTiming {
  topic: string;
  partition: number;
  from: number;
  /** The planned target (-1: none named) until assigned; then the broker that got the partition. */
  to: number;
  state: MoveState;
  requestedAt: number;
  closedAt: number | null;
  assignedAt: number | null;
  openedAt: number | null;
  /** requestedAt → openedAt: the partition's write-unavailable window (null until opened). */
  durationMs: number | null;
  /** When the move was rolled back, the broker the partition went to instead, and why (null otherwise). */
  rolledBackAt: number | null;
  rolledBackTo: number | null;
  failure: string | null;
}

export interface ReleasedMove {
  topicId: string;
  partition: number;
  from: number;
  /** -1: no target named. */
  to: number;
}

/** Records that the operation released these partitions now (the moves' start). Call in the release's transaction. */
export async function recordMovesRequested(
  tx: Tx,
  operationId: string,
  clusterId: string,
  moves: readonly ReleasedMove[],
  now: number = Date.now(),
): Promise<void> {
  if (moves.length === 0) return;
  await tx
    .insert(partitionMoves)
    .values(
      moves.map((m) => ({
        operationId,
        clusterId,
        topicId: m.topicId,
        partition: m.partition,
        fromBroker: m.from,
        toBroker: m.to,
        requestedAt: now,
      })),
    )
    .onConflictDoNothing();
}

/** Stamps closedAt on the cluster's moves whose partition no longer waits for its source to close. */
export async function markMovesClosed(tx: Tx, clusterId: string, now: number = Date.now()): Promise<void> {
  await tx.execute(sql`update partition_moves m set closed_at = ${now}
    from partitions p
    where m.cluster_id = ${clusterId} and m.opened_at is null and m.closed_at is null
      and p.topic_id = m.topic_id and p.partition = m.partition and p.closing_broker_id = -1`);
}

/** Stamps assignedAt (and the broker chosen) on the cluster's closed moves whose partition has a leader now. */
export async function markMovesAssigned(tx: Tx, clusterId: string, now: number = Date.now()): Promise<void> {
  await tx.execute(sql`update partition_moves m set assigned_at = ${now}, to_broker = p.leader_broker_id
    from partitions p
    where m.cluster_id = ${clusterId} and m.opened_at is null and m.closed_at is not null
      and m.assigned_at is null
      and p.topic_id = m.topic_id and p.partition = m.partition and p.leader_broker_id <> -1`);
}

/**
 * Stamps openedAt on the assigned move of each stream's partition when the broker that opened it (at this
 * epoch) is the one it was assigned to. Call in the stream opens' transaction.
 */
export async function markMovesOpened(
  tx: Tx,
  opened: readonly { streamId: number; nodeId: number; epoch: number }[],
  now: number = Date.now(),
): Promise<void> {
  if (opened.length === 0) return;
  const values = opened.map((o) => sql`(${o.streamId}::bigint, ${o.nodeId}::int, ${o.epoch}::bigint)`);
  await tx.execute(sql`update partition_moves m set opened_at = ${now}
    from partitions p, (values ${sql.join(values, sql`, `)}) as v(stream_id, node_id, epoch)
    where p.stream_id = v.stream_id and p.leader_broker_id = v.node_id and p.leader_epoch = v.epoch
      and m.topic_id = p.topic_id and m.partition = p.partition
      and m.assigned_at is not null and m.opened_at is null and m.rolled_back_at is null
      and m.to_broker = v.node_id`);
}

function stateOf(row: {
  closedAt: number | null;
  assignedAt: number | null;
  openedAt: number | null;
  rolledBackAt: number | null;
}): MoveState {
  if (row.rolledBackAt !== null) return "ROLLED_BACK";
  if (row.openedAt !== null) return "DONE";
  if (row.assignedAt !== null) return "OPENING";
  if (row.closedAt !== null) return "ASSIGNING";
  return "CLOSING";
}

/**
 * How many of the operation's moves are not settled yet (neither opened by their new leader nor rolled back),
 * and which were rolled back, with why.
 */
export async function moveOutcomesOf(
  db: DbOrTx,
  operationId: string,
): Promise<{ unsettled: number; rolledBack: { topicId: string; partition: number; failure: string }[] }> {
  const rows = await db
    .select({
      topicId: partitionMoves.topicId,
      partition: partitionMoves.partition,
      openedAt: partitionMoves.openedAt,
      rolledBackAt: partitionMoves.rolledBackAt,
      failure: partitionMoves.failure,
      // A move of a partition deleted since (its topic was deleted) has nothing left to wait for.
      exists: sql<boolean>`exists (select 1 from partitions p where p.topic_id = ${partitionMoves.topicId}
        and p.partition = ${partitionMoves.partition})`,
    })
    .from(partitionMoves)
    .where(eq(partitionMoves.operationId, operationId));
  return {
    unsettled: rows.filter((r) => r.exists && r.openedAt === null && r.rolledBackAt === null).length,
    rolledBack: rows
      .filter((r) => r.rolledBackAt !== null)
      .map((r) => ({ topicId: r.topicId, partition: r.partition, failure: r.failure ?? "rolled back" })),
  };
}

/** The operation's moves with their state and timings, in the order they were released. */
export async function moveTimingsOf(db: DbOrTx, operationId: string): Promise<MoveTiming[]> {
  const rows = await db
    .select({
      topic: topics.name,
      partition: partitionMoves.partition,
      from: partitionMoves.fromBroker,
      to: partitionMoves.toBroker,
      requestedAt: partitionMoves.requestedAt,
      closedAt: partitionMoves.closedAt,
      assignedAt: partitionMoves.assignedAt,
      openedAt: partitionMoves.openedAt,
      rolledBackAt: partitionMoves.rolledBackAt,
      rolledBackTo: partitionMoves.rolledBackTo,
      failure: partitionMoves.failure,
    })
    .from(partitionMoves)
    .innerJoin(topics, eq(topics.id, partitionMoves.topicId))
    .where(eq(partitionMoves.operationId, operationId))
    .orderBy(asc(partitionMoves.requestedAt), asc(topics.name), asc(partitionMoves.partition));
  return rows.map((r) => ({
    ...r,
    state: stateOf(r),
    durationMs: r.openedAt === null ? null : r.openedAt - r.requestedAt,
  }));
}
