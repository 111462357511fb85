import { and, eq, ne, sql } from "drizzle-orm";
import { brokers, partitions } from "../db/schema.ts";
import { inTransaction } from "../db/transaction.ts";
import type { AssignmentNotifier } from "../services/assignment-notifier.ts";
import { BrokerOperation } from "../services/broker-views.ts";
import { drainTarget, releaseDrainWave } from "../services/drain-waves.ts";
import { DEFAULT_MOVE_LIMITS, type MoveLimits } from "../services/move-limits.ts";
import type { Operation } from "../services/operations.ts";
import {
  assignLeaderlessPartitions,
  bumpVersions,
  finishClosedMoves,
  lockCluster,
} from "../services/partition-assigner.ts";
import { type ControllerContext, type OperationHandler, STEP_WAIT } from "./controller-runner.ts";

class RetriableStepError extends Error {
  readonly code = "NO_TARGET_BROKER";
  readonly retriable = true;
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
          const { clusterId, brokerId } = drainTarget(op);
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
          const { clusterId, brokerId } = drainTarget(op);
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
          const { clusterId, brokerId } = drainTarget(op);
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
