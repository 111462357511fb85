import type { StepName } from "../../services/operation-catalog.ts";
import type { Operation } from "../../services/operations.ts";
import type { ControllerContext, OperationStepHandler } from "../controller-runner.ts";
import { STEP_WAIT } from "../controller-runner.ts";
import {
  bootstrapOf,
  type ClusterRow,
  ensureFleet,
  loadCluster,
  observeCluster,
  type ProvisionerDeps,
  repairCapacity,
} from "./cluster-convergence.ts";
import { recordClusterStatus } from "./cluster-status.ts";
import { ProvisioningError, ProvisioningErrorCode } from "./provisioning-error.ts";

/**
 * The cluster of an operation, unless it is gone or being deleted: then the operation has nothing
 * left to do and fails at once (deletion takes over the resources).
 */
export async function clusterOf(deps: ProvisionerDeps, op: Operation): Promise<ClusterRow> {
  const cluster = op.clusterId ? await loadCluster(deps.db, op.clusterId) : undefined;
  if (!cluster)
    throw new ProvisioningError(ProvisioningErrorCode.CLUSTER_GONE, `cluster ${op.clusterId} is gone`);
  if (cluster.state === "DELETING") {
    throw new ProvisioningError(ProvisioningErrorCode.SUPERSEDED, `cluster ${cluster.id} is being deleted`);
  }
  return cluster;
}

/**
 * The last step of create and update: attach volumes to new instances, then wait until the fleet's
 * desired number of brokers is registered, leased and accepting Kafka connections; then the cluster
 * is RUNNING with its bootstrap list. Past `timeoutMs` (counted from the step's first start, so a
 * control-plane restart does not reset it) the cluster is FAILED.
 */
/** The last step of both cluster.create and cluster.update. */
export function waitForBrokersStep(
  deps: ProvisionerDeps,
  timeoutMs: number,
): OperationStepHandler<StepName<"cluster.create"> & StepName<"cluster.update">> {
  return {
    name: "wait-for-brokers",
    async run(ctx: ControllerContext, op: Operation) {
      const cluster = await clusterOf(deps, op);
      const now = ctx.now();
      // A fleet removed behind our back is created again; one paused or edited is put back in bounds.
      const fleet = await repairCapacity(deps, cluster, await ensureFleet(deps, cluster));
      const observed = await observeCluster(deps, cluster, now, fleet);
      if (!observed) return STEP_WAIT;
      const desired = observed.fleet.desiredCapacity;
      const ready = observed.ready.length;
      if (ready >= desired) {
        await recordClusterStatus(
          deps.db,
          cluster.id,
          {
            state: "RUNNING",
            reason: "BrokersReady",
            message: `${ready} of ${desired} brokers ready`,
            bootstrap: bootstrapOf(observed.ready),
          },
          now,
        );
        return undefined;
      }
      const startedAt = op.steps.find((s) => s.name === "wait-for-brokers")?.startedAt ?? now;
      const message = `${ready} of ${desired} brokers ready (${observed.instances.length} instances)`;
      if (now - startedAt > timeoutMs) {
        await recordClusterStatus(
          deps.db,
          cluster.id,
          { state: "FAILED", reason: "BrokersNotReady", message: `after ${timeoutMs} ms: ${message}` },
          now,
        );
        throw new ProvisioningError(
          ProvisioningErrorCode.CONVERGENCE_TIMEOUT,
          `after ${timeoutMs} ms: ${message}`,
        );
      }
      await recordClusterStatus(
        deps.db,
        cluster.id,
        { state: cluster.state === "UPDATING" ? "UPDATING" : "CREATING", reason: "Provisioning", message },
        now,
      );
      return STEP_WAIT;
    },
  };
}
