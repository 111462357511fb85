// The real control plane, started in this process on an in-memory PGlite database, with one local cluster
// whose broker credential the brokers under test use.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Config, ControlPlane, type Database, loadConfig } from "@cirrus/control-plane";

/** The control plane's first admin token (the public API: clusters, brokers). */
export const ADMIN = "cpt_broker-tests-admin-token-0123456789";

export interface TestControlPlane {
  readonly baseUrl: string;
  readonly brokerToken: string;
  readonly clusterId: string;
  /** A temp folder for broker data (WAL, objects), removed by close(). */
  readonly dataDir: string;
  /** The control plane's database (what its provisioner would record, e.g. a WAL volume attached for an instance). */
  readonly database: Database;
  /** Another cluster on the same control plane: brokers of different clusters never see each other. */
  newCluster(
    name: string,
    spec?: Record<string, unknown>,
  ): Promise<Omit<TestControlPlane, "close" | "newCluster">>;
  close(): Promise<void>;
}

export async function startControlPlane(
  options: { leaseMs?: number; config?: Partial<Config> } = {},
): Promise<TestControlPlane> {
  const dataDir = mkdtempSync(join(tmpdir(), "cirrus-broker-test-"));
  const config = loadConfig(
    {},
    {
      databaseUrl: "memory://",
      host: "127.0.0.1",
      port: 0,
      logLevel: "silent",
      leaseMs: options.leaseMs ?? 3_000,
      reconcileIntervalMs: 100,
      bootstrapAdminToken: ADMIN,
      ...options.config,
    },
  );
  const cp = await ControlPlane.start({ config });
  const baseUrl = await cp.listen();
  const cluster = await createCluster(baseUrl, "broker-tests", dataDir);
  return {
    baseUrl,
    brokerToken: cluster.brokerToken,
    clusterId: cluster.clusterId,
    dataDir,
    database: cp.database,
    newCluster: async (name, spec) => {
      const other = await createCluster(baseUrl, name, dataDir, spec);
      return { ...other, baseUrl, dataDir: join(dataDir, name), database: cp.database };
    },
    close: async () => {
      await cp.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function createCluster(
  baseUrl: string,
  name: string,
  dataDir: string,
  /** Spec fields over the local defaults (e.g. another provider and region). */
  spec: Record<string, unknown> = {},
): Promise<{ brokerToken: string; clusterId: string }> {
  const response = await fetch(`${baseUrl}/v1/clusters`, {
    method: "POST",
    headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" },
    body: JSON.stringify({
      name,
      spec: {
        provider: "local",
        region: "local",
        zones: ["zone-a"],
        instanceTypes: ["local"],
        spot: { share: 0, onDemandBase: 1 },
        brokers: { min: 1, max: 3 },
        scaling: {
          highWatermarkBytesPerSec: 100_000_000,
          lowWatermarkBytesPerSec: 10_000_000,
          cooldownSeconds: 300,
        },
        objectStore: { uri: `file://${join(dataDir, "objects")}` },
        walVolumeGiB: 1,
        ...spec,
      },
    }),
  });
  if (response.status !== 202)
    throw new Error(`creating the test cluster: ${response.status} ${await response.text()}`);
  const body = (await response.json()) as { cluster: { id: string }; brokerToken: string };
  return { brokerToken: body.brokerToken, clusterId: body.cluster.id };
}
