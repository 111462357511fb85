import { CloudError, CloudErrorCode } from "../errors.ts";

/**
 * Bytes per second an instance of `instanceType` can sustain, from a provider's table of baseline
 * (not burst) Gbit/s. UNKNOWN_INSTANCE_TYPE if the type is not in the table.
 */
export function baselineBandwidthFrom(
  baselineGbps: Readonly<Record<string, number>>,
  instanceType: string,
): number {
  const gbps = baselineGbps[instanceType];
  if (gbps === undefined) {
    throw new CloudError(
      CloudErrorCode.UNKNOWN_INSTANCE_TYPE,
      `no baseline bandwidth known for ${instanceType}`,
    );
  }
  return (gbps * 1e9) / 8;
}
