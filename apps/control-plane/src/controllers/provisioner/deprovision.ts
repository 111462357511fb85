import type { ClusterSpec } from "../../api-schemas/clusters.ts";
import type { Operation } from "../../services/operations.ts";
import { type ControllerContext, STEP_WAIT } from "../controller-runner.ts";
import { loadCluster, type ProvisionerDeps, providerOf } from "./cluster-convergence.ts";
import { fleetNameOf } from "./cluster-fleet.ts";
import { purgeClusterObjects } from "./object-purge.ts";
import { WalVolumes } from "./wal-volumes.ts";

/**
 * The provider half of `cluster.delete` (the deprovision-resources step of cluster-deletion.ts): delete
 * the fleet (its brokers get SIGTERM, then SIGKILL after the grace period; a fleet already deleting
 * just goes on), wait until it is gone, then detach and delete every WAL volume, then, with purge,
 * delete the cluster's objects from the object store. Every part is idempotent, so a control plane
 * killed anywhere in here finishes the job on the next run.
 */
export function deprovisionStep(deps: ProvisionerDeps) {
  return async (ctx: ControllerContext, op: Operation): Promise<undefined | typeof STEP_WAIT> => {
    const cluster = op.clusterId ? await loadCluster(deps.db, op.clusterId) : undefined;
    if (!cluster) return undefined; // metadata already removed: nothing of it is left to deprovision
    const provider = providerOf(deps, cluster);
    const name = fleetNameOf(cluster.id);
    await provider.deleteFleet(name);
    if (await provider.describeFleet(name)) return STEP_WAIT;
    await new WalVolumes(deps.db, provider, cluster.id, cluster.spec as ClusterSpec).deleteAll();
    if (op.input.purge === true) {
      const deleted = await purgeClusterObjects(deps.db, cluster.id, cluster.spec as ClusterSpec);
      ctx.log("purged cluster objects", { clusterId: cluster.id, deleted });
    }
    return undefined;
  };
}
