import type { OperationHandler } from "../controller-runner.ts";
import { STEP_WAIT } from "../controller-runner.ts";
import { AutoscalerError, AutoscalerErrorCode } from "./autoscaler-error.ts";
import { type AutoscalerDeps, clusterFleetOf, ScaleOperation, stepStartedAt } from "./capacity-operations.ts";
import { servingBrokers } from "./serving-brokers.ts";

export interface ScaleOutOptions {
  /** How long wait-for-brokers waits for the new brokers to serve before the operation fails. */
  readyTimeoutMs: number;
}

/**
 * `cluster.scale-out` {from, to, decision}: raise the fleet's desired capacity to `to` (never lowers it:
 * a fleet already there is left alone), then wait until `to` brokers serve. The provisioner's steady loop
 * attaches WAL volumes to the new instances; the balancer (auto-rebalance) moves load onto them.
 */
export function scaleOutHandler(
  deps: AutoscalerDeps,
  options: ScaleOutOptions,
): OperationHandler<"cluster.scale-out"> {
  return {
    type: ScaleOperation.OUT,
    steps: [
      {
        name: "raise-capacity",
        async run(ctx, op) {
          const { provider, fleet } = await clusterFleetOf(deps, ctx, op);
          const current = await provider.describeFleet(fleet);
          if (!current) throw new AutoscalerError(AutoscalerErrorCode.CLUSTER_GONE, `fleet ${fleet} is gone`);
          const to = Number(op.input.to);
          if (current.desiredCapacity < to) await provider.setDesiredCapacity(fleet, to);
        },
      },
      {
        name: "wait-for-brokers",
        async run(ctx, op) {
          const { cluster, provider, fleet } = await clusterFleetOf(deps, ctx, op);
          const serving = await servingBrokers(
            ctx.db,
            cluster.id,
            await provider.listInstances(fleet),
            ctx.now(),
          );
          const to = Number(op.input.to);
          if (serving.length >= to) return undefined;
          if (ctx.now() - stepStartedAt(op, "wait-for-brokers", ctx.now()) > options.readyTimeoutMs) {
            throw new AutoscalerError(
              AutoscalerErrorCode.SCALE_OUT_TIMEOUT,
              `${serving.length} of ${to} brokers serve after ${options.readyTimeoutMs} ms`,
            );
          }
          return STEP_WAIT;
        },
      },
    ],
  };
}
