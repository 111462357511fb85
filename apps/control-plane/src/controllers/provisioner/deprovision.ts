import { eq } from "drizzle-orm";
import type { ClusterSpec } from "../../api-schemas/clusters.ts";
import { brokers, operations, volumes } from "../../db/schema.ts";
import { ClusterOperation } from "../../services/clusters.ts";
import { type Operation, OperationStatus, saveOperationInputNote } from "../../services/operations.ts";
import { type ControllerContext, STEP_WAIT } from "../controller-runner.ts";
import { type ClusterRow, loadCluster, type ProvisionerDeps, providerOf } from "./cluster-convergence.ts";
import { fleetNameOf } from "./cluster-fleet.ts";
import { purgeClusterObjects } from "./object-purge.ts";
import { REPAIR_OPERATION } from "./provisioner-controller.ts";
import { ProvisioningError, ProvisioningErrorCode } from "./provisioning-error.ts";
import { WalVolumes } from "./wal-volumes.ts";

/** With abandon, a retriable failure is retried this many times (counting the first) before it is given up. */
const ABANDON_AFTER_ATTEMPTS = 3;

/**
 * What a deletion did not delete, kept in the operation's input (`leftBehind`) for whoever cleans up by
 * hand: the fleet and volumes it could not reach (abandon=true), or nothing recorded when the cluster's
 * resources were never created (then the cloud was not checked), and objects it could not purge.
 */
export interface LeftBehind {
  reason: string;
  /** The provider call's error. */
  error: string;
  provider: ClusterSpec["provider"];
  region: string;
  fleet: string | null;
  volumes: string[];
  /** The object store URI whose objects were not purged (purge=true only). */
  objects: string | null;
}

export async function recordLeftBehind(
  ctx: ControllerContext,
  op: Operation,
  left: LeftBehind,
): Promise<void> {
  await saveOperationInputNote(ctx.db, op, { leftBehind: left });
}

/**
 * Whether the control plane ever recorded a provider resource of the cluster: a fleet (a create's
 * provision-resources or an update's apply-spec that succeeded, a fleet the steady loop created), a WAL
 * volume or a registered broker. A cluster whose create failed before any of that made nothing.
 */
async function createdAnything(ctx: ControllerContext, cluster: ClusterRow): Promise<boolean> {
  const [volume] = await ctx.db
    .select({ id: volumes.id })
    .from(volumes)
    .where(eq(volumes.clusterId, cluster.id))
    .limit(1);
  const [broker] = await ctx.db
    .select({ id: brokers.brokerId })
    .from(brokers)
    .where(eq(brokers.clusterId, cluster.id))
    .limit(1);
  if (volume || broker) return true;
  const ops = await ctx.db
    .select({ type: operations.type, steps: operations.steps })
    .from(operations)
    .where(eq(operations.clusterId, cluster.id));
  return ops.some(
    (o) =>
      o.type === REPAIR_OPERATION ||
      ((o.type === ClusterOperation.CREATE || o.type === ClusterOperation.UPDATE) &&
        (o.steps as Operation["steps"]).some(
          (s) =>
            (s.name === "provision-resources" || s.name === "apply-spec") &&
            s.status === OperationStatus.SUCCEEDED,
        )),
  );
}

async function recordedVolumes(ctx: ControllerContext, clusterId: string): Promise<string[]> {
  const rows = await ctx.db.select({ id: volumes.id }).from(volumes).where(eq(volumes.clusterId, clusterId));
  return rows.map((r) => r.id);
}

const retriable = (error: unknown) => (error as { retriable?: unknown })?.retriable !== false;
const messageOf = (error: unknown) => String((error as Error)?.message ?? error);

/**
 * The provider half of `cluster.delete` (the deprovision-resources step of cluster-deletion.ts): delete
 * the fleet (its brokers get SIGTERM, then SIGKILL after the grace period; a fleet already deleting
 * just goes on), wait until it is gone, then detach and delete every WAL volume, then, with purge,
 * delete the cluster's objects from the object store. Every part is idempotent, so a control plane
 * killed anywhere in here finishes the job on the next run.
 *
 * When the cloud cannot be reached (no credentials, a provider that cannot be built, calls refused):
 * - a cluster of which no provider resource was ever recorded (its create failed first) has nothing to
 *   delete: the step goes on, noting in `leftBehind` that the cloud was not checked;
 * - with `abandon` (DELETE ?abandon=true), the fleet and volumes it cannot reach are forgotten (after
 *   ABANDON_AFTER_ATTEMPTS tries when the failure is retriable) and listed in `leftBehind`; objects that
 *   cannot be purged likewise;
 * - otherwise the step fails with PROVIDER_UNREACHABLE, whose message names what is left and the way out
 *   (another DELETE, with ?abandon=true).
 */
export function deprovisionStep(deps: ProvisionerDeps) {
  return async (ctx: ControllerContext, op: Operation): Promise<undefined | typeof STEP_WAIT> => {
    const cluster = op.clusterId ? await loadCluster(deps.db, op.clusterId) : undefined;
    if (!cluster) return undefined; // metadata already removed: nothing of it is left to deprovision
    const spec = cluster.spec as ClusterSpec;
    const abandon = op.input.abandon === true;
    const name = fleetNameOf(cluster.id);
    try {
      const provider = providerOf(deps, cluster);
      await provider.deleteFleet(name);
      if (await provider.describeFleet(name)) return STEP_WAIT;
      if (!(await new WalVolumes(deps.db, provider, cluster.id, spec).deleteAll())) return STEP_WAIT;
    } catch (error) {
      const left = {
        error: messageOf(error),
        provider: spec.provider,
        region: spec.region,
        objects: null,
      };
      if (!(await createdAnything(ctx, cluster))) {
        const reason = "no provider resource of this cluster was ever recorded; the cloud was not checked";
        await recordLeftBehind(ctx, op, { ...left, reason, fleet: null, volumes: [] });
        ctx.log("cluster deletion: nothing was provisioned", { clusterId: cluster.id, error: left.error });
      } else if (abandon && (!retriable(error) || op.attempts + 1 >= ABANDON_AFTER_ATTEMPTS)) {
        const reason = "abandoned (DELETE ?abandon=true): the cloud could not be reached";
        const ids = await recordedVolumes(ctx, cluster.id);
        await recordLeftBehind(ctx, op, { ...left, reason, fleet: name, volumes: ids });
        ctx.log("cluster deletion: cloud resources abandoned", { clusterId: cluster.id, fleet: name, ids });
      } else if (abandon) {
        throw error;
      } else {
        const count = (await recordedVolumes(ctx, cluster.id)).length;
        throw new ProvisioningError(
          ProvisioningErrorCode.PROVIDER_UNREACHABLE,
          `${messageOf(error)}. The ${spec.provider} fleet ${name} and ${count} WAL volumes may still exist: ` +
            `fix the access and DELETE again, or DELETE /v1/clusters/${cluster.id}?abandon=true to forget them`,
          { cause: error, retriable: retriable(error) },
        );
      }
    }
    if (op.input.purge === true) {
      try {
        const deleted = await purgeClusterObjects(deps.db, cluster.id, spec);
        ctx.log("purged cluster objects", { clusterId: cluster.id, deleted });
      } catch (error) {
        if (!abandon || (retriable(error) && op.attempts + 1 < ABANDON_AFTER_ATTEMPTS)) throw error;
        const previous = op.input.leftBehind as LeftBehind | undefined;
        await recordLeftBehind(ctx, op, {
          reason: "abandoned (DELETE ?abandon=true): the object store could not be purged",
          provider: spec.provider,
          region: spec.region,
          fleet: null,
          volumes: [],
          ...previous,
          error: previous ? `${previous.error}; ${messageOf(error)}` : messageOf(error),
          objects: spec.objectStore.uri,
        });
      }
    }
    return undefined;
  };
}
