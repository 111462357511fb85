// A cluster's balancer settings: its spec's `balancing` where it says, the control plane's options where not.
import assert from "node:assert/strict";
import { it } from "node:test";
import { DEFAULT_CONFIG } from "../../src/config.ts";
import { balancerSettings, providerBaselineCapacity } from "../../src/services/balancer-settings.ts";

it("takes the spec's balancing settings over the control plane's defaults", () => {
  assert.deepEqual(balancerSettings(DEFAULT_CONFIG, {}), {
    auto: true,
    bandFraction: 0.1,
    capacityThreshold: 0.8,
    cooldownMs: DEFAULT_CONFIG.balancerCooldownMs,
    brokerNetworkBytesPerSec: DEFAULT_CONFIG.brokerNetworkBytesPerSec,
    usageThresholdBytesPerSec: 1_048_576,
  });
  const spec = {
    balancing: {
      auto: false,
      bandPercent: 5,
      capacityPercent: 70,
      cooldownSeconds: 30,
      brokerNetworkBytesPerSec: 1e9,
      usageThresholdBytesPerSec: 0,
    },
  };
  assert.deepEqual(balancerSettings(DEFAULT_CONFIG, spec), {
    auto: false,
    bandFraction: 0.05,
    capacityThreshold: 0.7,
    cooldownMs: 30_000,
    brokerNetworkBytesPerSec: 1e9,
    usageThresholdBytesPerSec: 0,
  });
});

it("takes the brokers' capacity from the provider's baseline of the spec's instance types, the smallest", () => {
  const gbps: Record<string, number> = { "m6i.large": 12.5e9 / 8 / 10, "m6i.xlarge": 12.5e9 / 8 / 5 };
  const providers = {
    providerFor: () => ({
      baselineBandwidth: (type: string) => {
        if (!(type in gbps)) throw new Error(`no baseline bandwidth known for ${type}`);
        return gbps[type]!;
      },
    }),
  };
  const capacityOf = providerBaselineCapacity(providers);
  const spec = (instanceTypes: string[], balancing?: object) =>
    ({ provider: "aws", region: "us-east-1", instanceTypes, ...(balancing ? { balancing } : {}) }) as never;
  assert.equal(capacityOf(spec(["m6i.xlarge", "m6i.large"])), gbps["m6i.large"]);
  assert.equal(capacityOf(spec(["x9.unknown"])), undefined, "a type the table does not list");
  const settings = (s: never) => balancerSettings(DEFAULT_CONFIG, s, capacityOf).brokerNetworkBytesPerSec;
  assert.equal(settings(spec(["m6i.xlarge"])), gbps["m6i.xlarge"]);
  assert.equal(settings(spec(["x9.unknown"])), DEFAULT_CONFIG.brokerNetworkBytesPerSec, "else the config's");
  assert.equal(settings(spec(["m6i.xlarge"], { brokerNetworkBytesPerSec: 5 })), 5, "the spec's own first");
});
