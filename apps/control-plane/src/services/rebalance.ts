import { and, eq, inArray, sql } from "drizzle-orm";
import type { Db, DbOrTx, Tx } from "../db/database.ts";
import { brokers, partitions, topics } from "../db/schema.ts";
import { inTransaction } from "../db/transaction.ts";
import { ApiError } from "../errors.ts";
import { createOperation, type Operation } from "./operations.ts";
import { bumpVersions, lockCluster } from "./partition-assigner.ts";

export interface PartitionMove {
  topicId: string;
  topic: string;
  partition: number;
  from: number;
  to: number;
}

export interface RebalancePlan {
  /** Partitions led per ACTIVE broker, now and after the moves. */
  before: { brokerId: number; partitions: number }[];
  after: { brokerId: number; partitions: number }[];
  moves: PartitionMove[];
}

export const REBALANCE_OPERATION = "cluster.rebalance";

/**
 * Moves that even out the partitions led by ACTIVE brokers (max - min ≤ 1), fewest moves first:
 * repeatedly one partition from the most loaded broker to the least loaded. Writes nothing.
 */
export async function planRebalance(db: DbOrTx, clusterId: string): Promise<RebalancePlan> {
  const active = await db
    .select({ brokerId: brokers.brokerId })
    .from(brokers)
    .where(and(eq(brokers.clusterId, clusterId), eq(brokers.state, "ACTIVE")))
    .orderBy(brokers.brokerId);
  const led = await db
    .select({
      topicId: partitions.topicId,
      topic: topics.name,
      partition: partitions.partition,
      leader: partitions.leaderBrokerId,
    })
    .from(partitions)
    .innerJoin(topics, eq(topics.id, partitions.topicId))
    .where(
      and(
        eq(partitions.clusterId, clusterId),
        inArray(
          partitions.leaderBrokerId,
          active.map((b) => b.brokerId),
        ),
      ),
    )
    .orderBy(topics.name, partitions.partition);
  const owned = new Map<number, typeof led>(active.map((b) => [b.brokerId, []]));
  for (const p of led) owned.get(p.leader)!.push(p);
  const before = [...owned].map(([brokerId, list]) => ({ brokerId, partitions: list.length }));
  const moves: PartitionMove[] = [];
  for (;;) {
    const sorted = [...owned].sort((a, b) => a[1].length - b[1].length || a[0] - b[0]);
    const [minId, minList] = sorted[0] ?? [-1, []];
    const [maxId, maxList] = sorted[sorted.length - 1] ?? [-1, []];
    if (sorted.length < 2 || maxList.length - minList.length <= 1) break;
    const p = maxList.pop()!;
    minList.push(p);
    moves.push({ topicId: p.topicId, topic: p.topic, partition: p.partition, from: maxId, to: minId });
  }
  const after = [...owned].map(([brokerId, list]) => ({ brokerId, partitions: list.length }));
  return { before, after, moves };
}

/** Plans and starts the moves as a `cluster.rebalance` operation (202), or refuses when balanced. */
export async function startRebalance(db: Db, clusterId: string, createdBy: string): Promise<Operation> {
  return inTransaction(db, async (tx) => {
    const cluster = await lockCluster(tx, clusterId);
    if (!cluster) throw new ApiError("NOT_FOUND", `cluster ${clusterId} not found`);
    const plan = await planRebalance(tx, clusterId);
    if (plan.moves.length === 0) throw new ApiError("INVALID_STATE", "the cluster is already balanced");
    return createOperation(tx, {
      type: REBALANCE_OPERATION,
      clusterId,
      input: { moves: plan.moves },
      createdBy,
    });
  });
}

/**
 * Releases the planned partitions still led by their planned source, each waiting for the source to
 * close its stream; then each goes to its planned target (stored with the partition, honoured by the
 * assigner while that broker is ACTIVE; otherwise the least loaded ACTIVE broker). Returns the brokers
 * whose assignments changed.
 */
export async function releaseMoves(tx: Tx, clusterId: string, moves: PartitionMove[]): Promise<number[]> {
  const changed = new Set<number>();
  for (const move of moves) {
    const released = await tx
      .update(partitions)
      .set({ leaderBrokerId: -1, closingBrokerId: move.from, targetBrokerId: move.to })
      .where(
        and(
          eq(partitions.topicId, move.topicId),
          eq(partitions.partition, move.partition),
          eq(partitions.leaderBrokerId, move.from),
        ),
      )
      .returning({ partition: partitions.partition });
    if (released.length > 0) changed.add(move.from);
  }
  if (changed.size > 0) await bumpVersions(tx, clusterId, changed);
  return [...changed];
}

/** How many of these partitions still wait for their previous leader to close. */
export async function movesStillClosing(tx: Tx, moves: PartitionMove[]): Promise<number> {
  if (moves.length === 0) return 0;
  const keys = moves.map((m) => sql`(${m.topicId}, ${m.partition}::int)`);
  const [row] = await tx
    .select({ count: sql<number>`count(*)::int` })
    .from(partitions)
    .where(
      sql`(${partitions.topicId}, ${partitions.partition}) in (${sql.join(keys, sql`, `)}) and ${partitions.closingBrokerId} <> -1`,
    );
  return Number(row?.count ?? 0);
}
