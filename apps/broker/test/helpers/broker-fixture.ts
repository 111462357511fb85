// A broker started in this process against the test control plane, on loopback and ephemeral ports.
import { join } from "node:path";
import type { BrokerConfig } from "../../src/config.ts";
import { type BrokerHandle, startBroker } from "../../src/index.ts";
import type { TestControlPlane } from "./control-plane.ts";

export type ClusterAccess = Pick<TestControlPlane, "baseUrl" | "brokerToken" | "dataDir">;

export function testBrokerConfig(cp: ClusterAccess, name: string, overrides: Partial<BrokerConfig> = {}) {
  return {
    instanceId: name,
    kafkaHost: "127.0.0.1",
    kafkaPort: 0,
    adminHost: "127.0.0.1",
    adminPort: 0,
    controlPlaneUrl: cp.baseUrl,
    brokerToken: cp.brokerToken,
    dataDir: join(cp.dataDir, name),
    objectStore: `file://${join(cp.dataDir, "objects")}`,
    walCapacityBytes: 64 * 1024 * 1024,
    ...overrides,
  } satisfies Partial<BrokerConfig>;
}

export function startTestBroker(
  cp: ClusterAccess,
  name: string,
  overrides: Partial<BrokerConfig> = {},
): Promise<BrokerHandle> {
  return startBroker(testBrokerConfig(cp, name, overrides), { log: () => {} });
}

/** Resolves once `check` returns true (polling), or rejects after timeoutMs. */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
  what = "condition",
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
