import { and, eq, inArray, max, ne, or } from "drizzle-orm";
import type { ClusterSpec } from "../api-schemas/clusters.ts";
import type { Config } from "../config.ts";
import { brokers, clusters, partitions } from "../db/schema.ts";
import { type BalancerConfig, type BrokerCapacity, balancerSettings } from "../services/balancer-settings.ts";
import { clusterBusy } from "../services/operations.ts";
import { planRebalance, startRebalance } from "../services/rebalance.ts";
import type { Controller, ControllerContext } from "./controller-runner.ts";

export interface AutoRebalanceOptions {
  /**
   * How long the set of ACTIVE brokers must be still (no broker registered or re-registered) before the
   * partitions are spread over it: a rolling restart or a scale-out of several brokers is one move plan,
   * not one per broker.
   */
  settleMs: number;
  /** How often a settled cluster is planned again when its brokers did not change. */
  intervalMs: number;
  /** Defaults for what a cluster's spec (`balancing`) does not say, and the lease (slow brokers). */
  config: BalancerConfig & Pick<Config, "leaseMs">;
  /** Brokers' network capacity from the cluster's provider; else the config's default. */
  capacityOf?: BrokerCapacity | undefined;
}

/**
 * Automatic balancing: for every running cluster whose spec leaves it on (`balancing.auto`, default on),
 * once nothing else runs on it (no unfinished operation, no leaderless or moving partition) and its brokers
 * have been still for `settleMs`, plans with the balancer — at once when its brokers changed (joined, left,
 * started or stopped draining) since the last plan, otherwise every `intervalMs` — and, when the plan has
 * moves, starts the same `cluster.rebalance` operation as `POST /v1/clusters/{id}/rebalance` with
 * `dryRun: false`, created by "auto-rebalance". The planner's cooldown and minimum useful change keep it
 * from churning: a balanced cluster costs one read-only plan per interval.
 */
export function autoRebalanceController(options: AutoRebalanceOptions): Controller {
  const lastPlan = new Map<string, { at: number; brokers: string }>();
  return {
    name: "auto-rebalance",
    async reconcile(ctx: ControllerContext): Promise<void> {
      const running = await ctx.db
        .select({ id: clusters.id, spec: clusters.spec })
        .from(clusters)
        .where(inArray(clusters.state, ["RUNNING", "DEGRADED", "UPDATING"]));
      for (const { id, spec } of running) {
        if (!balancerSettings(options.config, spec as ClusterSpec).auto) continue;
        const now = ctx.now();
        const membership = await brokerSet(ctx, id);
        const last = lastPlan.get(id);
        if (last && last.brokers === membership && now - last.at < options.intervalMs) continue;
        if (!(await settled(ctx, id, options.settleMs))) continue;
        lastPlan.set(id, { at: now, brokers: membership });
        const context = { config: options.config, now, capacityOf: options.capacityOf };
        const preview = await planRebalance(ctx.db, id, context);
        if (preview.moves.length === 0) continue;
        try {
          const { operation, plan } = await startRebalance(ctx.db, id, "auto-rebalance", context);
          ctx.log("auto-rebalance: moves started", {
            clusterId: id,
            operation: operation.id,
            moves: plan.moves.length,
            goals: plan.goals.filter((g) => !g.metBefore).map((g) => g.goal),
          });
        } catch (error) {
          // Balanced or started meanwhile (another replica or the API got there first): nothing to do.
          const code = (error as { code?: string }).code;
          if (code !== "INVALID_STATE" && code !== "CONFLICT") throw error;
        }
      }
    },
  };
}

/** The brokers that count for balancing and their states, as one string: a change is a join or a leave. */
async function brokerSet(ctx: ControllerContext, clusterId: string): Promise<string> {
  const rows = await ctx.db
    .select({ id: brokers.brokerId, state: brokers.state, epoch: brokers.epoch })
    .from(brokers)
    .where(and(eq(brokers.clusterId, clusterId), inArray(brokers.state, ["ACTIVE", "DRAINING"])))
    .orderBy(brokers.brokerId);
  return rows.map((r) => `${r.id}:${r.state}:${r.epoch}`).join(",");
}

/** True when nothing runs on the cluster and its brokers have not (re-)registered for `settleMs`. */
async function settled(ctx: ControllerContext, clusterId: string, settleMs: number): Promise<boolean> {
  if (await clusterBusy(ctx.db, clusterId)) return false;
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
