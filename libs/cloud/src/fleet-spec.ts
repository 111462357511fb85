import { CloudError, CloudErrorCode, invalidArgument } from "./errors.ts";
import type { FleetSpec } from "./provider.ts";

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9-]{0,63}$/;

/** Checks what every provider needs; a bad spec is an INVALID_ARGUMENT before any cloud call. */
export function validateFleetSpec(spec: FleetSpec): void {
  if (!NAME.test(spec.name))
    throw invalidArgument(`fleet name ${JSON.stringify(spec.name)} must match ${NAME}`);
  for (const key of ["minSize", "maxSize", "desiredCapacity", "onDemandBaseCapacity"] as const) {
    if (!Number.isInteger(spec[key]) || spec[key] < 0)
      throw invalidArgument(`${key} must be a non-negative integer`);
  }
  if (spec.minSize > spec.maxSize) throw invalidArgument("minSize must not exceed maxSize");
  checkCapacity(spec.name, spec.desiredCapacity, spec.minSize, spec.maxSize);
  const pct = spec.onDemandPercentageAboveBase;
  if (!Number.isInteger(pct) || pct < 0 || pct > 100) {
    throw invalidArgument("onDemandPercentageAboveBase must be an integer in 0..100");
  }
  if (spec.zones.length === 0) throw invalidArgument("a fleet needs at least one zone");
  if (spec.instanceTypes.length === 0) throw invalidArgument("a fleet needs at least one instance type");
  if (!spec.launch.command) throw invalidArgument("launch.command is required");
  const hook = spec.terminationHook;
  if (hook && (!Number.isInteger(hook.heartbeatTimeoutSeconds) || hook.heartbeatTimeoutSeconds < 1)) {
    throw invalidArgument("terminationHook.heartbeatTimeoutSeconds must be a positive integer");
  }
}

export function checkCapacity(fleet: string, desired: number, min: number, max: number): void {
  if (!Number.isInteger(desired) || desired < min || desired > max) {
    throw new CloudError(
      CloudErrorCode.CAPACITY_OUT_OF_RANGE,
      `desired capacity ${desired} of fleet ${fleet} is outside [${min}, ${max}]`,
    );
  }
}

/**
 * How many of `total` instances are on-demand under an on-demand base and share: the base, then
 * `percentage` of the instances above it, rounded down (the rest are spot).
 */
export function onDemandTarget(total: number, base: number, percentage: number): number {
  return Math.min(total, base) + Math.floor((Math.max(0, total - base) * percentage) / 100);
}
