// A cluster's balancer settings: its spec's `balancing` where it says, the control plane's options where not.
import assert from "node:assert/strict";
import { it } from "node:test";
import { DEFAULT_CONFIG } from "../../src/config.ts";
import { balancerSettings } from "../../src/services/balancer-settings.ts";

it("takes the spec's balancing settings over the control plane's defaults", () => {
  assert.deepEqual(balancerSettings(DEFAULT_CONFIG, {}), {
    auto: true,
    bandFraction: 0.1,
    capacityThreshold: 0.8,
    cooldownMs: DEFAULT_CONFIG.balancerCooldownMs,
    brokerNetworkBytesPerSec: DEFAULT_CONFIG.brokerNetworkBytesPerSec,
  });
  const spec = {
    balancing: {
      auto: false,
      bandPercent: 5,
      capacityPercent: 70,
      cooldownSeconds: 30,
      brokerNetworkBytesPerSec: 1e9,
    },
  };
  assert.deepEqual(balancerSettings(DEFAULT_CONFIG, spec), {
    auto: false,
    bandFraction: 0.05,
    capacityThreshold: 0.7,
    cooldownMs: 30_000,
    brokerNetworkBytesPerSec: 1e9,
  });
});
