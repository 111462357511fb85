import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { afterEach, describe, it } from "node:test";
import { CloudErrorCode, isCloudError } from "../../src/errors.ts";
import type { LocalProvider } from "../../src/local/local-provider.ts";
import { eventually, nextMatching } from "../conformance/eventually.ts";
import { openLocal, pidAlive, TINY_BROKER, teardown, tempDataDir, tinyFleet } from "./local-harness.ts";

function readPrefix(path: string, length: number): string {
  const fd = openSync(path, "r");
  try {
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, 0);
    return buffer.toString();
  } finally {
    closeSync(fd);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("local provider", { timeout: 60_000 }, () => {
  let provider: LocalProvider | undefined;
  let dataDir = "";
  afterEach(async () => {
    if (provider) await teardown(provider, dataDir);
    provider = undefined;
  });

  async function running(name: string, n: number) {
    return eventually(
      `${n} running in ${name}`,
      async () => {
        const list = (await provider!.listInstances(name)).filter((i) => i.state === "running");
        return list.length === n ? list : undefined;
      },
      10_000,
    );
  }

  /** The fixture writes env.json once it has installed its SIGTERM handler. */
  async function brokerUp(id: string) {
    const file = join(provider!.root, "instances", id, "data", "env.json");
    await eventually("broker up", async () => (existsSync(file) ? true : undefined), 5000);
  }

  it("passes each broker its identity, ports and folders through CIRRUS_* variables", async () => {
    dataDir = tempDataDir();
    provider = openLocal(dataDir);
    await provider.createFleet(
      tinyFleet("envs", { launch: { command: process.execPath, args: [TINY_BROKER], env: { EXTRA: "x" } } }),
    );
    const [instance] = await running("envs", 1);
    const envFile = join(provider.root, "instances", instance!.id, "data", "env.json");
    const env = await eventually(
      "env.json",
      async () => (existsSync(envFile) ? JSON.parse(readFileSync(envFile, "utf8")) : undefined),
      5000,
    );
    assert.equal(env.CIRRUS_INSTANCE_ID, instance!.id);
    assert.equal(env.CIRRUS_FLEET, "envs");
    assert.equal(env.CIRRUS_ZONE, "local-a");
    assert.equal(env.CIRRUS_LIFECYCLE, "spot");
    assert.equal(env.CIRRUS_KAFKA_PORT, String(instance!.ports!.kafka));
    assert.equal(env.CIRRUS_ADMIN_PORT, String(instance!.ports!.admin));
    assert.equal(env.CIRRUS_DATA_DIR, join(provider.root, "instances", instance!.id, "data"));
    assert.equal(env.CIRRUS_VOLUME_PATH, join(provider.root, "instances", instance!.id, "volumes"));
    assert.notEqual(instance!.ports!.kafka, instance!.ports!.admin);
  });

  it("launches new brokers with an updated launch spec", async () => {
    dataDir = tempDataDir();
    provider = openLocal(dataDir);
    await provider.createFleet(tinyFleet("upd"));
    const [first] = await running("upd", 1);
    await provider.updateFleet("upd", {
      launch: { command: process.execPath, args: [TINY_BROKER], env: { VERSION: "2" } },
      desiredCapacity: 2,
    });
    const second = (await running("upd", 2)).find((i) => i.id !== first!.id)!;
    await brokerUp(second.id);
    const env = JSON.parse(
      readFileSync(join(provider.root, "instances", second.id, "data", "env.json"), "utf8"),
    );
    assert.equal(env.CIRRUS_INSTANCE_ID, second.id);
    const pid = provider.pidOf(second.id)!;
    assert.match(readFileSync(`/proc/${pid}/environ`, "utf8"), /VERSION=2/);
  });

  it("simulates a spot reclaim: a notice first, SIGKILL at the end of the window, then a replacement", async (t) => {
    dataDir = tempDataDir();
    provider = openLocal(dataDir);
    await provider.createFleet(
      tinyFleet("spot", {
        launch: { command: process.execPath, args: [TINY_BROKER], env: { CIRRUS_TEST_IGNORE_SIGTERM: "1" } },
      }),
    );
    const [victim] = await running("spot", 1);
    const pid = provider.pidOf(victim!.id)!;
    const notices = provider.interruptions();
    // The provider's clock (its Date.now) moves only when the test ticks it, so a machine stalled under load
    // cannot carry a pass past the deadline before the broker is checked (its processes run on real time).
    t.mock.timers.enable({ apis: ["Date"], now: Date.now() });
    const started = Date.now();
    await provider.simulateSpotReclaim(victim!.id, 800);
    const notice = await nextMatching(
      notices[Symbol.asyncIterator](),
      (n) => n.instanceId === victim!.id,
      1000,
    );
    notices.close();
    assert.equal(notice.kind, "spot-reclaim");
    assert.equal(notice.deadline, started + 800, "the deadline is the end of the notice window");
    t.mock.timers.tick(799);
    await provider.reconcileNow();
    await sleep(200); // real time for a wrongly sent SIGKILL to land; the provider's clock stays 1 ms short
    await provider.reconcileNow();
    assert.ok(pidAlive(pid), "the broker runs through the notice window, still 1 ms before its end");
    t.mock.timers.tick(1);
    await provider.reconcileNow(); // the pass at the deadline sends the SIGKILL
    t.mock.timers.reset(); // the real clock again, for the waits below
    await eventually("broker killed", async () => (pidAlive(pid) ? undefined : true), 3000);
    const dataFolder = join(provider.root, "instances", victim!.id, "data");
    assert.equal(
      existsSync(join(dataFolder, "sigterm")),
      false,
      "a reclaim is a hard kill, not a graceful stop",
    );
    const [replacement] = await running("spot", 1);
    assert.notEqual(replacement!.id, victim!.id);
    await assert.rejects(provider.simulateSpotReclaim("i-nope"), (e) =>
      isCloudError(e, CloudErrorCode.INSTANCE_NOT_FOUND),
    );
  });

  it("rebalances capacity: a replacement first, then the at-risk spot instance goes", async () => {
    dataDir = tempDataDir();
    provider = openLocal(dataDir);
    await provider.createFleet(tinyFleet("rebal", { desiredCapacity: 2, capacityRebalance: true }));
    const [risky, other] = await running("rebal", 2);
    const sub = provider.interruptions();
    await provider.simulateRebalanceRecommendation(risky!.id);
    const notice = await nextMatching(sub[Symbol.asyncIterator](), (n) => n.instanceId === risky!.id, 1000);
    sub.close();
    assert.equal(notice.kind, "rebalance-recommendation");
    const after = await eventually(
      "replacement running and the risky one gone",
      async () => {
        const list = await provider!.listInstances("rebal");
        return list.length === 2 &&
          list.every((i) => i.state === "running") &&
          !list.some((i) => i.id === risky!.id)
          ? list
          : undefined;
      },
      10_000,
    );
    assert.ok(
      after.some((i) => i.id === other!.id),
      "the other instance is untouched",
    );
    assert.equal((await provider.describeFleet("rebal"))?.desiredCapacity, 2);
  });

  it("moves a volume's file from one broker to another on detach and attach", async () => {
    dataDir = tempDataDir();
    provider = openLocal(dataDir);
    await provider.createFleet(tinyFleet("vols", { desiredCapacity: 2 }));
    const [a, b] = await running("vols", 2);
    const vol = await provider.createVolume({
      zone: "local-a",
      sizeGiB: 1,
      type: "file",
      multiAttach: false,
      clientToken: "wal-1",
    });
    const onA = (await provider.attachVolume(vol.id, a!.id)).paths![a!.id]!;
    assert.ok(
      onA.startsWith(join(provider.root, "instances", a!.id, "volumes")),
      "the file appears in A's CIRRUS_VOLUME_PATH",
    );
    writeFileSync(onA, "wal bytes written by A", { flag: "r+" });
    await provider.detachVolume(vol.id, a!.id, { force: true });
    assert.equal(existsSync(onA), false, "detached: gone from A");
    const onB = (await provider.attachVolume(vol.id, b!.id)).paths![b!.id]!;
    assert.equal(readPrefix(onB, 22), "wal bytes written by A", "B reads what A wrote");
    await assert.rejects(provider.attachVolume(vol.id, a!.id), (e) =>
      isCloudError(e, CloudErrorCode.VOLUME_IN_USE),
    );
    await provider.detachVolume(vol.id, b!.id);
    await provider.deleteVolume(vol.id);
    assert.equal(await provider.describeVolume(vol.id), undefined);
  });

  it("adopts running brokers after a restart and keeps desired capacity with them", async () => {
    dataDir = tempDataDir();
    provider = openLocal(dataDir);
    await provider.createFleet(tinyFleet("adopt", { desiredCapacity: 2 }));
    const before = await running("adopt", 2);
    const pids = before.map((i) => provider!.pidOf(i.id)!);
    await provider.close();
    provider = openLocal(dataDir);
    await provider.reconcileNow();
    await sleep(300);
    const after = await running("adopt", 2);
    assert.deepEqual(
      new Set(after.map((i) => i.id)),
      new Set(before.map((i) => i.id)),
      "the same brokers, none launched",
    );
    assert.ok(pids.every(pidAlive));
    process.kill(pids[0]!, "SIGKILL");
    const replaced = await eventually(
      "replacement for the killed broker",
      async () => {
        const list = (await provider!.listInstances("adopt")).filter((i) => i.state === "running");
        return list.length === 2 && !list.some((i) => i.id === before[0]!.id) ? list : undefined;
      },
      10_000,
    );
    assert.ok(replaced.some((i) => i.id === before[1]!.id));
  });

  it("finishes a fleet deletion that a restart interrupted, leaving no process behind", async () => {
    dataDir = tempDataDir();
    provider = openLocal(dataDir, { stopGraceMs: 300 });
    const hanging = {
      command: process.execPath,
      args: [TINY_BROKER],
      env: { CIRRUS_TEST_IGNORE_SIGTERM: "1" },
    };
    await provider.createFleet(tinyFleet("gone", { desiredCapacity: 2, launch: hanging }));
    const brokers = await running("gone", 2);
    for (const b of brokers) await brokerUp(b.id);
    const pids = brokers.map((b) => provider!.pidOf(b.id)!);
    await provider.deleteFleet("gone"); // SIGTERM sent, ignored; the SIGKILL would come after the grace
    await provider.close(); // the control plane stops before that
    assert.ok(pids.every(pidAlive), "the brokers outlive the stopped provider");
    provider = openLocal(dataDir, { stopGraceMs: 300 });
    await eventually(
      "deletion finished",
      async () => (provider!.fleetNames().includes("gone") ? undefined : true),
      5000,
    );
    assert.ok(!pids.some(pidAlive), "every broker of the deleted fleet is gone");
  });

  it("kills processes of its folder that the state does not account for", async () => {
    dataDir = tempDataDir();
    provider = openLocal(dataDir);
    const root = provider.root;
    await provider.close();
    const orphan = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], {
      env: { ...process.env, CIRRUS_LOCAL_ROOT: root, CIRRUS_INSTANCE_ID: "i-00000000000orphan" },
      stdio: "ignore",
    });
    const exited = new Promise((resolve) => orphan.once("exit", resolve));
    await eventually(
      "orphan running",
      async () =>
        readFileSync(`/proc/${orphan.pid}/environ`, "utf8").includes("i-00000000000orphan")
          ? true
          : undefined,
      5000,
    );
    provider = openLocal(dataDir);
    await Promise.race([exited, sleep(5000).then(() => assert.fail("the orphan was not killed"))]);
  });

  it("terminates with decrement: SIGTERM, no replacement, capacity lowered", async () => {
    dataDir = tempDataDir();
    provider = openLocal(dataDir);
    await provider.createFleet(tinyFleet("dec", { desiredCapacity: 2 }));
    const [a] = await running("dec", 2);
    const pid = provider.pidOf(a!.id)!;
    await brokerUp(a!.id);
    await provider.terminateInstance("dec", a!.id, { decrementCapacity: true });
    await eventually("broker stopped", async () => (pidAlive(pid) ? undefined : true), 5000);
    assert.ok(existsSync(join(provider.root, "instances", a!.id, "data", "sigterm")), "stopped gracefully");
    // A pass sees the exit (the periodic one may be late on a loaded machine) and would launch any replacement.
    await provider.reconcileNow();
    const left = await provider.listInstances("dec");
    assert.equal(left.length, 1);
    assert.equal((await provider.describeFleet("dec"))?.desiredCapacity, 1);
  });

  it("SIGKILLs a broker that ignores SIGTERM after the grace period", async () => {
    dataDir = tempDataDir();
    provider = openLocal(dataDir, { stopGraceMs: 400 });
    await provider.createFleet(
      tinyFleet("hang", {
        launch: { command: process.execPath, args: [TINY_BROKER], env: { CIRRUS_TEST_IGNORE_SIGTERM: "1" } },
      }),
    );
    const [a] = await running("hang", 1);
    const pid = provider.pidOf(a!.id)!;
    await brokerUp(a!.id);
    const started = Date.now();
    await provider.terminateInstance("hang", a!.id, { decrementCapacity: true });
    await eventually("broker killed", async () => (pidAlive(pid) ? undefined : true), 5000);
    assert.ok(Date.now() - started >= 350, "not before the grace period");
    assert.ok(existsSync(join(provider.root, "instances", a!.id, "data", "sigterm")), "SIGTERM came first");
  });

  it("applies the hook's default result when nobody completes the lifecycle action", async (t) => {
    dataDir = tempDataDir();
    provider = openLocal(dataDir);
    await provider.createFleet(
      tinyFleet("hook", {
        desiredCapacity: 1,
        terminationHook: { heartbeatTimeoutSeconds: 1, defaultResult: "CONTINUE" },
      }),
    );
    const [a] = await running("hook", 1);
    // The provider's clock moves only when the test ticks it: a stalled machine cannot outlast the hook's timeout.
    t.mock.timers.enable({ apis: ["Date"], now: Date.now() });
    await provider.terminateInstance("hook", a!.id, { decrementCapacity: true });
    t.mock.timers.tick(999);
    await provider.reconcileNow();
    await sleep(200); // real time for a wrongly sent SIGTERM to end the broker; the hook has 1 ms left
    await provider.reconcileNow();
    assert.equal(
      (await provider.listInstances("hook"))[0]?.state,
      "terminating",
      "waiting on the hook, 1 ms before",
    );
    t.mock.timers.tick(1);
    await provider.reconcileNow();
    t.mock.timers.reset();
    await eventually(
      "terminated after the hook timeout",
      async () => ((await provider!.listInstances("hook")).length === 0 ? true : undefined),
      5000,
    );
  });

  it("deletes a fleet without waiting on its termination hook", async () => {
    dataDir = tempDataDir();
    provider = openLocal(dataDir);
    await provider.createFleet(
      tinyFleet("hookdel", {
        desiredCapacity: 2,
        terminationHook: { heartbeatTimeoutSeconds: 600, defaultResult: "CONTINUE" },
      }),
    );
    const [a] = await running("hookdel", 2);
    await provider.terminateInstance("hookdel", a!.id, { decrementCapacity: true });
    assert.equal((await provider.listInstances("hookdel")).find((i) => i.id === a!.id)?.state, "terminating");
    await provider.deleteFleet("hookdel");
    await eventually(
      "fleet gone",
      async () => ((await provider!.describeFleet("hookdel")) ? undefined : true),
      5000,
    );
  });

  it("backs off when the broker command cannot start, without crashing", async () => {
    dataDir = tempDataDir();
    provider = openLocal(dataDir);
    await provider.createFleet(
      tinyFleet("broken", { launch: { command: join(dataDir, "no-such-binary"), args: [], env: {} } }),
    );
    await sleep(1500);
    const state = JSON.parse(readFileSync(join(provider.root, "state.json"), "utf8"));
    const attempts = Object.values(state.instances as Record<string, { fleet: string }>).filter(
      (i) => i.fleet === "broken",
    ).length;
    assert.ok(attempts >= 1 && attempts <= 6, `launch attempts back off (got ${attempts} in 1.5 s)`);
    assert.equal((await provider.listInstances("broken")).filter((i) => i.state === "running").length, 0);
  });

  it("refuses a second provider on the same folder while the first is open", async () => {
    dataDir = tempDataDir();
    provider = openLocal(dataDir);
    assert.throws(
      () => openLocal(dataDir),
      (e) => isCloudError(e, CloudErrorCode.CONFLICT) && !e.retriable,
    );
    const root = provider.root;
    await provider.close();
    writeFileSync(join(root, "provider.lock"), "999999999"); // a killed control plane's lock
    provider = openLocal(dataDir);
    assert.equal(
      readFileSync(join(root, "provider.lock"), "utf8").split(" ")[0]?.trim(),
      String(process.pid),
      "a dead holder's lock is taken over",
    );
  });

  it("spawns nothing it cannot record, and reports the failed write as a retriable typed error", async () => {
    dataDir = tempDataDir();
    provider = openLocal(dataDir);
    const blocker = join(provider.root, "state.json.tmp");
    mkdirSync(blocker); // writing the state now fails (EISDIR), even as root
    await assert.rejects(
      provider.createFleet(tinyFleet("unwritable")),
      (e) => isCloudError(e, CloudErrorCode.PROVIDER_ERROR) && e.retriable,
    );
    // The periodic pass reports it too (waited for, not slept on: a loaded machine runs it late).
    await eventually(
      "the tick's error",
      async () => (provider!.lastReconcileError === undefined ? undefined : true),
      5000,
    );
    assert.ok(
      isCloudError(provider.lastReconcileError, CloudErrorCode.PROVIDER_ERROR),
      "the tick reports it too",
    );
    assert.equal(
      provider.pidOf((await provider.listInstances("unwritable"))[0]?.id ?? "none"),
      undefined,
      "no broker was started",
    );
    rmSync(blocker, { recursive: true });
    await running("unwritable", 1);
    assert.equal(provider.lastReconcileError, undefined);
  });

  it("rejects a corrupt state file and calls on a closed provider with typed errors", async () => {
    dataDir = tempDataDir();
    provider = openLocal(dataDir);
    const root = provider.root;
    await provider.close();
    await assert.rejects(provider.listInstances("x"), (e) => isCloudError(e, CloudErrorCode.PROVIDER_CLOSED));
    writeFileSync(join(root, "state.json"), "{not json");
    assert.throws(
      () => openLocal(dataDir),
      (e) => isCloudError(e, CloudErrorCode.STATE_CORRUPT),
    );
    writeFileSync(
      join(root, "state.json"),
      JSON.stringify({ version: 1, fleets: {}, instances: {}, volumes: {}, volumeTokens: {} }),
    );
    provider = openLocal(dataDir);
    await assert.rejects(
      provider.createVolume({
        zone: "local-a",
        sizeGiB: 1,
        type: "ssd",
        multiAttach: false,
        clientToken: "t",
      }),
      (e) => isCloudError(e, CloudErrorCode.INVALID_ARGUMENT),
    );
    await assert.rejects(provider.simulateSpotReclaim("i-x"), (e) =>
      isCloudError(e, CloudErrorCode.INSTANCE_NOT_FOUND),
    );
  });
});
