import { baselineBandwidthFrom } from "../managed/baseline-bandwidth.ts";

/**
 * Baseline (sustained) internal bandwidth of ECS instance types in Gbit/s, from the instance family
 * pages of the ECS documentation ("基础带宽"/baseline, not the burst figure). Extend as fleets use more.
 */
const BASELINE_GBPS: Record<string, number> = {
  "ecs.g7.large": 2,
  "ecs.g7.xlarge": 3,
  "ecs.g7.2xlarge": 5,
  "ecs.g7.4xlarge": 10,
  "ecs.c7.large": 2,
  "ecs.c7.xlarge": 3,
  "ecs.r7.large": 2,
  "ecs.g8i.large": 2.5,
  "ecs.g8i.xlarge": 4,
  "ecs.g8i.2xlarge": 6,
  "ecs.g8y.large": 2,
  "ecs.g8y.xlarge": 3,
};

/** Bytes per second an instance of `instanceType` can sustain. UNKNOWN_INSTANCE_TYPE if not in the table. */
export function aliyunBaselineBandwidth(instanceType: string): number {
  return baselineBandwidthFrom(BASELINE_GBPS, instanceType);
}
