// A drain's moves, released in waves within the move limits: its first wave by the operation's move-partitions
// step, each next one by the pass that lands earlier moves (completeClosedMoves), in that pass's transaction.
import { and, eq, sql } from "drizzle-orm";
import type { DbOrTx, Tx } from "../db/database.ts";
import { brokers, operations, partitions, topics } from "../db/schema.ts";
import { BrokerOperation } from "./broker-views.ts";
import { type MoveLimits, movesWithinLimits } from "./move-limits.ts";
import { type Operation, OperationStatus } from "./operations.ts";
import { type PartitionMove, releaseMoves } from "./rebalance.ts";

/** The broker a `broker.drain` operation drains. */
export function drainTarget(op: Pick<Operation, "clusterId" | "input">): {
  clusterId: string;
  brokerId: number;
} {
  return { clusterId: op.clusterId!, brokerId: Number(op.input.brokerId) };
}

/**
 * Releases the next wave of the draining broker's partitions: as many as the move limits allow, counting the
 * moves in flight in the cluster (each waits for the broker to upload its tail and close the stream, then
 * goes to the least loaded ACTIVE broker). Returns the brokers whose assignments changed and how many of
 * its partitions the broker still leads (not released yet). Call with the cluster locked.
 */
export async function releaseDrainWave(
  tx: Tx,
  op: Pick<Operation, "id" | "clusterId" | "input">,
  limits: MoveLimits,
): Promise<{ changed: number[]; unreleased: number }> {
  const { clusterId, brokerId } = drainTarget(op);
  const led: PartitionMove[] = (
    await tx
      .select({ topicId: partitions.topicId, topic: topics.name, partition: partitions.partition })
      .from(partitions)
      .innerJoin(topics, eq(topics.id, partitions.topicId))
      .where(and(eq(partitions.clusterId, clusterId), eq(partitions.leaderBrokerId, brokerId)))
      .orderBy(partitions.topicId, partitions.partition)
  ).map((p) => ({ ...p, from: brokerId, to: -1 }));
  if (led.length === 0) return { changed: [], unreleased: 0 };
  const wave = await movesWithinLimits(tx, clusterId, led, limits);
  const changed = await releaseMoves(tx, clusterId, wave, op.id);
  return { changed, unreleased: led.length - wave.length };
}

/** Whether a broker of the cluster is DRAINING (a drain runs: its first step marks the broker so). */
export async function hasDrainingBroker(db: DbOrTx, clusterId: string): Promise<boolean> {
  const [draining] = await db
    .select({ brokerId: brokers.brokerId })
    .from(brokers)
    .where(and(eq(brokers.clusterId, clusterId), eq(brokers.state, "DRAINING")))
    .limit(1);
  return draining !== undefined;
}

/**
 * Releases the next wave of every running `broker.drain` of the cluster that already released its first one
 * (move-partitions done), within the move limits: called where moves land, so that their freed slots go to the
 * next wave at once rather than when the runner's pass reaches the operation's wait-for-close step (which stays
 * the safety net and finishes the operation). A cluster with no DRAINING broker has no such drain (the drain's
 * first step marks its broker DRAINING) and costs one small read. Call with the cluster locked. Returns the
 * brokers whose assignments changed.
 */
export async function releaseNextDrainWaves(
  tx: Tx,
  clusterId: string,
  limits: MoveLimits,
): Promise<number[]> {
  if (!(await hasDrainingBroker(tx, clusterId))) return [];
  const drains = await tx
    .select({ id: operations.id, clusterId: operations.clusterId, input: operations.input })
    .from(operations)
    .where(
      and(
        eq(operations.clusterId, clusterId),
        eq(operations.type, BrokerOperation.DRAIN),
        eq(operations.status, OperationStatus.RUNNING),
        sql`${operations.steps} @> ${JSON.stringify([{ name: "move-partitions", status: OperationStatus.SUCCEEDED }])}::jsonb`,
      ),
    )
    .orderBy(operations.createdAt);
  const changed = new Set<number>();
  for (const op of drains) {
    const wave = await releaseDrainWave(tx, op as Pick<Operation, "id" | "clusterId" | "input">, limits);
    for (const id of wave.changed) changed.add(id);
  }
  return [...changed];
}
