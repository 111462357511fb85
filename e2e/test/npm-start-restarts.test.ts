// `npm start` walked through as a user does, on one data folder, with real brokers: a second start while the
// first runs is refused at once, naming the folder and the first one's pid; Ctrl-C and start again, several
// times, never leaves more than one WAL volume per broker; CIRRUS_START_BROKERS=0 starts the control plane
// alone and says so; a start killed with SIGKILL leaves a lock that the next start takes over.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { waitForBrokersStarted } from "../harness/broker-logs.ts";
import { brokerProcessesOf, volumeFilesOf } from "../harness/broker-processes.ts";
import { freePort, type StartedCluster, startCluster } from "../harness/cluster.ts";
import { ControlPlaneProcess } from "../harness/control-plane-process.ts";

const BROKERS = 3;
const RESTARTS = 3;

const token = () => `cpt_e2e_${randomBytes(16).toString("hex")}`;

/** The pid the data folder's lock names (scripts/start.ts takes `<dataDir>/cirrus.lock` first thing). */
function lockHolder(dataDir: string): number {
  return Number(readFileSync(join(dataDir, "cirrus.lock"), "utf8").split(/\s/)[0]);
}

describe("npm start, stopped and started again on one data folder", { timeout: 900_000 }, () => {
  let dir: string;
  let port: number;
  let running: StartedCluster | undefined;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "cirrus-e2e-restarts-"));
    port = await freePort();
  });
  after(async () => {
    if (running) await running.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test("a second start on the folder is refused at once, naming the folder and the first one's pid", async () => {
    running = await startCluster({ brokers: BROKERS, dataDir: dir, port });
    const holder = lockHolder(dir);
    assert.match(readFileSync(`/proc/${holder}/cmdline`, "utf8"), /scripts\/start\.ts/);
    const started = Date.now();
    const second = ControlPlaneProcess.start({
      dataDir: dir,
      port: await freePort(),
      adminToken: token(),
      brokers: BROKERS,
    });
    await assert.rejects(second, (error: Error) => {
      assert.match(error.message, /exited \(1\)/);
      assert.ok(error.message.includes(`process ${holder} already uses ${dir}`), error.message);
      assert.ok(!error.message.includes("console:"), "it served nothing");
      return true;
    });
    const refusedMs = Date.now() - started;
    assert.ok(refusedMs < 15_000, `refused after ${refusedMs} ms`);
    // The first one is untouched.
    assert.equal(lockHolder(dir), holder);
    assert.equal((await running.api("GET", "/v1/clusters")).status, 200);
    assert.equal(brokerProcessesOf(dir).length, BROKERS);
  });

  test(`${RESTARTS} restarts leave at most one WAL volume per broker`, async (t) => {
    const counts: { running: number; stopped: number }[] = [];
    for (let restart = 0; restart <= RESTARTS; restart++) {
      running ??= await startCluster({ brokers: BROKERS, dataDir: dir, port });
      assert.equal(running.bootstrap.split(",").length, BROKERS);
      // Ctrl-C once the brokers are up, as a user would (one still starting dies without handing back, and
      // its volume rightly waits for failover on the next start).
      await waitForBrokersStarted(dir, BROKERS);
      const whileRunning = volumeFilesOf(dir).length;
      assert.equal((await running.stop()).orphans, 0);
      running = undefined;
      counts.push({ running: whileRunning, stopped: volumeFilesOf(dir).length });
      assert.ok(whileRunning <= BROKERS, `start ${restart}: ${whileRunning} volumes for ${BROKERS} brokers`);
      assert.ok(volumeFilesOf(dir).length <= BROKERS, `after stop ${restart}: ${JSON.stringify(counts)}`);
    }
    t.diagnostic(`volume files (running, stopped) per start: ${JSON.stringify(counts)}`);
  });

  test("CIRRUS_START_BROKERS=0 starts the control plane alone and says so; a killed start's lock is taken over", async () => {
    const alone = await ControlPlaneProcess.start({
      dataDir: dir,
      port,
      adminToken: token(),
      brokers: 0,
    });
    try {
      // Many reconcile passes (RECONCILE_INTERVAL_MS=200): none starts a broker of the stopped cluster.
      await new Promise((resolve) => setTimeout(resolve, 6_000));
      assert.deepEqual(brokerProcessesOf(dir), [], "no broker process");
      assert.match(alone.stderr, /CIRRUS_START_BROKERS=0: control plane only/);
      assert.match(alone.stderr, /local \(0 brokers\)/, alone.stderr);
    } finally {
      await alone.stop("SIGKILL");
    }
    assert.ok(existsSync(join(dir, "cirrus.lock")), "SIGKILL left its lock behind");
    running = await startCluster({ brokers: BROKERS, dataDir: dir, port });
    assert.equal(lockHolder(dir) !== alone.child.pid, true, "the next start took the lock over");
    assert.equal(running.bootstrap.split(",").length, BROKERS, "and runs the cluster again");
    assert.ok(volumeFilesOf(dir).length <= BROKERS);
  });
});
