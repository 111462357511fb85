import { readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { LocalProvider } from "@cirrus/cloud";
import type { FakeAliyunAccount, FakeAwsAccount } from "@cirrus/cloud/emulators";
import { eq } from "drizzle-orm";
import type { ClusterSpec } from "../../../src/api-schemas/clusters.ts";
import { clusterDeletionHandler } from "../../../src/controllers/cluster-deletion.ts";
import { ControllerRunner } from "../../../src/controllers/controller-runner.ts";
import {
  createProvisioner,
  fleetNameOf,
  type Provisioner,
} from "../../../src/controllers/provisioner/index.ts";
import type { Database } from "../../../src/db/database.ts";
import { brokers } from "../../../src/db/schema.ts";
import { AssignmentNotifier } from "../../../src/services/assignment-notifier.ts";
import { registerBroker } from "../../../src/services/brokers.ts";
import { getOperation, type Operation } from "../../../src/services/operations.ts";
import { createTestDatabase, type TestDatabase } from "../../helpers/test-database.ts";

export const STAND_IN_BROKER = fileURLToPath(new URL("./fixtures/stand-in-broker.ts", import.meta.url));

export function localSpec(overrides: Partial<ClusterSpec> = {}): ClusterSpec {
  return {
    provider: "local",
    region: "local",
    zones: ["local-a", "local-b"],
    instanceTypes: ["local"],
    spot: { share: 0, onDemandBase: 0 },
    brokers: { min: 2, max: 4 },
    scaling: {
      highWatermarkBytesPerSec: 100_000_000,
      lowWatermarkBytesPerSec: 1_000_000,
      cooldownSeconds: 60,
    },
    objectStore: { uri: "mem://provisioner-test" },
    walVolumeGiB: 1,
    ...overrides,
  };
}

/** localSpec on an emulated AWS account: its region, zones and subnets (one per zone). */
export function awsSpecOn(account: FakeAwsAccount): ClusterSpec {
  return localSpec({
    provider: "aws",
    region: "us-east-1",
    zones: [...account.zones],
    aws: {
      imageId: "ami-0123456789abcdef0",
      subnets: Object.fromEntries([...account.subnets].map(([subnet, zone]) => [zone, subnet])),
      securityGroupIds: ["sg-0123456789abcdef0"],
    },
  });
}

/** localSpec on an emulated Alibaba Cloud account: its region, zones and vSwitches (one per zone). */
export function aliyunSpecOn(account: FakeAliyunAccount): ClusterSpec {
  return localSpec({
    provider: "aliyun",
    region: account.regionId,
    zones: [...account.zones],
    aliyun: {
      imageId: "aliyun_3_x64_20G_alibase_20240819.vhd",
      vSwitches: Object.fromEntries([...account.vSwitches].map(([vsw, zone]) => [zone, vsw])),
      securityGroupId: "sg-bp1abc",
    },
  });
}

interface KitOptions {
  readyTimeoutMs: number;
  brokerEntry: string;
  /** The provisioner's holdLocalFleets (npm start with CIRRUS_START_BROKERS=0). */
  holdLocalFleets?: boolean;
}

/**
 * A provisioner on a fresh database and a local provider in a temp folder, with a runner that the
 * test drives pass by pass. `restart()` drops the runner and providers as a killed control plane
 * would (nothing is stopped: brokers keep running) and builds new ones on the same state.
 */
export class ProvisionerKit {
  readonly dataDir: string;
  readonly testDb: TestDatabase;
  readonly notifier = new AssignmentNotifier();
  provisioner!: Provisioner;
  runner!: ControllerRunner;
  #options: KitOptions;

  private constructor(dataDir: string, testDb: TestDatabase, options: KitOptions) {
    this.dataDir = dataDir;
    this.testDb = testDb;
    this.#options = options;
    this.#wire();
  }

  static async open(
    options: { readyTimeoutMs?: number; brokerEntry?: string; backend?: "pglite" | "postgres" } = {},
  ): Promise<ProvisionerKit> {
    const dataDir = await mkdtemp(join(tmpdir(), "cirrus-provisioner-"));
    const testDb = await createTestDatabase(options.backend ?? "pglite");
    return new ProvisionerKit(dataDir, testDb, {
      readyTimeoutMs: options.readyTimeoutMs ?? 60_000,
      brokerEntry: options.brokerEntry ?? STAND_IN_BROKER,
    });
  }

  get database(): Database {
    return this.testDb.database;
  }

  get local(): LocalProvider {
    return this.provisioner.providers.providerFor({ provider: "local", region: "local" }) as LocalProvider;
  }

  #wire(): void {
    const db = this.database.db;
    this.provisioner = createProvisioner({
      db,
      launch: { controlPlaneUrl: "http://127.0.0.1:9", brokerEntry: this.#options.brokerEntry },
      providerRegistry: {
        localDataDir: this.dataDir,
        create: () => new LocalProvider({ dataDir: this.dataDir, tickMs: 100, stopGraceMs: 1_000 }),
      },
      readyTimeoutMs: this.#options.readyTimeoutMs,
      minIntervalMs: { local: 0 },
      holdLocalFleets: this.#options.holdLocalFleets === true,
    });
    this.runner = new ControllerRunner({ db, now: Date.now, log: () => {} }, { intervalMs: 50 });
    for (const controller of this.provisioner.controllers()) this.runner.addController(controller);
    for (const handler of this.provisioner.operationHandlers({ notifier: this.notifier }))
      this.runner.addOperationHandler(handler);
    this.runner.addOperationHandler(
      clusterDeletionHandler({ notifier: this.notifier, deprovision: this.provisioner.deprovision }),
    );
  }

  /** Runs passes until `done` holds (checked after each pass) or `timeoutMs` passes. */
  async runUntil<T>(done: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await this.runner.runOnce();
      const value = await done();
      if (value !== undefined && value !== false) return value;
      if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async operation(id: string): Promise<Operation> {
    const op = await getOperation(this.database.db, id);
    if (!op) throw new Error(`operation ${id} is gone`);
    return op;
  }

  /**
   * As if the control plane were SIGKILLed and started again: new providers and runner, same state
   * (`holdLocalFleets`: the new one's, as CIRRUS_START_BROKERS=0 would set it).
   */
  async restart(options: { holdLocalFleets?: boolean } = {}): Promise<void> {
    await this.provisioner.close();
    this.#options = { ...this.#options, holdLocalFleets: options.holdLocalFleets };
    this.#wire();
  }

  async close(): Promise<void> {
    // Leave no broker behind: delete every local fleet, wait for its processes to end.
    const local = this.local;
    for (const name of local.fleetNames()) await local.deleteFleet(name);
    const deadline = Date.now() + 10_000;
    while (local.fleetNames().length > 0 && Date.now() < deadline) {
      await local.reconcileNow();
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    // Safety net: under heavy load a launch racing the deletion has been seen to outlive it (an orphan broker
    // entry waiting for its volume); no process of this kit may outlive the suite.
    for (const pid of brokerProcesses(this.dataDir)) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    await this.provisioner.close();
    await this.testDb.drop();
    await rm(this.dataDir, { recursive: true, force: true });
  }
}

/** Pids of live processes started by the local provider rooted at `dataDir` (scans /proc: Linux only). */
export function brokerProcesses(dataDir: string): number[] {
  const root = join(dataDir, "cloud-local");
  const pids: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const environ = readFileSync(`/proc/${name}/environ`, "utf8");
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      if (stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z")) continue;
      if (environ.split("\0").includes(`CIRRUS_LOCAL_ROOT=${root}`)) pids.push(Number(name));
    } catch {
      // gone, or not ours to read
    }
  }
  return pids;
}

/** Volume files in the local provider's pool. */
export function volumeFiles(dataDir: string): string[] {
  try {
    return readdirSync(join(dataDir, "cloud-local", "volumes")).filter((n) => n.endsWith(".img"));
  } catch {
    return [];
  }
}

/** What the stand-in broker of an instance recorded of its environment; undefined until it started. */
export function brokerEnv(kit: ProvisionerKit, instanceId: string): Record<string, string> | undefined {
  try {
    const path = join(kit.dataDir, "cloud-local", "instances", instanceId, "data", "env.json");
    return JSON.parse(readFileSync(path, "utf8"));
  } catch {
    return undefined;
  }
}

/**
 * Registers every started, not yet registered instance of the cluster's fleet, once, as its broker
 * would at start-up (the stand-in does not).
 */
export async function registerFleet(kit: ProvisionerKit, clusterId: string): Promise<number> {
  const instances = await kit.local.listInstances(fleetNameOf(clusterId));
  const rows = await kit.database.db.select().from(brokers).where(eq(brokers.clusterId, clusterId));
  const known = new Set(rows.map((b) => b.instanceId));
  let registered = 0;
  for (const instance of instances) {
    const env = brokerEnv(kit, instance.id);
    if (instance.state !== "running" || !env || known.has(instance.id)) continue;
    await registerBroker(
      kit.database.db,
      clusterId,
      {
        instanceId: instance.id,
        zone: instance.zone,
        host: "127.0.0.1",
        port: instance.ports!.kafka,
        volumeId: env.CIRRUS_VOLUME_ID!,
      },
      30_000,
    );
    registered++;
  }
  return registered;
}
