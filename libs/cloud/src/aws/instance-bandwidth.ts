import { baselineBandwidthFrom } from "../managed/baseline-bandwidth.ts";

/**
 * Baseline (sustained) network bandwidth of EC2 instance types in Gbit/s, from the "Network
 * performance" tables of the EC2 instance type documentation. Instances "up to" a burst figure can only
 * hold the baseline, so autoscaling watermarks are computed against this, never the burst.
 */
const BASELINE_GBPS: Record<string, number> = {
  "m5.large": 0.75,
  "m5.xlarge": 1.25,
  "m5.2xlarge": 2.5,
  "m5.4xlarge": 5,
  "m6i.large": 0.781,
  "m6i.xlarge": 1.562,
  "m6i.2xlarge": 3.125,
  "m6i.4xlarge": 6.25,
  "m6i.8xlarge": 12.5,
  "c6i.large": 0.781,
  "c6i.xlarge": 1.562,
  "c6i.2xlarge": 3.125,
  "r6i.large": 0.781,
  "r6i.xlarge": 1.562,
  "m7g.large": 0.937,
  "m7g.xlarge": 1.876,
  "m7g.2xlarge": 3.75,
  "m7g.4xlarge": 7.5,
  "r6in.large": 3.125,
  "r6in.xlarge": 6.25,
  "c5n.large": 3,
  "c5n.xlarge": 5,
  "c5n.2xlarge": 10,
};

/** Bytes per second an instance of `instanceType` can sustain. UNKNOWN_INSTANCE_TYPE if not in the table. */
export function awsBaselineBandwidth(instanceType: string): number {
  return baselineBandwidthFrom(BASELINE_GBPS, instanceType);
}
