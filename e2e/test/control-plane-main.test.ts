// The control plane as production runs it: `apps/control-plane/src/main.ts` alone as a process (no npm start,
// no default cluster) on a real PostgreSQL, with PORT=0. Everything goes through its REST API: a local cluster
// is created (cluster.create must SUCCEED and its brokers turn ACTIVE), records are produced and acknowledged,
// one broker is SIGKILLed (its broker.failover must SUCCEED and every acknowledged record stay readable), and
// the cluster is deleted with no broker process or WAL volume file left. Before composition.ts, main.ts ran
// neither the provisioner nor failover: cluster.create stayed PENDING forever.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { brokerProcessesOf, volumeFilesOf } from "../harness/broker-processes.ts";
import { produceCountingAcks, readWholeTopic } from "../harness/clients/acked-producer.ts";
import { sharedBrokerBundle } from "../harness/cloud-instance/broker-bundle.ts";
import { waitFor } from "../harness/cluster.ts";
import { ControlPlaneMain } from "../harness/control-plane-main.ts";
import { PostgresServer, postgresBinDir } from "../harness/postgres-server.ts";

const LEASE_MS = 3_000;
const PARTITIONS = 6;
const TOKEN = `cpt_e2e_${randomBytes(16).toString("hex")}`;

interface OperationView {
  id: string;
  type: string;
  status: string;
  input: Record<string, unknown>;
  steps: { name: string; status: string; error: string | null }[];
  error: { code: string; message: string } | null;
}

interface BrokerView {
  brokerId: number;
  instanceId: string;
  host: string;
  port: number;
  state: string;
}

function spec(dataDir: string, brokers: number) {
  return {
    provider: "local",
    region: "local",
    zones: ["local-a", "local-b", "local-c"],
    instanceTypes: ["local"],
    spot: { share: 0, onDemandBase: 0 },
    brokers: { min: brokers, max: brokers },
    scaling: {
      highWatermarkBytesPerSec: 50_000_000,
      lowWatermarkBytesPerSec: 5_000_000,
      cooldownSeconds: 300,
    },
    objectStore: { uri: `file://${join(dataDir, "objects")}` },
    walVolumeGiB: 1,
  };
}

const skip = postgresBinDir() ? false : "no PostgreSQL server installed (/usr/lib/postgresql/*/bin/pg_ctl)";

describe("main.ts alone runs a cluster's whole life", { skip, timeout: 300_000 }, () => {
  let pg: PostgresServer;
  let dataDir: string;
  let main: ControlPlaneMain;

  async function api<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const response = await fetch(main.url + path, {
      method,
      headers: {
        authorization: `Bearer ${TOKEN}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? null : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  }

  /** Waits until operation `id` finishes; asserts it SUCCEEDED (a FAILED one shows its steps and error). */
  async function succeeded(id: string, timeoutMs: number): Promise<OperationView> {
    const op = await waitFor(
      `operation ${id} to finish`,
      async () => {
        const answer = await api<OperationView>("GET", `/v1/operations/${id}`);
        return answer.body.status === "SUCCEEDED" || answer.body.status === "FAILED"
          ? answer.body
          : undefined;
      },
      timeoutMs,
    );
    assert.equal(
      op.status,
      "SUCCEEDED",
      `${op.type}: ${JSON.stringify({ error: op.error, steps: op.steps })}`,
    );
    return op;
  }

  async function activeBrokers(clusterId: string): Promise<BrokerView[]> {
    const answer = await api<{ items: BrokerView[] }>("GET", `/v1/clusters/${clusterId}/brokers`);
    return answer.body.items.filter((b) => b.state === "ACTIVE");
  }

  before(async () => {
    pg = await PostgresServer.start();
    dataDir = await mkdtemp(join(tmpdir(), "cirrus-e2e-main-"));
    main = await ControlPlaneMain.start({
      env: {
        DATABASE_URL: pg.url,
        // PostgreSQL requires the key that seals the control plane's stored secrets.
        CIRRUS_SECRETS_KEY: randomBytes(32).toString("base64"),
        CIRRUS_DATA_DIR: dataDir,
        // The bundle cloud brokers would boot from: the run's shared one, rather than one built at this start.
        CIRRUS_BROKER_BUNDLE: (await sharedBrokerBundle()).path,
        HOST: "127.0.0.1",
        PORT: "0",
        BOOTSTRAP_ADMIN_TOKEN: TOKEN,
        BROKER_LEASE_MS: String(LEASE_MS),
        RECONCILE_INTERVAL_MS: "200",
        LOG_LEVEL: "error",
      },
    });
  });

  after(async () => {
    const code = await main?.stop("SIGTERM");
    // Whatever the test did, leave no broker of this folder running.
    for (const broker of dataDir ? brokerProcessesOf(dataDir) : []) process.kill(broker.pid, "SIGKILL");
    await pg?.destroy();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
    assert.equal(code, 0, `main.ts exits cleanly on SIGTERM: ${main?.output}`);
  });

  test("create → produce → SIGKILL a broker → failover → delete, through the REST API", async () => {
    assert.match(main.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.doesNotMatch(main.url, /:0$/, "PORT=0 listens on a free port");

    const created = await api<{ cluster: { id: string }; operation: { id: string; type: string } }>(
      "POST",
      "/v1/clusters",
      { name: "main-only", spec: spec(dataDir, 3), deletionProtection: false },
    );
    assert.equal(created.status, 202, JSON.stringify(created.body));
    assert.equal(created.body.operation.type, "cluster.create");
    const clusterId = created.body.cluster.id;
    await succeeded(created.body.operation.id, 90_000);
    const brokers = await waitFor(
      "three ACTIVE brokers",
      async () => {
        const active = await activeBrokers(clusterId);
        return active.length === 3 ? active : undefined;
      },
      60_000,
    );
    assert.equal(brokerProcessesOf(dataDir).length, 3, JSON.stringify(brokerProcessesOf(dataDir)));

    const topic = "main-only";
    const topicAnswer = await api("POST", `/v1/clusters/${clusterId}/topics`, {
      name: topic,
      partitions: PARTITIONS,
    });
    assert.equal(topicAnswer.status, 201, JSON.stringify(topicAnswer.body));
    const bootstrap = brokers.map((b) => `${b.host}:${b.port}`).join(",");
    const production = await produceCountingAcks({
      bootstrap,
      topic,
      batch: 100,
      timeoutMs: 60_000,
      keepGoing: (acked) => acked < 2_000,
    });
    assert.ok(production.acked.size >= 2_000, `acked ${production.acked.size}: ${production.errors}`);

    // SIGKILL one broker: no hand-back, its WAL tail only on its volume. Its lease runs out, it is fenced, and
    // the lease controller's broker.failover (run by the composition's failover handler) replays that volume.
    const victim = brokers[0]!;
    const process_ = brokerProcessesOf(dataDir).find((p) => p.instanceId === victim.instanceId);
    assert.ok(process_, `the process of broker ${victim.brokerId} (${victim.instanceId})`);
    process.kill(process_.pid, "SIGKILL");
    const failover = await waitFor(
      `a broker.failover operation for broker ${victim.brokerId}`,
      async () => {
        const list = await api<{ items: OperationView[] }>("GET", `/v1/operations?clusterId=${clusterId}`);
        return list.body.items.find(
          (op) => op.type === "broker.failover" && op.input.brokerId === victim.brokerId,
        );
      },
      30_000,
    );
    await succeeded(failover.id, 120_000);

    const live = await waitFor(
      "three ACTIVE brokers again (the fleet replaced the dead one)",
      async () => {
        const active = await activeBrokers(clusterId);
        return active.length === 3 && active.every((b) => b.brokerId !== victim.brokerId)
          ? active
          : undefined;
      },
      60_000,
    );
    const consumed = await readWholeTopic(live.map((b) => `${b.host}:${b.port}`).join(","), topic);
    const present = new Set(consumed.map((r) => Number(r.value)));
    const lost = [...production.acked].filter((n) => !present.has(n));
    assert.deepEqual({ lost: lost.length, firstLost: lost.slice(0, 5) }, { lost: 0, firstLost: [] });

    const deletion = await api<{ operation: { id: string } }>("DELETE", `/v1/clusters/${clusterId}`);
    assert.equal(deletion.status, 202, JSON.stringify(deletion.body));
    await succeeded(deletion.body.operation.id, 90_000);
    await waitFor(
      "the cluster to be gone",
      async () => (await api("GET", `/v1/clusters/${clusterId}`)).status === 404 || undefined,
      30_000,
    );
    assert.deepEqual(brokerProcessesOf(dataDir), [], "every broker process stopped");
    assert.deepEqual(volumeFilesOf(dataDir), [], "every WAL volume file deleted");
  });
});
