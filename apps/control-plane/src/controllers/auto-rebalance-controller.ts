import { and, eq, inArray, max, ne, or } from "drizzle-orm";
import { brokers, clusters, operations, partitions } from "../db/schema.ts";
import { OperationStatus } from "../services/operations.ts";
import { planRebalance, startRebalance } from "../services/rebalance.ts";
import type { Controller, ControllerContext } from "./controller-runner.ts";

export interface AutoRebalanceOptions {
  /**
   * How long the set of ACTIVE brokers must be still (no broker registered or re-registered) before the
   * partitions are spread over it: a rolling restart or a scale-out of several brokers is one move plan,
   * not one per broker.
   */
  settleMs: number;
}

/**
 * Gives new brokers partitions without anyone asking (scale-out, a replaced or restarted broker, a spot
 * replacement): when a cluster's ACTIVE brokers lead partition counts that differ by more than one, nothing
 * else runs on the cluster (no unfinished operation of any kind, no leaderless or moving partition) and
 * its brokers have been still for `settleMs`, it starts the same `cluster.rebalance` operation as
 * `POST /v1/clusters/{id}/rebalance`, created by "auto-rebalance". Counts only: a balancer on network load
 * is the next step (DESIGN.md, controllers → balancer).
 */
export function autoRebalanceController(options: AutoRebalanceOptions): Controller {
  return {
    name: "auto-rebalance",
    async reconcile(ctx: ControllerContext): Promise<void> {
      const running = await ctx.db
        .select({ id: clusters.id })
        .from(clusters)
        .where(inArray(clusters.state, ["RUNNING", "DEGRADED", "UPDATING"]));
      for (const { id } of running) {
        if (!(await settled(ctx, id, options.settleMs))) continue;
        const plan = await planRebalance(ctx.db, id);
        if (plan.moves.length === 0) continue;
        try {
          const op = await startRebalance(ctx.db, id, "auto-rebalance");
          ctx.log("auto-rebalance: partitions spread over the brokers", {
            clusterId: id,
            operation: op.id,
            before: plan.before,
            moves: plan.moves.length,
          });
        } catch (error) {
          // Balanced meanwhile (another replica or the API got there first): nothing to do.
          if ((error as { code?: string }).code !== "INVALID_STATE") throw error;
        }
      }
    },
  };
}

/** True when nothing runs on the cluster and its brokers have not (re-)registered for `settleMs`. */
async function settled(ctx: ControllerContext, clusterId: string, settleMs: number): Promise<boolean> {
  const [busy] = await ctx.db
    .select({ id: operations.id })
    .from(operations)
    .where(
      and(
        eq(operations.clusterId, clusterId),
        inArray(operations.status, [OperationStatus.PENDING, OperationStatus.RUNNING]),
      ),
    )
    .limit(1);
  if (busy) return false;
  const [moving] = await ctx.db
    .select({ partition: partitions.partition })
    .from(partitions)
    .where(
      and(
        eq(partitions.clusterId, clusterId),
        or(eq(partitions.leaderBrokerId, -1), ne(partitions.closingBrokerId, -1)),
      ),
    )
    .limit(1);
  if (moving) return false;
  const [latest] = await ctx.db
    .select({ at: max(brokers.registeredAt) })
    .from(brokers)
    .where(and(eq(brokers.clusterId, clusterId), eq(brokers.state, "ACTIVE")));
  return latest?.at !== null && latest?.at !== undefined && ctx.now() - Number(latest.at) >= settleMs;
}
