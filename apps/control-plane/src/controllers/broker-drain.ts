import { and, eq, ne, sql } from "drizzle-orm";
import type { Db, Tx } from "../db/database.ts";
import { brokers, operations, partitions, topics } from "../db/schema.ts";
import { inTransaction } from "../db/transaction.ts";
import type { AssignmentNotifier } from "../services/assignment-notifier.ts";
import { BrokerOperation } from "../services/broker-views.ts";
import { DEFAULT_MOVE_LIMITS, type MoveLimits, movesWithinLimits } from "../services/move-limits.ts";
import { type Operation, OperationStatus } from "../services/operations.ts";
import {
  assignLeaderlessPartitions,
  bumpVersions,
  finishClosedMoves,
  lockCluster,
} from "../services/partition-assigner.ts";
import { type PartitionMove, releaseMoves } from "../services/rebalance.ts";
import { type ControllerContext, type OperationHandler, STEP_WAIT } from "./controller-runner.ts";

function target(op: Operation): { clusterId: string; brokerId: number } {
  return { clusterId: op.clusterId!, brokerId: Number(op.input.brokerId) };
}

class RetriableStepError extends Error {
  readonly code = "NO_TARGET_BROKER";
  readonly retriable = true;
}

/**
 * Releases the next wave of the draining broker's partitions: as many as the move limits allow, counting the
 * moves in flight in the cluster (each waits for the broker to upload its tail and close the stream, then
 * goes to the least loaded ACTIVE broker). Returns the brokers whose assignments changed and how many of
 * its partitions the broker still leads (not released yet).
 */
async function releaseDrainWave(
  tx: Tx,
  op: Pick<Operation, "id" | "clusterId" | "input">,
  limits: MoveLimits,
): Promise<{ changed: number[]; unreleased: number }> {
  const { clusterId, brokerId } = target(op as Operation);
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

/**
 * Right after moves of this cluster landed (their sources closed, MoveCompletion), releases the next wave of
 * every running `broker.drain` that already released its first one (move-partitions done), within the move
 * limits, instead of waiting for the runner's next pass to reach the operation's wait-for-close step (the
 * step stays the safety net and finishes the operation). Returns the brokers whose assignments changed
 * (notify them once this returns: the release is committed).
 */
export async function releaseNextDrainWaves(
  db: Db,
  clusterId: string,
  limits: MoveLimits,
): Promise<number[]> {
  return inTransaction(db, async (tx) => {
    const cluster = await lockCluster(tx, clusterId);
    if (!cluster || cluster.state === "DELETING") return [];
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
  });
}

/**
 * `broker.drain`: the broker gets no new partitions, gives up its partitions (each waits until the
 * broker uploaded its tail and closed the stream), then they are assigned to the other brokers. At most
 * `limits` moves are in flight at once (as a rebalance's): the rest are released in waves as earlier ones
 * land. Used before scale-in and on spot interruption notices.
 */
export function brokerDrainHandler(
  notifier: AssignmentNotifier,
  limits: MoveLimits = DEFAULT_MOVE_LIMITS,
): OperationHandler<"broker.drain"> {
  return {
    type: BrokerOperation.DRAIN,
    steps: [
      {
        name: "stop-assigning",
        async run(ctx: ControllerContext, op: Operation) {
          const { clusterId, brokerId } = target(op);
          await inTransaction(ctx.db, async (tx) => {
            await lockCluster(tx, clusterId);
            await tx
              .update(brokers)
              .set({ state: "DRAINING" })
              .where(
                and(
                  eq(brokers.clusterId, clusterId),
                  eq(brokers.brokerId, brokerId),
                  eq(brokers.state, "ACTIVE"),
                ),
              );
            await bumpVersions(tx, clusterId, [brokerId]);
          });
        },
      },
      {
        name: "move-partitions",
        async run(ctx: ControllerContext, op: Operation) {
          const { clusterId, brokerId } = target(op);
          const [other] = await ctx.db
            .select({ brokerId: brokers.brokerId })
            .from(brokers)
            .where(
              and(
                eq(brokers.clusterId, clusterId),
                eq(brokers.state, "ACTIVE"),
                ne(brokers.brokerId, brokerId),
              ),
            )
            .limit(1);
          if (!other) throw new RetriableStepError("no other ACTIVE broker to move the partitions to");
          const { changed } = await inTransaction(ctx.db, async (tx) => {
            await lockCluster(tx, clusterId);
            return releaseDrainWave(tx, op, limits);
          });
          await notifier.changed(clusterId, changed);
        },
      },
      {
        name: "wait-for-close",
        async run(ctx: ControllerContext, op: Operation) {
          const { clusterId, brokerId } = target(op);
          const { waiting, changed } = await inTransaction(ctx.db, async (tx) => {
            await lockCluster(tx, clusterId);
            await finishClosedMoves(tx, clusterId);
            const assigned = await assignLeaderlessPartitions(tx, clusterId);
            const wave = await releaseDrainWave(tx, op, limits);
            const [row] = await tx
              .select({ count: sql<number>`count(*)::int` })
              .from(partitions)
              .where(and(eq(partitions.clusterId, clusterId), eq(partitions.closingBrokerId, brokerId)));
            return {
              waiting: Number(row?.count ?? 0) + wave.unreleased,
              changed: [...new Set([...assigned, ...wave.changed])],
            };
          });
          await notifier.changed(clusterId, changed);
          return waiting > 0 ? STEP_WAIT : undefined;
        },
      },
    ],
  };
}
