import { CloudError, CloudErrorCode } from "../errors.ts";

/**
 * Bytes per second an instance of `instanceType` can sustain, from a provider's table of baseline
 * (not burst) Gbit/s. UNKNOWN_INSTANCE_TYPE if the type is not in the table.
 */
export function baselineBandwidthFrom(
  baselineGbps: Readonly<Record<string, number>>,
  instanceType: string,
): number {
  // Own keys only: a type named like an Object.prototype member ("constructor") is unknown, not NaN.
  const gbps = Object.hasOwn(baselineGbps, instanceType) ? baselineGbps[instanceType] : undefined;
  if (gbps === undefined) {
    throw new CloudError(
      CloudErrorCode.UNKNOWN_INSTANCE_TYPE,
      `no baseline bandwidth known for ${instanceType}`,
    );
  }
  return (gbps * 1e9) / 8;
}
