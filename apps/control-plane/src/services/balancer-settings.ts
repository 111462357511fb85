// The balancer's settings for one cluster: the cluster's spec (`balancing`) where it says, the control plane's
// configuration where it does not, and the planner's defaults for the rest.
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
}

export type BalancerConfig = Pick<Config, "balancerCooldownMs" | "brokerNetworkBytesPerSec">;

export function balancerSettings(
  config: BalancerConfig,
  spec: Pick<ClusterSpec, "balancing"> | undefined,
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
    brokerNetworkBytesPerSec: own.brokerNetworkBytesPerSec ?? config.brokerNetworkBytesPerSec,
  };
}
