import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LocalProvider, type LocalProviderOptions } from "../../src/local/local-provider.ts";
import type { FleetSpec } from "../../src/provider.ts";

export const TINY_BROKER = join(import.meta.dirname, "..", "fixtures", "tiny-broker.ts");

export function tempDataDir(): string {
  return mkdtempSync(join(tmpdir(), "cirrus-cloud-local-"));
}

export function openLocal(dataDir: string, extra: Partial<LocalProviderOptions> = {}): LocalProvider {
  return new LocalProvider({ dataDir, tickMs: 50, stopGraceMs: 500, metricsIntervalMs: 100, ...extra });
}

export function tinyFleet(name: string, overrides: Partial<FleetSpec> = {}): FleetSpec {
  return {
    name,
    minSize: 0,
    maxSize: 4,
    desiredCapacity: 1,
    zones: ["local-a"],
    instanceTypes: ["local.small"],
    onDemandBaseCapacity: 0,
    onDemandPercentageAboveBase: 0,
    capacityRebalance: false,
    launch: { command: process.execPath, args: [TINY_BROKER], env: {} },
    ...overrides,
  };
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Deletes every fleet, waits for the brokers to go, closes the provider and removes the folder. */
export async function teardown(provider: LocalProvider, dataDir: string): Promise<void> {
  for (const name of provider.fleetNames()) await provider.deleteFleet(name).catch(() => {});
  const deadline = Date.now() + 5000;
  while (provider.fleetNames().length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    await provider.reconcileNow();
  }
  await provider.close();
  rmSync(dataDir, { recursive: true, force: true });
}
