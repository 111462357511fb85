// The broker lifecycle with fakes for membership, storage, watcher and partitions, on a manual clock: every
// transition, and the orderings that keep acked records safe across fencing, reopening and shutdown.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  BrokerLifecycle,
  type BrokerLifecycleOptions,
  BrokerState,
  type LifecycleStorage,
} from "../../src/cluster/broker-lifecycle.ts";
import { Lease } from "../../src/cluster/lease.ts";
import type { BrokerIdentity } from "../../src/cluster/membership.ts";
import { isBrokerError } from "../../src/errors.ts";
import { ManualClock } from "../../src/groups/clock.ts";

const LEASE_MS = 3_000;
const epoch = (n: number): BrokerIdentity => ({ clusterId: "c", brokerId: 7, epoch: n, leaseMs: LEASE_MS });

interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}
function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets every pending promise callback run (the fakes settle through a few hops). */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
}

class FakeStorage implements LifecycleStorage {
  readonly calls: string[] = [];
  readonly epoch: number;
  constructor(epoch: number) {
    this.epoch = epoch;
  }
  async abandon(): Promise<void> {
    this.calls.push("abandon");
  }
  async shutdown(): Promise<void> {
    this.calls.push("shutdown");
  }
}

/** Everything the lifecycle drives, recording what it is asked to do (in one shared, ordered log). */
function harness(overrides: Partial<BrokerLifecycleOptions<FakeStorage>> = {}) {
  const clock = new ManualClock(0);
  const calls: string[] = [];
  const lease = new Lease(() => clock.now());
  const opens: { identity: BrokerIdentity; requireExistingWal: boolean; result: Deferred<FakeStorage> }[] =
    [];
  const states: string[] = [];
  const firstApplied = deferred<void>();
  const checkpointsWritten = deferred<void>();
  let next = epoch(1);
  const watcher = {
    version: -1,
    firstApplied: firstApplied.promise,
    start(identity: BrokerIdentity) {
      calls.push(`watcher.start ${identity.epoch}`);
    },
    pause() {
      calls.push("watcher.pause");
    },
    async stop() {
      calls.push("watcher.stop");
    },
  };
  const membership = {
    lease,
    async start() {
      calls.push("membership.start");
      lifecycle.registered(next);
      lease.renew(clock.now(), LEASE_MS);
      return next;
    },
    stop() {
      calls.push("membership.stop");
      lease.expire();
    },
  };
  const lifecycle: BrokerLifecycle<FakeStorage> = new BrokerLifecycle<FakeStorage>({
    openStorage: (identity, options) => {
      calls.push(`open ${identity.epoch}${options.requireExistingWal ? " existing" : ""}`);
      const result = deferred<FakeStorage>();
      opens.push({ identity, requireExistingWal: options.requireExistingWal, result });
      return result.promise;
    },
    membership,
    watcher,
    partitions: {
      abandonAll: () => calls.push("partitions.abandonAll"),
      retireAll: async () => {
        calls.push("partitions.retireAll");
        return { written: checkpointsWritten.promise.then(() => void calls.push("checkpoints.written")) };
      },
    },
    beforeStorageShutdown: () => void calls.push("onShutdown"),
    deregister: async (identity) => void calls.push(`deregister ${identity.epoch}`),
    closeEndpoints: async () => void calls.push("closeEndpoints"),
    clock,
    log: () => {},
    onStateChange: (state) => states.push(state),
    shutdownTimeoutMs: 10_000,
    firstAssignmentsWaitMs: 10_000,
    reopenBackoffMs: { initial: 200, max: 5_000 },
    ...overrides,
  });
  return {
    clock,
    calls,
    lease,
    opens,
    states,
    watcher,
    lifecycle,
    firstApplied,
    checkpointsWritten,
    /** The answer of a re-registration after fencing (what BrokerMembership does). */
    reRegister(identity: BrokerIdentity) {
      next = identity;
      lifecycle.registered(identity);
      lease.renew(clock.now(), LEASE_MS);
    },
    /** The latest storage open, answered with a storage of its epoch. */
    openSucceeds(): FakeStorage {
      const open = opens.at(-1)!;
      const storage = new FakeStorage(open.identity.epoch);
      open.result.resolve(storage);
      return storage;
    },
  };
}

/** Started and serving at epoch 1 with its storage. */
async function serving() {
  const h = harness();
  const started = h.lifecycle.start();
  await settle();
  const storage = h.openSucceeds();
  await settle();
  h.watcher.version = 1;
  h.firstApplied.resolve();
  await started;
  await settle();
  assert.equal(h.lifecycle.state, BrokerState.SERVING);
  h.calls.length = 0;
  return { ...h, storage };
}

test("starting → registered (registration answer) → serving (first assignments applied)", async () => {
  const h = harness();
  assert.equal(h.lifecycle.state, BrokerState.STARTING);
  assert.deepEqual(h.lifecycle.readinessReasons(), [
    "state starting",
    "no valid lease",
    "assignments not applied yet",
  ]);
  const started = h.lifecycle.start();
  await settle();
  assert.equal(h.lifecycle.state, BrokerState.REGISTERED);
  assert.deepEqual(h.calls, ["membership.start", "open 1"], "the first open may format a WAL");
  const storage = h.openSucceeds();
  await settle();
  assert.equal(h.lifecycle.storage, storage);
  assert.deepEqual(h.calls.slice(2), ["watcher.start 1"], "watching starts once storage is open");
  assert.equal(h.lifecycle.state, BrokerState.REGISTERED);
  h.watcher.version = 1;
  h.firstApplied.resolve();
  assert.deepEqual(await started, epoch(1));
  await settle();
  assert.equal(h.lifecycle.state, BrokerState.SERVING);
  assert.deepEqual(h.states, ["registered", "serving"]);
  assert.deepEqual(h.lifecycle.readinessReasons(), []);
  assert.equal(h.lifecycle.canAck(), true);
});

test("start() resolves after firstAssignmentsWaitMs without assignments; the broker stays registered", async () => {
  const h = harness();
  let resolved = false;
  const started = h.lifecycle.start().then(() => {
    resolved = true;
  });
  await settle();
  h.openSucceeds();
  await settle();
  h.clock.advance(9_999);
  await settle();
  assert.equal(resolved, false);
  h.clock.advance(1);
  await started;
  assert.equal(h.lifecycle.state, BrokerState.REGISTERED);
  h.lease.renew(h.clock.now(), LEASE_MS); // heartbeats went on meanwhile
  assert.deepEqual(h.lifecycle.readinessReasons(), ["state registered", "assignments not applied yet"]);
  assert.equal(h.clock.pending, 0, "the wait timer does not outlive start()");
});

test("lease loss mid-produce: canAck turns false once the lease clock passes, before the append completes", async () => {
  const h = await serving();
  // A produce: checked before the append, which then waits for the WAL...
  assert.equal(h.lifecycle.canAck(), true);
  const append = deferred<void>();
  const acked = append.promise.then(() => h.lifecycle.canAck());
  // ...while heartbeats fail and the lease (counted from the last send) runs out.
  h.clock.advance(LEASE_MS - 1);
  assert.equal(h.lifecycle.canAck(), true);
  h.clock.advance(1);
  append.resolve();
  assert.equal(await acked, false, "durable on the WAL, but not acked: the lease ran out");
  assert.equal(h.lifecycle.state, BrokerState.SERVING, "lease expiry alone is not fencing");
  assert.deepEqual(h.lifecycle.readinessReasons(), ["no valid lease"]);
  h.lease.renew(h.clock.now(), LEASE_MS);
  assert.equal(h.lifecycle.canAck(), true, "a heartbeat that gets through renews it");
});

test("fenced: partitions abandoned at once, storage abandoned (never shut down), reopened on the existing WAL, then watching", async () => {
  const h = await serving();
  const fencedDone = h.lifecycle.fenced(epoch(1));
  assert.deepEqual(
    h.calls,
    ["partitions.abandonAll", "watcher.pause"],
    "synchronously, before anything awaits",
  );
  assert.equal(h.lifecycle.state, BrokerState.FENCED);
  h.lease.expire(); // what BrokerMembership does on a fenced heartbeat
  assert.equal(h.lifecycle.canAck(), false);
  await fencedDone;
  assert.deepEqual(h.storage.calls, ["abandon"]);
  assert.equal(h.lifecycle.storage, undefined);

  h.reRegister(epoch(2));
  assert.equal(h.lifecycle.state, BrokerState.RE_REGISTERING);
  assert.equal(h.lifecycle.canAck(), false, "nothing is acked before storage is back");
  assert.deepEqual(h.lifecycle.readinessReasons(), ["state re-registering"]);
  await settle();
  assert.deepEqual(h.calls.slice(2), ["open 2 existing"]);
  assert.equal(h.opens.at(-1)?.requireExistingWal, true, "never format a new WAL after the first open");
  const reopened = h.openSucceeds();
  await settle();
  assert.deepEqual(h.calls.slice(3), ["watcher.start 2"], "watching restarts only once storage is reopened");
  assert.equal(h.lifecycle.state, BrokerState.SERVING);
  assert.equal(h.lifecycle.storage, reopened);
  assert.deepEqual(h.states.slice(-3), ["fenced", "re-registering", "serving"]);
  assert.equal(h.lifecycle.identity?.epoch, 2);
});

test("fenced during an assignment application: a stream opened for the fenced epoch is refused, never served", async () => {
  const h = await serving();
  const streamOpen = deferred<string>();
  const opening = h.lifecycle.useStorage(() => streamOpen.promise);
  await h.lifecycle.fenced(epoch(1));
  streamOpen.resolve("stream of epoch 1");
  await assert.rejects(opening, (e) => isBrokerError(e, "FENCED"));
  assert.deepEqual(h.calls.slice(0, 2), ["partitions.abandonAll", "watcher.pause"]);
  await assert.rejects(
    h.lifecycle.useStorage(async () => "x"),
    (e) => isBrokerError(e, "SHUTTING_DOWN"),
    "no storage while fenced",
  );
  // A partition dropped meanwhile must not restart watching under the fenced epoch.
  h.lifecycle.partitionDropped();
  assert.ok(!h.calls.some((c) => c.startsWith("watcher.start")));
});

test("a second fencing while storage is still reopening: the stale reopen never wins", async () => {
  const h = await serving();
  await h.lifecycle.fenced(epoch(1));
  h.reRegister(epoch(2));
  await settle();
  assert.deepEqual(h.calls.slice(-1), ["open 2 existing"]);
  const staleOpen = h.opens.at(-1)!;

  // Fenced again (epoch 2) while epoch 2's open is still replaying the WAL.
  const second = h.lifecycle.fenced(epoch(2));
  assert.equal(h.lifecycle.state, BrokerState.FENCED);
  let secondDone = false;
  void second.then(() => {
    secondDone = true;
  });
  await settle();
  assert.equal(secondDone, false, "re-registration waits until the WAL is let go of");
  const stale = new FakeStorage(2);
  staleOpen.result.resolve(stale);
  await second;
  assert.deepEqual(stale.calls, ["abandon"], "the stale epoch's storage is abandoned, not installed");
  assert.equal(h.lifecycle.storage, undefined);
  assert.ok(!h.calls.includes("watcher.start 2"));

  h.reRegister(epoch(3));
  await settle();
  assert.deepEqual(h.calls.slice(-1), ["open 3 existing"]);
  const current = h.openSucceeds();
  await settle();
  assert.equal(h.lifecycle.storage, current);
  assert.equal(h.lifecycle.state, BrokerState.SERVING);
  assert.deepEqual(
    h.calls.filter((c) => c.startsWith("watcher.start")),
    ["watcher.start 3"],
  );
});

test("storage reopen failing 3 times then succeeding: retried with doubling backoff on the clock", async () => {
  const h = await serving();
  await h.lifecycle.fenced(epoch(1));
  h.reRegister(epoch(2));
  const attempts = () => h.calls.filter((c) => c === "open 2 existing").length;
  for (const [failure, backoff] of [
    [1, 200],
    [2, 400],
    [3, 800],
  ] as const) {
    await settle();
    assert.equal(attempts(), failure);
    h.opens.at(-1)!.result.reject(new Error(`WAL busy ${failure}`));
    await settle();
    h.clock.advance(backoff - 1);
    await settle();
    assert.equal(attempts(), failure, `no retry before ${backoff} ms`);
    assert.equal(h.lifecycle.state, BrokerState.RE_REGISTERING);
    h.clock.advance(1);
  }
  await settle();
  assert.equal(attempts(), 4);
  assert.ok(h.opens.every((o) => o.identity.epoch === 1 || o.requireExistingWal));
  h.openSucceeds();
  await settle();
  assert.equal(h.lifecycle.state, BrokerState.SERVING);
  assert.deepEqual(h.calls.slice(-1), ["watcher.start 2"]);
  assert.equal(h.clock.pending, 0);
});

test("shutdown order: stop writes, stop watching, retire partitions, hook, storage shutdown, membership, deregister, endpoints", async () => {
  const h = await serving();
  const closed = h.lifecycle.close();
  assert.equal(h.lifecycle.state, BrokerState.DRAINING);
  assert.equal(h.lifecycle.canAck(), false, "no new writes from the shutdown request on");
  assert.equal(h.lifecycle.shuttingDown(), true);
  assert.deepEqual(h.lifecycle.readinessReasons(), ["shutting down"]);
  await settle();
  assert.deepEqual(h.storage.calls, ["shutdown"]);
  assert.ok(!h.calls.includes("membership.stop"), "heartbeats go on until the final checkpoints are stored");
  h.checkpointsWritten.resolve();
  await closed;
  assert.deepEqual(h.calls, [
    "watcher.stop",
    "partitions.retireAll",
    "onShutdown",
    "checkpoints.written",
    "membership.stop",
    "deregister 1",
    "closeEndpoints",
  ]);
  assert.equal(h.lifecycle.state, BrokerState.STOPPED);
  assert.equal(h.lifecycle.close(), h.lifecycle.close(), "idempotent");
});

test("shutdown is bounded by shutdownTimeoutMs", async () => {
  const h = await serving();
  let done = false;
  const closed = h.lifecycle.close().then(() => {
    done = true;
  });
  await settle(); // the final checkpoints never get written
  h.clock.advance(9_999);
  await settle();
  assert.equal(done, false);
  h.clock.advance(1);
  await closed;
  assert.equal(h.lifecycle.state, BrokerState.STOPPED);
});

test("SIGTERM during the reopen's WAL replay: the shutdown waits for it, then shuts that storage down", async () => {
  const h = await serving();
  await h.lifecycle.fenced(epoch(1));
  h.reRegister(epoch(2));
  await settle();
  h.checkpointsWritten.resolve();
  const closed = h.lifecycle.close();
  assert.equal(h.lifecycle.state, BrokerState.DRAINING);
  await settle();
  assert.ok(!h.calls.includes("partitions.retireAll"), "waits for the transition in progress");
  const reopened = h.openSucceeds();
  await closed;
  assert.deepEqual(reopened.calls, ["shutdown"], "replayed and then handed back, not abandoned");
  assert.ok(!h.calls.includes("watcher.start 2"), "no watching once shutdown started");
  assert.deepEqual(h.calls.slice(-3), ["membership.stop", "deregister 2", "closeEndpoints"]);
  assert.equal(h.lifecycle.state, BrokerState.STOPPED);
});

test("SIGTERM while the reopen backs off: no further attempt, no wait for the backoff", async () => {
  const h = await serving();
  await h.lifecycle.fenced(epoch(1));
  h.reRegister(epoch(2));
  await settle();
  h.opens.at(-1)!.result.reject(new Error("WAL_MISSING"));
  await settle();
  h.checkpointsWritten.resolve();
  await h.lifecycle.close(); // resolves without the clock moving
  assert.equal(h.calls.filter((c) => c === "open 2 existing").length, 1);
  assert.equal(h.lifecycle.state, BrokerState.STOPPED);
  assert.deepEqual(h.calls.slice(-3), ["membership.stop", "deregister 2", "closeEndpoints"]);
});

test("shutdown while re-registering (fenced, no registration answer yet): nothing reopens, the fenced storage stays abandoned", async () => {
  const h = await serving();
  await h.lifecycle.fenced(epoch(1));
  h.checkpointsWritten.resolve();
  await h.lifecycle.close();
  assert.deepEqual(h.storage.calls, ["abandon"], "its commits would be refused: never shut down");
  assert.ok(!h.calls.some((c) => c.startsWith("open")));
  assert.deepEqual(h.calls.slice(-3), ["membership.stop", "deregister 1", "closeEndpoints"]);
  // A registration answer arriving late changes nothing but whom a later hand-back names.
  h.lifecycle.registered(epoch(2));
  await settle();
  assert.equal(h.lifecycle.state, BrokerState.STOPPED);
  assert.ok(!h.calls.some((c) => c.startsWith("open")));
});

test("fenced while draining: storage is abandoned instead of shut down, the state stays draining", async () => {
  const h = await serving();
  const closed = h.lifecycle.close();
  await h.lifecycle.fenced(epoch(1));
  assert.equal(h.lifecycle.state, BrokerState.DRAINING);
  h.checkpointsWritten.resolve();
  await closed;
  assert.deepEqual(h.storage.calls, ["abandon"]);
  assert.equal(h.lifecycle.state, BrokerState.STOPPED);
});

test("a failed start stops what it started: registration refused, or the first storage open failing", async () => {
  const refused = harness();
  const error = new Error("registration failed");
  const failing = new BrokerLifecycle<FakeStorage>({
    openStorage: async () => new FakeStorage(1),
    membership: {
      lease: refused.lease,
      start: async () => {
        throw error;
      },
      stop: () => refused.calls.push("membership.stop"),
    },
    watcher: refused.watcher,
    partitions: { abandonAll: () => {}, retireAll: async () => ({ written: Promise.resolve() }) },
    deregister: async () => {},
    closeEndpoints: async () => {},
    clock: refused.clock,
    log: () => {},
    shutdownTimeoutMs: 1_000,
  });
  await assert.rejects(failing.start(), error);
  assert.equal(failing.state, BrokerState.STOPPED);
  assert.deepEqual(refused.calls, ["membership.stop", "watcher.stop"]);

  const h = harness();
  const started = h.lifecycle.start();
  await settle();
  h.opens[0]!.result.reject(new Error("disk gone"));
  await assert.rejects(started, /disk gone/);
  assert.equal(h.lifecycle.state, BrokerState.STOPPED);
  assert.deepEqual(h.calls, ["membership.start", "open 1", "membership.stop", "watcher.stop"]);
});

test("a dropped partition re-applies the assignments of the current epoch, only while serving", async () => {
  const h = await serving();
  h.lifecycle.partitionDropped();
  assert.deepEqual(h.calls, ["watcher.start 1"]);
  void h.lifecycle.close();
  h.lifecycle.partitionDropped();
  assert.ok(!h.calls.slice(1).includes("watcher.start 1"));
});
