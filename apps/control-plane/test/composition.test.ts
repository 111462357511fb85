// The composition (src/composition.ts) is what main.ts and npm start run: every operation type the API or a
// controller creates must have a handler there, or its operations stay PENDING forever (the issue: main.ts
// alone left cluster.create and broker.failover unhandled).
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type ComposedControlPlane, composeControlPlane } from "../src/composition.ts";
import { ConfigError, loadConfig } from "../src/config.ts";
import { startLocalSystem } from "../src/controllers/provisioner/local-system.ts";
import { OPERATION_CATALOG, type OperationType } from "../src/services/operation-catalog.ts";

/**
 * Every operation type that can be queued: createOperation takes only the catalog's types (typecheck), so
 * the catalog lists every type the API (clusters.ts, broker-views.ts, rebalance.ts) and the controllers
 * (broker-lease-controller.ts, hand-back.ts) create.
 */
const QUEUED_TYPES = Object.keys(OPERATION_CATALOG) as OperationType[];

describe("composeControlPlane", () => {
  let dir: string;
  let composed: ComposedControlPlane;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "cirrus-composition-"));
    const config = loadConfig(
      {},
      { databaseUrl: "memory://", dataDir: dir, port: 0, logLevel: "silent", reconcileIntervalMs: 50 },
    );
    composed = await composeControlPlane(config, { env: {} });
  });
  after(async () => {
    await composed?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("registers a handler for every operation type that can be queued", async () => {
    // The two the issue found unhandled under main.ts, among the catalog's (7 when this was written).
    assert.ok(QUEUED_TYPES.length >= 7, QUEUED_TYPES.join(", "));
    for (const type of ["cluster.create", "broker.failover"])
      assert.ok(QUEUED_TYPES.includes(type as OperationType));
    const unhandled = QUEUED_TYPES.filter((type) => !composed.controlPlane.runner.hasOperationHandler(type));
    assert.deepEqual(unhandled, [], "operation types no handler of the composition runs");
  });

  it("runs controllers only once it listens (brokers are given the address it bound, port 0 included)", async () => {
    assert.equal(composed.controlPlane.isLeader, false, "no controller before listen()");
    const url = await composed.listen();
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.notEqual(url, "http://127.0.0.1:0");
    assert.equal(composed.controlPlane.isLeader, true);
    const health = await fetch(`${url}/healthz`);
    assert.equal(health.status, 200);
  });
});

describe("startLocalSystem (npm start) on the composition", () => {
  it("listens on any free port with PORT=0, runs every handler, and stop() frees the data folder", async () => {
    const dir = await mkdtemp(join(tmpdir(), "cirrus-local-system-"));
    const env = { PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "silent" };
    try {
      const system = await startLocalSystem({ dataDir: dir, brokers: 0, env });
      try {
        assert.match(system.url, /^http:\/\/127\.0\.0\.1:\d+$/);
        assert.doesNotMatch(system.url, /:0$/);
        assert.equal((await fetch(`${system.url}/healthz`)).status, 200);
        const unhandled = QUEUED_TYPES.filter(
          (type) => !system.controlPlane.runner.hasOperationHandler(type),
        );
        assert.deepEqual(unhandled, []);
      } finally {
        await system.stop();
      }
      // stop() closed the database and the providers and released the folder's lock: it starts again.
      const again = await startLocalSystem({ dataDir: dir, brokers: 0, env });
      await again.stop();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("composition config", () => {
  it("reads the local provider's folder and the advertised URL from the environment", () => {
    const config = loadConfig({ CIRRUS_DATA_DIR: "/var/lib/cirrus", ADVERTISED_URL: "http://10.0.0.5:8080" });
    assert.equal(config.dataDir, "/var/lib/cirrus");
    assert.equal(config.advertisedUrl, "http://10.0.0.5:8080");
    assert.equal(loadConfig({}).dataDir, "./data");
    assert.equal(loadConfig({}).advertisedUrl, undefined);
  });

  it("refuses an advertised URL with a path or another scheme, naming the variable", () => {
    for (const bad of ["10.0.0.5:8080", "http://10.0.0.5:8080/api", "ftp://x"]) {
      assert.throws(
        () => loadConfig({ ADVERTISED_URL: bad }),
        (e: unknown) => e instanceof ConfigError && e.message.includes("ADVERTISED_URL"),
        bad,
      );
    }
    assert.throws(() => loadConfig({}, { dataDir: "" }), ConfigError);
  });
});
