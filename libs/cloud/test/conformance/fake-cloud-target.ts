import type { CloudProvider, FleetSpec } from "../../src/provider.ts";
import type { ConformanceTarget } from "./provider-conformance.ts";

/** What differs between the clouds whose SDK clients are replaced by stateful fakes (aws, aliyun). */
export interface FakeCloudParts {
  provider: CloudProvider;
  zones: readonly [string, string];
  volumeTypes: { single: string; multi: string };
  instanceTypes: readonly string[];
  launchArgs: readonly string[];
  /** The cloud's own section of a FleetSpec (`aws` or `aliyun`). */
  cloudSection: Pick<FleetSpec, "aws" | "aliyun">;
  reclaimSpot(instanceId: string): Promise<void>;
  /** The fake account's per-instance traffic table, read by its metrics fake. */
  traffic: Map<string, { in: number; out: number }>;
}

/**
 * A conformance target over fake cloud clients: metrics are served instantly from the traffic table,
 * so no traffic window is needed, and fleets converge within the fakes' own timers.
 */
export function fakeCloudTarget(parts: FakeCloudParts): ConformanceTarget {
  return {
    provider: parts.provider,
    zones: parts.zones,
    volumeTypes: parts.volumeTypes,
    convergeMs: 2000,
    trafficWindowMs: 0,
    rateWindowSeconds: 120,
    fleetSpec: (name, sizes) => ({
      name,
      minSize: sizes.min,
      maxSize: sizes.max,
      desiredCapacity: sizes.desired,
      zones: parts.zones,
      instanceTypes: parts.instanceTypes,
      onDemandBaseCapacity: 0,
      onDemandPercentageAboveBase: 100,
      capacityRebalance: true,
      launch: { command: "/opt/cirrus/bin/broker", args: parts.launchArgs, env: { CIRRUS_CLUSTER: "c1" } },
      ...parts.cloudSection,
    }),
    reclaimSpot: parts.reclaimSpot,
    driveTraffic: async (id, inRate, outRate) => {
      parts.traffic.set(id, { in: inRate, out: outRate });
    },
    close: () => parts.provider.close(),
  };
}
