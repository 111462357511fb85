import { mkdirSync } from "node:fs";
import { chmod, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { LocalProvider, lockFolder } from "@cirrus/cloud";
import { eq } from "drizzle-orm";
import type { ClusterSpec } from "../../api-schemas/clusters.ts";
import { type ComposedControlPlane, composeControlPlane } from "../../composition.ts";
import { type Config, loadConfig } from "../../config.ts";
import type { ControlPlane } from "../../control-plane.ts";
import type { Database } from "../../db/database.ts";
import { clusters } from "../../db/schema.ts";
import { createCluster } from "../../services/clusters.ts";
import { tcpProbe } from "./cluster-convergence.ts";
import { fleetNameOf } from "./cluster-fleet.ts";
import type { Provisioner } from "./provisioner.ts";

export interface LocalSystemOptions {
  /** Absolute folder for everything: PGlite database, objects, the local provider's brokers and volumes. */
  dataDir: string;
  /**
   * Environment for the control plane's config (DATABASE_URL, HOST, PORT (0: any free port), LOG_LEVEL…;
   * see config.ts) and the providers' credentials. CIRRUS_DATA_DIR is `dataDir`.
   */
  env?: NodeJS.ProcessEnv;
  /**
   * Brokers of the default cluster, created when no cluster of that name exists. 0: the control plane
   * alone: no cluster is created and the steady loop starts no local broker, so a cluster whose brokers
   * an earlier stop() scaled to zero stays stopped (operations still run; see holdLocalFleets).
   */
  brokers: number;
  clusterName?: string;
  /** How long to wait for the default cluster's brokers to accept Kafka connections. Default 120 s. */
  readyTimeoutMs?: number;
  log?: (line: string) => void;
  /**
   * The broker's entry module for local brokers. The caller that knows both apps names it (scripts/start.ts:
   * the `@cirrus/broker/main` export); default: see BrokerLaunchOptions.brokerEntry.
   */
  brokerEntry?: string;
  /**
   * The release function of the data folder's lock (lockFolder(dataDir, DATA_DIR_LOCK)) when the caller
   * took it already (scripts/start.ts does, before loading this module); otherwise it is taken here.
   * Released by stop() or a failed start.
   */
  dataDirLock?: () => void;
}

export interface LocalSystem {
  readonly controlPlane: ControlPlane;
  readonly provisioner: Provisioner;
  /** http://host:port of the API (also what brokers call). */
  readonly url: string;
  /**
   * The default cluster's Kafka bootstrap, when one was asked for: its brokers' addresses (host:port,…) in
   * slot order. Local brokers keep their slot's ports, so this is the same at every start on the data folder.
   */
  readonly bootstrap: string | undefined;
  /**
   * The default cluster's one stable bootstrap address (host:port): a port of the local provider that forwards
   * to any live broker while this control plane runs (LocalProvider.bootstrapAddress).
   */
  readonly stableBootstrap: string | undefined;
  readonly clusterId: string | undefined;
  /** The first admin token, if this data folder still has it (`adminTokenFile`). */
  readonly adminToken: string | undefined;
  readonly adminTokenFile: string;
  /**
   * Stops every local broker (their fleets are scaled to zero, the next start scales them back), deletes
   * the WAL volumes of those that handed back, then stops the control plane, closes every provider it
   * created (clusters on aws or aliyun keep running) and releases the data folder.
   */
  stop(): Promise<void>;
}

/**
 * The default cluster: local provider, three zones, brokers on this machine, objects under the data folder
 * (or at OBJECT_STORE, e.g. s3://bucket/prefix?endpoint=…).
 */
export function defaultLocalSpec(dataDir: string, brokers: number, objectStoreUri?: string): ClusterSpec {
  return {
    provider: "local",
    region: "local",
    zones: ["local-a", "local-b", "local-c"],
    instanceTypes: ["local"],
    spot: { share: 0, onDemandBase: 0 },
    brokers: { min: brokers, max: Math.max(brokers, brokers * 2) },
    scaling: {
      highWatermarkBytesPerSec: 50_000_000,
      lowWatermarkBytesPerSec: 5_000_000,
      cooldownSeconds: 300,
    },
    objectStore: { uri: objectStoreUri ?? `file://${join(dataDir, "objects")}` },
    walVolumeGiB: 1,
  };
}

/** The data folder's lock (see lockFolder): one `npm start` per folder. */
export const DATA_DIR_LOCK = "cirrus.lock";

/**
 * What `npm start` runs: the whole control plane (composition.ts; PGlite and objects under `dataDir`, the
 * local provider there too) and a default local cluster, created on first start and reused after. Resolves
 * once its brokers accept Kafka connections. Brokers are given the API's address: with PORT=0 (any free
 * port) that is the port bound this time, so a later start on the same folder must come back on it (use
 * a fixed port, 8080 by default, for a folder you start again).
 *
 * The data folder is locked first, before anything in it is opened: a second start on the same folder
 * fails at once with CLOUD_CONFLICT, naming the folder and the pid of the process that has it (a lock
 * left by a killed process is taken over).
 */
export async function startLocalSystem(options: LocalSystemOptions): Promise<LocalSystem> {
  mkdirSync(options.dataDir, { recursive: true });
  const unlock = options.dataDirLock ?? lockFolder(options.dataDir, DATA_DIR_LOCK);
  try {
    return await startLocked(options, unlock);
  } catch (error) {
    unlock();
    throw error;
  }
}

async function startLocked(options: LocalSystemOptions, unlock: () => void): Promise<LocalSystem> {
  const env = options.env ?? process.env;
  const log = options.log ?? (() => {});
  const overrides: Partial<Config> = { dataDir: options.dataDir };
  if (!env.DATABASE_URL) overrides.databaseUrl = join(options.dataDir, "control-plane");
  const config = loadConfig(env, overrides);
  const composed = await composeControlPlane(config, {
    env,
    launch: { brokerEntry: options.brokerEntry },
    holdLocalFleets: options.brokers === 0,
  });
  const { controlPlane, provisioner, database } = composed;
  let url: string;
  try {
    url = await composed.listen();
  } catch (error) {
    // The port is taken (or the host unknown): no controller ran yet (they start once listening).
    await composed.close();
    throw error;
  }
  const adminTokenFile = join(options.dataDir, "admin-token");
  const adminToken = await rememberAdminToken(adminTokenFile, controlPlane.firstAdminToken);
  const stop = () => stopLocalSystem(composed, log).finally(unlock);
  try {
    let clusterId: string | undefined;
    let bootstrap: string | undefined;
    if (options.brokers > 0) {
      const name = options.clusterName ?? "local";
      clusterId = await ensureCluster(
        database,
        name,
        defaultLocalSpec(options.dataDir, options.brokers, env.OBJECT_STORE || undefined),
        log,
      );
      bootstrap = await waitForBrokers(
        database,
        clusterId,
        options.brokers,
        options.readyTimeoutMs ?? 120_000,
      );
    } else {
      await logHeldClusters(database, provisioner, log);
    }
    const local = clusterId
      ? provisioner.providers.providerFor({ provider: "local", region: "local" })
      : undefined;
    const stableBootstrap =
      local instanceof LocalProvider && clusterId
        ? local.bootstrapAddress(fleetNameOf(clusterId))
        : undefined;
    return {
      controlPlane,
      provisioner,
      url,
      bootstrap,
      stableBootstrap,
      clusterId,
      adminToken,
      adminTokenFile,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * The first admin token is shown once; a local data folder keeps it (mode 0600) so that every later
 * start can print it again. undefined when the folder's token was created elsewhere or the file is gone.
 */
async function rememberAdminToken(file: string, created: string | undefined): Promise<string | undefined> {
  if (created) {
    await writeFile(file, `${created}\n`, { mode: 0o600 });
    await chmod(file, 0o600);
    return created;
  }
  return (await readFile(file, "utf8").catch(() => undefined))?.trim() || undefined;
}

async function ensureCluster(database: Database, name: string, spec: ClusterSpec, log: (l: string) => void) {
  const [existing] = await database.db.select().from(clusters).where(eq(clusters.name, name));
  if (existing) {
    log(`reusing cluster ${name} (${existing.id}, ${existing.state})`);
    return existing.id;
  }
  const { cluster } = await createCluster(database.db, { name, spec, deletionProtection: true }, null);
  log(`created cluster ${name} (${cluster.id})`);
  return cluster.id;
}

/**
 * Polls the cluster until it is RUNNING with `count` brokers that accept TCP connections; returns their
 * addresses, each once, in port order: the slot order of local brokers, so the same list at every start.
 * (Brokers stopped by the last Ctrl-C stay in the cluster's list until their leases run out; their slots'
 * new brokers answer at the same addresses.)
 */
async function waitForBrokers(database: Database, clusterId: string, count: number, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  let last = "no cluster row";
  while (Date.now() < deadline) {
    const [row] = await database.db.select().from(clusters).where(eq(clusters.id, clusterId));
    if (!row) throw new Error(`cluster ${clusterId} disappeared`);
    if (row.state === "FAILED" || row.state === "DELETING")
      throw new Error(`cluster ${row.name} is ${row.state}`);
    const endpoints = row.bootstrap?.split(",") ?? [];
    if (row.state === "RUNNING" && endpoints.length >= count) {
      const reachable = await Promise.all(
        endpoints.map((e) =>
          tcpProbe(e.slice(0, e.lastIndexOf(":")), Number(e.slice(e.lastIndexOf(":") + 1))),
        ),
      );
      if (reachable.every(Boolean)) return inPortOrder(endpoints);
    }
    last = `${row.state}, bootstrap ${row.bootstrap ?? "none"}`;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`brokers not ready within ${timeoutMs} ms (${last})`);
}

function inPortOrder(endpoints: readonly string[]): string {
  const port = (e: string) => Number(e.slice(e.lastIndexOf(":") + 1));
  return [...new Set(endpoints)].sort((a, b) => port(a) - port(b) || a.localeCompare(b)).join(",");
}

/** CIRRUS_START_BROKERS=0: says, once, that the control plane runs alone and what that leaves stopped. */
async function logHeldClusters(database: Database, provisioner: Provisioner, log: (l: string) => void) {
  const rows = await database.db.select().from(clusters);
  const held: string[] = [];
  for (const cluster of rows) {
    const spec = cluster.spec as ClusterSpec;
    if (spec.provider !== "local" || cluster.state === "DELETING") continue;
    const fleet = await provisioner.providers
      .providerFor(spec)
      .describeFleet(fleetNameOf(cluster.id))
      .catch(() => undefined);
    held.push(`${cluster.name} (${fleet ? `${fleet.desiredCapacity} brokers` : "no fleet"})`);
  }
  log(
    "CIRRUS_START_BROKERS=0: control plane only: local clusters stopped by an earlier Ctrl-C stay stopped" +
      (held.length > 0 ? `; local clusters: ${held.join(", ")}` : ""),
  );
}

/**
 * Stops the controllers first (so nothing scales the fleets back up), then scales every local fleet to
 * zero while the API still answers (brokers upload their WAL tail and close their streams on SIGTERM),
 * waits for the brokers to exit, deletes the WAL volumes of those that handed back (their records are in
 * object storage; a broker that did not hand back keeps its volume for failover on the next start), then
 * closes the composition: the control plane, every provider (aws, aliyun: their clusters keep running) and
 * the database.
 */
async function stopLocalSystem(composed: ComposedControlPlane, log: (l: string) => void): Promise<void> {
  const { controlPlane, provisioner } = composed;
  await controlPlane.runner.stop();
  const local = provisioner.providers.providerFor({ provider: "local", region: "local" });
  if (local instanceof LocalProvider) {
    for (const name of local.fleetNames()) {
      await local.updateFleet(name, { minSize: 0, desiredCapacity: 0 }).catch(() => {}); // deleting: going anyway
    }
    const deadline = Date.now() + 30_000;
    for (;;) {
      let left = 0;
      for (const name of local.fleetNames()) left += (await local.listInstances(name).catch(() => [])).length;
      if (left === 0) break;
      if (Date.now() > deadline) {
        log(`${left} brokers still running after 30 s`);
        break;
      }
      await local.reconcileNow();
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    try {
      const released = await provisioner.releaseVolumes("local");
      if (released.length > 0) log(`deleted ${released.length} WAL volumes of brokers that handed back`);
    } catch (error) {
      log(`WAL volumes not released (the next start does it): ${String(error)}`);
    }
  }
  await composed.close();
}
