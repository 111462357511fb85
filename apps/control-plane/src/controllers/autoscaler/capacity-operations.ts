import type { CloudProvider } from "@cirrus/cloud";
import { type Operation, saveOperationInputNote } from "../../services/operations.ts";
import type { ControllerContext } from "../controller-runner.ts";
import { type ClusterRow, loadCluster, specOf } from "../provisioner/cluster-convergence.ts";
import { fleetNameOf } from "../provisioner/cluster-fleet.ts";
import type { ProviderRegistry } from "../provisioner/provider-registry.ts";
import { AutoscalerError, AutoscalerErrorCode } from "./autoscaler-error.ts";

export const ScaleOperation = { OUT: "cluster.scale-out", IN: "cluster.scale-in" } as const;
/** A scaling the autoscaler wanted and did not do (at max, inside a cooldown…), recorded finished. */
export const SCALE_HOLD_OPERATION = "cluster.scale-hold";

/** What the autoscaler needs besides the controller context (which brings the database). */
export interface AutoscalerDeps {
  providers: ProviderRegistry;
  /**
   * A broker's network capacity each way when neither the spec nor the provider says (the control plane's
   * BROKER_NETWORK_BYTES_PER_SEC; default its default).
   */
  brokerNetworkBytesPerSec?: number;
}

/** The cluster of an autoscaler operation, its provider and its fleet's name; CLUSTER_GONE if it went. */
export async function clusterFleetOf(
  deps: AutoscalerDeps,
  ctx: ControllerContext,
  op: Operation,
): Promise<{ cluster: ClusterRow; provider: CloudProvider; fleet: string }> {
  const cluster = await loadCluster(ctx.db, op.clusterId ?? "");
  if (!cluster)
    throw new AutoscalerError(AutoscalerErrorCode.CLUSTER_GONE, `cluster ${op.clusterId} is gone`);
  return { cluster, provider: deps.providers.providerFor(specOf(cluster)), fleet: fleetNameOf(cluster.id) };
}

/** When the operation's step `name` first started (epoch ms), or now. */
export function stepStartedAt(op: Operation, name: string, now: number): number {
  return op.steps.find((s) => s.name === name)?.startedAt ?? now;
}

/** Adds `{[key]: value}` to the operation's input (a note a step leaves for the next, kept across restarts). */
export async function saveInputNote(ctx: ControllerContext, op: Operation, key: string, value: unknown) {
  await saveOperationInputNote(ctx.db, op, { [key]: value });
}
