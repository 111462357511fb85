import type { ClusterSpec } from "../../api-schemas/clusters.ts";
import { ClusterOperation } from "../../services/clusters.ts";
import type { Operation } from "../../services/operations.ts";
import type { ControllerContext, OperationHandler } from "../controller-runner.ts";
import { ensureFleet, type ProvisionerDeps, providerOf } from "./cluster-convergence.ts";
import { fleetNameOf, fleetUpdateOf } from "./cluster-fleet.ts";
import { clusterOf, waitForBrokersStep } from "./wait-for-brokers.ts";

export interface ClusterHandlerOptions {
  /** How long create/update may wait for brokers before the cluster is FAILED. Default 5 minutes. */
  readyTimeoutMs?: number;
}

/**
 * `cluster.create`: provision-resources (the fleet, with a fresh broker credential; an existing fleet
 * is adopted), then wait-for-brokers (WAL volumes attached, brokers registered and serving: RUNNING).
 */
export function clusterCreateHandler(
  deps: ProvisionerDeps,
  options: ClusterHandlerOptions = {},
): OperationHandler<"cluster.create"> {
  return {
    type: ClusterOperation.CREATE,
    steps: [
      {
        name: "provision-resources",
        async run(_ctx: ControllerContext, op: Operation) {
          await ensureFleet(deps, await clusterOf(deps, op));
          return undefined;
        },
      },
      waitForBrokersStep(deps, options.readyTimeoutMs ?? 300_000),
    ],
  };
}

/**
 * `cluster.update`: apply-spec (capacity bounds, instance types and spot share of the fleet; the
 * desired count stays where the autoscaler put it, clamped into the new bounds), then wait-for-brokers.
 * New instance types and spot shares apply to instances launched from now on (the clouds do not
 * replace running instances for that); a broker.replace rolls an instance onto them.
 */
export function clusterUpdateHandler(
  deps: ProvisionerDeps,
  options: ClusterHandlerOptions = {},
): OperationHandler<"cluster.update"> {
  return {
    type: ClusterOperation.UPDATE,
    steps: [
      {
        name: "apply-spec",
        async run(_ctx: ControllerContext, op: Operation) {
          const cluster = await clusterOf(deps, op);
          const spec = (op.input.spec as ClusterSpec | undefined) ?? (cluster.spec as ClusterSpec);
          const fleet = await ensureFleet(deps, cluster);
          await providerOf(deps, cluster).updateFleet(
            fleetNameOf(cluster.id),
            fleetUpdateOf(spec, fleet.desiredCapacity),
          );
          return undefined;
        },
      },
      waitForBrokersStep(deps, options.readyTimeoutMs ?? 300_000),
    ],
  };
}
