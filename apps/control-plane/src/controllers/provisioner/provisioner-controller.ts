import { and, desc, eq, inArray } from "drizzle-orm";
import type { ClusterSpec } from "../../api-schemas/clusters.ts";
import { clusters, operations } from "../../db/schema.ts";
import { ClusterOperation } from "../../services/clusters.ts";
import { OperationStatus } from "../../services/operations.ts";
import type { Controller, ControllerContext } from "../controller-runner.ts";
import {
  type Actions,
  bootstrapOf,
  type ClusterRow,
  type Convergence,
  ensureFleet,
  observeCluster,
  type ProvisionerDeps,
  providerOf,
  repairCapacity,
} from "./cluster-convergence.ts";
import { fleetNameOf } from "./cluster-fleet.ts";
import { recordClusterStatus } from "./cluster-status.ts";

export interface ProvisionerControllerOptions {
  /** Least time between two looks at one cluster, per provider (cloud APIs are rate limited). */
  minIntervalMs?: Partial<Record<ClusterSpec["provider"], number>>;
  /**
   * The steady loop starts no local broker: a local fleet at zero brokers (where `npm start`'s Ctrl-C
   * put it) stays there and a missing one is not created; other fleets are repaired as usual. What
   * `npm start` with CIRRUS_START_BROKERS=0 asks for. Operations (create, update, replace) still act:
   * someone asked for those.
   */
  holdLocalFleets?: boolean;
}

/** Operation type of what the steady loop did on its own (recorded, never queued). */
export const REPAIR_OPERATION = "cluster.repair";

const DEFAULT_INTERVAL_MS = { local: 1_000, aws: 15_000, aliyun: 15_000 } as const;

/**
 * The provisioner's steady-state loop, for clusters no operation is working on (RUNNING, DEGRADED):
 * recreates a fleet that vanished, repairs capacity bounds that drifted from the spec, gives new
 * instances (replacements after a spot reclaim or a crash, autoscaler scale-outs) their WAL volumes,
 * and keeps state (RUNNING while at least spec.brokers.min brokers are ready, else DEGRADED) and the
 * bootstrap list current. Also marks FAILED a cluster whose create or update operation failed.
 * One cluster's failure is logged and does not stop the others.
 */
export function provisionerController(
  deps: ProvisionerDeps,
  options: ProvisionerControllerOptions = {},
): Controller {
  const lastLook = new Map<string, number>();
  const intervals = { ...DEFAULT_INTERVAL_MS, ...options.minIntervalMs };
  return {
    name: "provisioner",
    async reconcile(ctx: ControllerContext) {
      const rows = await ctx.db
        .select()
        .from(clusters)
        .where(inArray(clusters.state, ["CREATING", "UPDATING", "RUNNING", "DEGRADED"]));
      const seen = new Set<string>();
      for (const cluster of rows) {
        seen.add(cluster.id);
        const now = ctx.now();
        const spec = cluster.spec as ClusterSpec;
        if (now - (lastLook.get(cluster.id) ?? 0) < intervals[spec.provider]) continue;
        lastLook.set(cluster.id, now);
        try {
          if (cluster.state === "CREATING" || cluster.state === "UPDATING")
            await markFailedIfOpFailed(ctx, cluster);
          else
            await converge(deps, ctx, cluster, options.holdLocalFleets === true && spec.provider === "local");
        } catch (error) {
          ctx.log("provisioner: cluster reconcile failed", { clusterId: cluster.id, error: String(error) });
        }
      }
      for (const id of lastLook.keys()) if (!seen.has(id)) lastLook.delete(id);
    },
  };
}

async function converge(
  deps: ProvisionerDeps,
  ctx: ControllerContext,
  cluster: ClusterRow,
  hold: boolean,
): Promise<void> {
  const spec = cluster.spec as ClusterSpec;
  const startedAt = ctx.now();
  const actions: Actions = [];
  let observed: Convergence | undefined;
  try {
    let fleet = hold
      ? await providerOf(deps, cluster).describeFleet(fleetNameOf(cluster.id))
      : await ensureFleet(deps, cluster, actions);
    if (fleet && !(hold && fleet.desiredCapacity === 0))
      fleet = await repairCapacity(deps, cluster, fleet, actions);
    if (fleet) observed = await observeCluster(deps, cluster, startedAt, fleet, actions);
  } finally {
    if (actions.length > 0) await recordRepair(ctx, cluster.id, actions, startedAt);
  }
  const now = ctx.now();
  if (!observed) return;
  const ready = observed.ready.length;
  const healthy = ready >= spec.brokers.min;
  await recordClusterStatus(
    deps.db,
    cluster.id,
    {
      state: healthy ? "RUNNING" : "DEGRADED",
      reason: healthy ? "BrokersReady" : "BrokersMissing",
      message: `${ready} of ${observed.fleet.desiredCapacity} brokers ready`,
      bootstrap: bootstrapOf(observed.ready),
    },
    now,
  );
}

/**
 * Records what the steady loop changed as a finished `cluster.repair` operation (one step per action,
 * with the pass's timings), so that it shows in the API and console like every other action. Written
 * once, after the fact, in its final state: no runner picks it up and no half-done row is left behind
 * (a crash between an action and this write loses the record, never the action's idempotence).
 */
async function recordRepair(ctx: ControllerContext, clusterId: string, actions: Actions, startedAt: number) {
  const now = ctx.now();
  await ctx.db.insert(operations).values({
    id: crypto.randomUUID(),
    clusterId,
    type: REPAIR_OPERATION,
    status: OperationStatus.SUCCEEDED,
    input: { actions },
    steps: actions.map((action) => ({
      name: action.slice(0, action.indexOf(" ")),
      status: OperationStatus.SUCCEEDED,
      startedAt,
      finishedAt: now,
      error: null,
    })),
    progress: 1,
    createdBy: "provisioner",
    createdAt: startedAt,
    updatedAt: now,
    finishedAt: now,
  });
}

/** A create/update that failed leaves its cluster CREATING/UPDATING: say FAILED instead. */
async function markFailedIfOpFailed(ctx: ControllerContext, cluster: ClusterRow): Promise<void> {
  const [latest] = await ctx.db
    .select({ status: operations.status, error: operations.error })
    .from(operations)
    .where(
      and(
        eq(operations.clusterId, cluster.id),
        inArray(operations.type, [ClusterOperation.CREATE, ClusterOperation.UPDATE]),
      ),
    )
    .orderBy(desc(operations.createdAt))
    .limit(1);
  if (latest?.status !== OperationStatus.FAILED) return;
  const error = latest.error as { message?: string } | null;
  await recordClusterStatus(
    ctx.db,
    cluster.id,
    { state: "FAILED", reason: "OperationFailed", message: error?.message ?? "the operation failed" },
    ctx.now(),
  );
}
