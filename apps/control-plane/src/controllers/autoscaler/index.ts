import type { AssignmentNotifier } from "../../services/assignment-notifier.ts";
import type { Controller, OperationHandler } from "../controller-runner.ts";
import { type AutoscalerControllerOptions, autoscalerController } from "./autoscaler-controller.ts";
import type { AutoscalerDeps } from "./capacity-operations.ts";
import { scaleInHandler } from "./scale-in-handler.ts";
import { type ScaleOutOptions, scaleOutHandler } from "./scale-out-handler.ts";

export interface AutoscalerOptions extends AutoscalerControllerOptions, Partial<ScaleOutOptions> {}

/** The autoscaler's parts for the composition: its loop and the two operations it creates. */
export function createAutoscaler(deps: AutoscalerDeps, options: AutoscalerOptions = {}) {
  return {
    controller: (): Controller => autoscalerController(deps, options),
    operationHandlers: (notifier: AssignmentNotifier): OperationHandler[] => [
      scaleOutHandler(deps, { readyTimeoutMs: options.readyTimeoutMs ?? 10 * 60_000 }),
      scaleInHandler(deps, notifier),
    ],
  };
}

export { SCALE_HOLD_OPERATION, ScaleOperation } from "./capacity-operations.ts";
export { decideScaling, HoldReason } from "./scaling-decision.ts";
export { scalingSettingsOf } from "./scaling-settings.ts";
