// The balancer's settings for one cluster: the cluster's spec (`balancing`) where it says, its provider's
// baseline bandwidth of its instance types for the brokers' capacity, the control plane's configuration where
// neither says, and the planner's defaults for the rest.
import type { ClusterSpec } from "../api-schemas/clusters.ts";
import { DEFAULT_BALANCER_OPTIONS } from "../balancer/plan-types.ts";
import type { Config } from "../config.ts";

export interface BalancerSettings {
  /** Automatic balancing on (the auto-rebalance controller plans this cluster). */
  auto: boolean;
  bandFraction: number;
  capacityThreshold: number;
  cooldownMs: number;
  /** Each broker's sustained network capacity each way, bytes/s. */
  brokerNetworkBytesPerSec: number;
  /** Below this load (bytes/s, per direction) a broker is within its band. */
  usageThresholdBytesPerSec: number;
}

export type BalancerConfig = Pick<
  Config,
  "balancerCooldownMs" | "brokerNetworkBytesPerSec" | "balancerUsageThresholdBytesPerSec"
>;

/**
 * A cluster's brokers' network capacity each way (bytes/s) as its provider knows it: of the brokers on
 * `instanceType` when given, else of the spec's fleet as a whole; undefined: unknown.
 */
export type BrokerCapacity = (spec: ClusterSpec, instanceType?: string) => number | undefined;

/**
 * The provider's sustained (baseline) bandwidth of the spec's instance types, the smallest of them (a fleet
 * of several types does not say which broker runs on which); undefined when the provider knows none of them.
 */
export function providerBaselineCapacity(providers: {
  providerFor(spec: ClusterSpec): { baselineBandwidth(instanceType: string): number };
}): BrokerCapacity {
  return (spec, instanceType) => {
    try {
      const provider = providers.providerFor(spec);
      if (instanceType !== undefined) return provider.baselineBandwidth(instanceType);
      return Math.min(...spec.instanceTypes.map((type) => provider.baselineBandwidth(type)));
    } catch {
      return undefined; // an instance type the provider's table does not list, or no provider for it here
    }
  };
}

/**
 * Each broker's network capacity each way (bytes/s), as the balancer and the autoscaler's percent watermarks
 * see it: the spec's `balancing.brokerNetworkBytesPerSec`, else the provider's baseline of its instance types,
 * else `fallback` (the control plane's BROKER_NETWORK_BYTES_PER_SEC).
 */
export function brokerNetworkCapacity(
  spec: Pick<ClusterSpec, "balancing"> | undefined,
  fallback: number,
  capacityOf?: BrokerCapacity,
): number {
  return (
    spec?.balancing?.brokerNetworkBytesPerSec ??
    (spec && "provider" in spec && capacityOf ? capacityOf(spec as ClusterSpec) : undefined) ??
    fallback
  );
}

/**
 * One broker's capacity each way (bytes/s) by the instance type it runs on: its type's baseline from the
 * provider; undefined (the caller takes the cluster-wide capacity) when the spec configures the capacity
 * (`balancing.brokerNetworkBytesPerSec` is for every broker), the type is not known yet, or the provider
 * does not list it.
 */
export function brokerCapacityByType(
  spec: ClusterSpec,
  capacityOf: BrokerCapacity | undefined,
): (instanceType: string | null) => number | undefined {
  return (instanceType) =>
    spec.balancing?.brokerNetworkBytesPerSec === undefined && instanceType && capacityOf
      ? capacityOf(spec, instanceType)
      : undefined;
}

export function balancerSettings(
  config: BalancerConfig,
  spec: Pick<ClusterSpec, "balancing"> | undefined,
  capacityOf?: BrokerCapacity,
): BalancerSettings {
  const own = spec?.balancing ?? {};
  return {
    auto: own.auto ?? true,
    bandFraction:
      own.bandPercent !== undefined ? own.bandPercent / 100 : DEFAULT_BALANCER_OPTIONS.bandFraction,
    capacityThreshold:
      own.capacityPercent !== undefined
        ? own.capacityPercent / 100
        : DEFAULT_BALANCER_OPTIONS.capacityThreshold,
    cooldownMs: own.cooldownSeconds !== undefined ? own.cooldownSeconds * 1000 : config.balancerCooldownMs,
    brokerNetworkBytesPerSec: brokerNetworkCapacity(spec, config.brokerNetworkBytesPerSec, capacityOf),
    usageThresholdBytesPerSec: own.usageThresholdBytesPerSec ?? config.balancerUsageThresholdBytesPerSec,
  };
}
