import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LocalProvider } from "../../src/local/local-provider.ts";
import { eventually } from "./eventually.ts";
import { runProviderConformance } from "./provider-conformance.ts";

const TINY_BROKER = join(import.meta.dirname, "..", "fixtures", "tiny-broker.ts");

runProviderConformance("local (real processes)", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "cirrus-cloud-conf-"));
  const provider = new LocalProvider({ dataDir, tickMs: 100, stopGraceMs: 1000, metricsIntervalMs: 200 });
  return {
    provider,
    zones: ["local-a", "local-b"],
    volumeTypes: { single: "file", multi: "shared-file" },
    convergeMs: 10_000,
    trafficWindowMs: 1500,
    rateWindowSeconds: 1,
    fleetSpec: (name, sizes) => ({
      name,
      minSize: sizes.min,
      maxSize: sizes.max,
      desiredCapacity: sizes.desired,
      zones: ["local-a", "local-b"],
      instanceTypes: ["local.small"],
      onDemandBaseCapacity: 0,
      onDemandPercentageAboveBase: 100,
      capacityRebalance: false,
      launch: { command: process.execPath, args: [TINY_BROKER], env: {} },
    }),
    reclaimSpot: (id) => provider.simulateSpotReclaim(id, 500),
    driveTraffic: async (id, inRate, outRate) => {
      const instance = (await findInstance(provider, id))!;
      // "running" means the process started; the broker may need a moment to listen.
      await eventually(
        "admin port up",
        async () => {
          const url = `http://127.0.0.1:${instance.ports!.admin}/traffic?in=${inRate}&out=${outRate}`;
          return (await fetch(url, { method: "POST" })).ok ? true : undefined;
        },
        5000,
      );
    },
    close: async () => {
      for (const fleet of await listFleets(provider)) await provider.deleteFleet(fleet);
      await provider.reconcileNow();
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await provider.reconcileNow();
      await provider.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
});

async function findInstance(provider: LocalProvider, id: string) {
  for (const fleet of await listFleets(provider)) {
    const found = (await provider.listInstances(fleet)).find((i) => i.id === id);
    if (found) return found;
  }
  return undefined;
}

async function listFleets(provider: LocalProvider): Promise<string[]> {
  return provider.fleetNames();
}
