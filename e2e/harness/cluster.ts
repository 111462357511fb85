// startCluster(): the whole system for e2e tests — the control plane as a child process (scripts/start.ts,
// PGlite and objects in a temp folder, local provider) and a local cluster of N real brokers (child processes
// of the local provider). Every address is loopback and every port ephemeral, except the control plane's own,
// which is picked free once and kept, because brokers are given it and a restarted control plane must be
// found at the same address.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrokerProcess, brokerProcessesOf, volumeFilesOf } from "./broker-processes.ts";
import { ControlPlaneProcess } from "./control-plane-process.ts";

export interface StartClusterOptions {
  /** Brokers of the cluster (default 3). 0: only the control plane; create clusters through the API. */
  brokers?: number;
  /** Default: a fresh folder under the OS temp dir, removed by stop(). One used before is reused (npm start). */
  dataDir?: string;
  /**
   * The control plane's port (default: a free one). Brokers are given this address, so a start on a data
   * folder used before must use the port of that earlier start.
   */
  port?: number;
  /** More environment for the control plane (see apps/control-plane/src/config.ts). */
  env?: Record<string, string>;
}

export interface ClusterBroker {
  brokerId: number;
  instanceId: string;
  host: string;
  port: number;
  /** The broker's process; undefined if it is not running. */
  pid: number | undefined;
}

/** A broker as GET /v1/clusters/:id/brokers lists it (the fields used here). */
interface BrokerItem {
  brokerId: number;
  instanceId: string;
  host: string;
  port: number;
  state: string;
}

export interface ApiAnswer<T> {
  status: number;
  body: T;
}

export interface StartedCluster {
  /** host:port,… of the brokers ("" without a cluster). */
  readonly bootstrap: string;
  readonly apiUrl: string;
  /** An admin API token. */
  readonly token: string;
  readonly clusterId: string | undefined;
  readonly dataDir: string;
  /** The cluster's live brokers by broker id, as of the last start, restart or refreshBrokers(). */
  brokers: ClusterBroker[];
  api<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<ApiAnswer<T>>;
  refreshBrokers(): Promise<ClusterBroker[]>;
  /** Stops broker i (SIGTERM); the fleet launches a replacement. Resolves with it once it serves. */
  restartBroker(i: number): Promise<ClusterBroker>;
  /** Sends a signal to broker i's process (default SIGKILL) and waits until it is gone. */
  killBroker(i: number, signal?: NodeJS.Signals): Promise<void>;
  /** Kills the control plane (default SIGKILL: brokers keep running, as after a crash). */
  killControlPlane(signal?: NodeJS.Signals): Promise<void>;
  /** Starts the control plane again on the same data folder and port. */
  restartControlPlane(): Promise<void>;
  /** Freezes every broker process (SIGSTOP) for `ms`, then lets them go on: all of them lose their lease at once. */
  pauseBrokers(ms: number): Promise<void>;
  /**
   * Freezes the control plane (SIGSTOP) for at least `ms` and while `during` runs, then lets it go on
   * (SIGCONT): a pause, a long GC, a live migration.
   */
  pauseControlPlane(ms: number, during?: () => Promise<void>): Promise<void>;
  /** Broker processes and WAL volume files the local provider has on this machine. */
  processes(): BrokerProcess[];
  volumes(): string[];
  /**
   * Stops the control plane with SIGTERM (it stops its brokers), kills anything it left (counted in
   * `orphans`: a correct system leaves 0) and removes the data folder if startCluster made it.
   */
  stop(): Promise<{ orphans: number }>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export async function startCluster(options: StartClusterOptions = {}): Promise<StartedCluster> {
  const brokerCount = options.brokers ?? 3;
  const ownDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), "cirrus-e2e-")));
  const port = options.port ?? (await freePort());
  const bootstrapToken = `cpt_e2e_${randomBytes(16).toString("hex")}`;
  const processOptions = { dataDir, port, adminToken: bootstrapToken, env: options.env ?? {} };
  let controlPlane = await ControlPlaneProcess.start({ ...processOptions, brokers: brokerCount });
  // A data folder used before keeps its first admin token, which start.ts prints again.
  const printed = controlPlane.lines.token ?? "";
  const token = /^\S+$/.test(printed) ? printed : bootstrapToken;
  const apiUrl = `http://127.0.0.1:${port}`;

  async function api<T>(method: string, path: string, body?: unknown): Promise<ApiAnswer<T>> {
    const response = await fetch(`${apiUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  }

  let clusterId: string | undefined;
  if (brokerCount > 0) {
    const list = await api<{ items: { id: string; name: string }[] }>("GET", "/v1/clusters");
    clusterId = list.body.items.find((c) => c.name === "local")?.id;
  }

  const cluster: StartedCluster = {
    bootstrap: controlPlane.lines.bootstrap ?? "",
    apiUrl,
    token,
    clusterId,
    dataDir,
    brokers: [],
    api,
    async refreshBrokers() {
      if (!clusterId) return [];
      const answer = await api<{ items: BrokerItem[] }>("GET", `/v1/clusters/${clusterId}/brokers`);
      const pids = new Map(brokerProcessesOf(dataDir).map((p) => [p.instanceId, p.pid]));
      this.brokers = answer.body.items
        .filter((b) => b.state === "ACTIVE" && pids.has(b.instanceId))
        .map((b) => ({
          brokerId: b.brokerId,
          instanceId: b.instanceId,
          host: b.host,
          port: b.port,
          pid: pids.get(b.instanceId),
        }))
        .sort((a, b) => a.brokerId - b.brokerId);
      return this.brokers;
    },
    async killBroker(i, signal = "SIGKILL") {
      const broker = this.brokers[i];
      if (!broker?.pid) throw new Error(`no running broker at index ${i}`);
      process.kill(broker.pid, signal);
      await waitFor(
        `broker ${broker.brokerId} to exit`,
        async () => !brokerProcessesOf(dataDir).some((p) => p.pid === broker.pid),
        30_000,
      );
    },
    async restartBroker(i) {
      const old = this.brokers[i];
      if (!old) throw new Error(`no broker at index ${i}`);
      const before = new Set(this.brokers.map((b) => b.instanceId));
      await this.killBroker(i, "SIGTERM");
      const count = this.brokers.length;
      return waitFor(
        "a replacement broker",
        async () => {
          const now = await this.refreshBrokers();
          return now.length >= count ? now.find((b) => !before.has(b.instanceId)) : undefined;
        },
        60_000,
      );
    },
    async killControlPlane(signal = "SIGKILL") {
      await controlPlane.stop(signal);
    },
    async pauseBrokers(ms) {
      const paused = brokerProcessesOf(dataDir);
      for (const p of paused) process.kill(p.pid, "SIGSTOP");
      try {
        await new Promise((resolve) => setTimeout(resolve, ms));
      } finally {
        for (const p of paused) process.kill(p.pid, "SIGCONT");
      }
    },
    async pauseControlPlane(ms, during) {
      controlPlane.child.kill("SIGSTOP");
      try {
        await Promise.all([new Promise((resolve) => setTimeout(resolve, ms)), during?.()]);
      } finally {
        controlPlane.child.kill("SIGCONT");
      }
    },
    async restartControlPlane() {
      if (!controlPlane.exited) throw new Error("the control plane is still running");
      controlPlane = await ControlPlaneProcess.start({ ...processOptions, brokers: 0 });
    },
    processes: () => brokerProcessesOf(dataDir),
    volumes: () => volumeFilesOf(dataDir),
    async stop() {
      await controlPlane.stop("SIGTERM");
      const left = brokerProcessesOf(dataDir);
      for (const p of left) {
        try {
          process.kill(p.pid, "SIGKILL");
        } catch {
          // already gone
        }
      }
      // CIRRUS_E2E_KEEP_DATA=1 keeps the folder (brokers' logs, the control plane's database) to look into.
      if (ownDir && !process.env.CIRRUS_E2E_KEEP_DATA) await rm(dataDir, { recursive: true, force: true });
      return { orphans: left.length };
    },
  };
  try {
    if (clusterId) await cluster.refreshBrokers();
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  return cluster;
}
