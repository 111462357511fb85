// Control-plane metadata path and API reads, against a control plane running as its own process
// (control-plane-api-server.ts: ControlPlane.start without the provisioner), as brokers see it. (1) Object commits per second: concurrent
// writers, each cycle = prepareObjects + commitStreamSetObject (4 streams per object), over HTTP with
// ControlPlaneClient, and directly on DbObjectManager in this process (the metadata path without
// HTTP: the ceiling in the same run); reference: 500 commits/s on PostgreSQL (issue 5). (2) API read
// latency at a fixed 200 requests/s (open loop: sent on schedule whatever the answers do) on
// GET /v1/clusters/:id and /v1/clusters/:id/topics, against /healthz (no database) as the floor.
// PostgreSQL when TEST_DATABASE_URL or DATABASE_URL is set (a database of its own, dropped after),
// PGlite otherwise (a temp folder for the server; in-memory for the direct run).
import { spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { ControlPlaneClient } from "@cirrus/broker-api";
import { DbObjectManager, openDatabase } from "@cirrus/control-plane";
import type { ObjectManager } from "@cirrus/s3stream";
import pg from "pg";

const quick = process.env.CIRRUS_BENCH_QUICK === "1";
const commitSeconds = quick ? 4 : 15;
const readSeconds = quick ? 5 : 30;
const writers = 16;
const streamsPerObject = 4;
const readRate = 200;
const ADMIN = `cpt_bench_${randomBytes(16).toString("hex")}`;

const percentile = (xs: number[], p: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? Number.NaN;
};
const round = (x: number) => Math.round(x * 100) / 100;

async function withDatabase(): Promise<{ kind: string; url: string; drop(): Promise<void> }> {
  const base = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
  if (!base) {
    const dir = mkdtempSync(join(tmpdir(), "cirrus-cp-bench-"));
    return {
      kind: "pglite",
      url: join(dir, "db"),
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const url = new URL(base);
  const name = `cirrus_bench_${process.pid}_${randomBytes(3).toString("hex")}`;
  const admin = async (text: string) => {
    const client = new pg.Client({ connectionString: base });
    await client.connect();
    try {
      await client.query(text);
    } finally {
      await client.end();
    }
  };
  await admin(`create database "${name}"`);
  url.pathname = `/${name}`;
  return {
    kind: "postgres",
    url: url.toString(),
    drop: () => admin(`drop database if exists "${name}" with (force)`),
  };
}

/** `writers` concurrent loops of prepare + commit for `seconds`; returns completed cycles per second. */
async function commitRate(manager: ObjectManager, nodeId: number, seconds: number): Promise<number> {
  const lanes = await Promise.all(
    Array.from({ length: writers }, async () => {
      const ids: number[] = [];
      for (let i = 0; i < streamsPerObject; i++) {
        const { streamId } = await manager.createStream();
        await manager.openStream(streamId, 1, nodeId);
        ids.push(streamId);
      }
      return { ids, offset: 0 };
    }),
  );
  // The first second only warms up (JIT, connection pools) and is not counted.
  let done = 0;
  let started = performance.now();
  const warmUntil = started + 1000;
  const deadline = warmUntil + seconds * 1000;
  setTimeout(() => {
    done = 0;
    started = performance.now();
  }, 1000);
  await Promise.all(
    lanes.map(async (lane) => {
      while (performance.now() < deadline) {
        const objectId = await manager.prepareObjects(1, 60_000);
        await manager.commitStreamSetObject({
          objectId,
          objectSize: streamsPerObject * 1000,
          nodeId,
          nodeEpoch: 1,
          ranges: lane.ids.map((streamId, i) => ({
            streamId,
            streamEpoch: 1,
            startOffset: lane.offset,
            endOffset: lane.offset + 100,
            position: i * 1000,
            length: 1000,
          })),
          streamObjects: [],
          compactedObjectIds: [],
        });
        lane.offset += 100;
        done++;
      }
    }),
  );
  return done / ((performance.now() - started) / 1000);
}

/** Sends GETs at a fixed rate for `seconds`, cycling through `paths`; returns latencies (ms) and errors. */
async function readLatencies(baseUrl: string, paths: string[], seconds: number) {
  const latencies: number[] = [];
  let errors = 0;
  const total = readRate * seconds;
  const started = performance.now();
  const inflight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / readRate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const sent = performance.now();
    inflight.push(
      fetch(baseUrl + paths[i % paths.length], { headers: { authorization: `Bearer ${ADMIN}` } }).then(
        async (response) => {
          await response.arrayBuffer();
          if (response.status !== 200) errors++;
          latencies.push(performance.now() - sent);
        },
        () => {
          errors++;
        },
      ),
    );
  }
  await Promise.all(inflight);
  return { latencies, errors, achievedRate: total / ((performance.now() - started) / 1000) };
}

/** Starts the control plane as a child process and resolves with its URL once it listens. */
async function startControlPlane(databaseUrl: string) {
  const entry = join(import.meta.dirname, "control-plane-api-server.ts");
  const child = spawn(process.execPath, [entry], {
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      CIRRUS_SECRETS_KEY: randomBytes(32).toString("base64"),
      PORT: "0",
      BOOTSTRAP_ADMIN_TOKEN: ADMIN,
      RATE_LIMIT_PER_MINUTE: "1000000",
      LOG_LEVEL: "error",
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the control plane did not start in 60 s")), 60_000);
    child.once("exit", (code) => reject(new Error(`the control plane exited with ${code}`)));
    createInterface({ input: child.stdout! }).on("line", (line) => {
      const match = /^console: (http:\/\/\S+?)\/?$/.exec(line);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
  });
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

const spec = {
  provider: "local",
  region: "local",
  zones: ["a"],
  instanceTypes: ["local"],
  spot: { share: 0, onDemandBase: 1 },
  brokers: { min: 1, max: 3 },
  scaling: { highWatermarkBytesPerSec: 100_000_000, lowWatermarkBytesPerSec: 1_000_000, cooldownSeconds: 60 },
  objectStore: { uri: "mem://bench" },
  walVolumeGiB: 1,
};

const db = await withDatabase();
try {
  const server = await startControlPlane(db.url);
  let httpRate: number;
  let reads: Awaited<ReturnType<typeof readLatencies>>;
  let floor: Awaited<ReturnType<typeof readLatencies>>;
  let clusterId: string;
  let brokerId: number;
  try {
    const baseUrl = server.url;
    const created = (await (
      await fetch(`${baseUrl}/v1/clusters`, {
        method: "POST",
        headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" },
        body: JSON.stringify({ name: "bench", spec }),
      })
    ).json()) as { cluster: { id: string }; brokerToken: string };
    clusterId = created.cluster.id;
    const client = new ControlPlaneClient({ baseUrl, token: created.brokerToken });
    const registered = await client.register({
      instanceId: "bench-1",
      zone: "a",
      host: "127.0.0.1",
      port: 9092,
    });
    brokerId = registered.brokerId;
    // Like a real broker: keep the lease, or the lease controller fences the node and its commits.
    const heartbeats = setInterval(
      () => void client.heartbeat(registered.brokerId, { epoch: registered.epoch }).catch(() => {}),
      registered.leaseMs / 3,
    );
    try {
      await client.createTopic({ name: "bench-topic", partitions: 16 });
      httpRate = await commitRate(client, brokerId, commitSeconds);
      // Reads are measured on a live cluster: the broker keeps heartbeating meanwhile.
      floor = await readLatencies(baseUrl, ["/healthz"], Math.max(2, Math.floor(readSeconds / 3)));
      reads = await readLatencies(
        baseUrl,
        [`/v1/clusters/${clusterId}`, `/v1/clusters/${clusterId}/topics`],
        readSeconds,
      );
    } finally {
      clearInterval(heartbeats);
    }
  } finally {
    await server.stop();
  }

  // The same workload on DbObjectManager in this process: PostgreSQL on the same database, PGlite in memory.
  const direct = await openDatabase({ url: db.kind === "postgres" ? db.url : "memory://", poolSize: 20 });
  let directRate: number;
  try {
    const manager = new DbObjectManager({
      db: direct.db,
      clusterId: db.kind === "postgres" ? randomUUID() : clusterId,
    });
    directRate = await commitRate(manager, brokerId + 1000, commitSeconds);
  } finally {
    await direct.close();
  }

  console.log(
    JSON.stringify({
      bench: "control-plane-api",
      quick,
      database: db.kind,
      commits: {
        writers,
        streamsPerObject,
        seconds: commitSeconds,
        httpPerSec: round(httpRate),
        directPerSec: round(directRate),
        reference: 500,
        httpRatioToReference: round(httpRate / 500),
        httpRatioToDirect: round(httpRate / directRate),
      },
      reads: {
        targetRate: readRate,
        achievedRate: round(reads.achievedRate),
        requests: reads.latencies.length,
        errors: reads.errors,
        p50Ms: round(percentile(reads.latencies, 50)),
        p99Ms: round(percentile(reads.latencies, 99)),
        floorHealthzP50Ms: round(percentile(floor.latencies, 50)),
        floorHealthzP99Ms: round(percentile(floor.latencies, 99)),
        p99RatioToFloor: round(percentile(reads.latencies, 99) / percentile(floor.latencies, 99)),
      },
    }),
  );
} finally {
  await db.drop();
}
