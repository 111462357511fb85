import assert from "node:assert/strict";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import type { Assignments, WatchAssignmentsOptions } from "@cirrus/broker-api";
import { AssignmentWatcher } from "../../src/cluster/assignment-watcher.ts";
import type { ReconcileResult } from "../../src/partitions/partition-registry.ts";

const identity = { clusterId: "c", brokerId: 1, epoch: 4, leaseMs: 3_000 };
const assignment = {
  topicId: "00000000-0000-4000-8000-000000000001",
  topic: "t",
  partition: 0,
  streamId: 1,
  leaderEpoch: 1,
};

/** Assignments in memory: long polls resolve when the version passes `after`. */
function assignmentsServer() {
  let current: Assignments = { version: 0, open: [], close: [], recover: [] };
  const waiting: (() => void)[] = [];
  const asked: WatchAssignmentsOptions[] = [];
  return {
    asked,
    publish(next: Omit<Assignments, "version">) {
      current = { ...next, version: current.version + 1 };
      for (const wake of waiting.splice(0)) wake();
    },
    source: {
      async watchAssignments(_id: number, options: WatchAssignmentsOptions): Promise<Assignments> {
        asked.push(options);
        if (current.version > options.after) return current;
        await new Promise<void>((resolve) => {
          waiting.push(resolve);
          options.signal?.addEventListener("abort", () => resolve(), { once: true });
          setTimeout(resolve, options.waitMs ?? 1_000);
        });
        return current;
      },
    },
  };
}

test("applies each new version once, with the broker's epoch, and resolves firstApplied", async () => {
  const server = assignmentsServer();
  const applied: Assignments[] = [];
  const watcher = new AssignmentWatcher({
    source: server.source,
    apply: async (a): Promise<ReconcileResult> => {
      applied.push(a);
      return { opened: a.open.length, closed: 0, failed: [] };
    },
    log: () => {},
    waitMs: 200,
  });
  watcher.start(identity);
  await watcher.firstApplied;
  assert.equal(watcher.version, 0);
  server.publish({ open: [assignment], close: [], recover: [] });
  await sleep(50);
  assert.equal(watcher.version, 1);
  assert.deepEqual(
    applied.map((a) => a.version),
    [0, 1],
  );
  assert.ok(server.asked.every((o) => o.epoch === 4));
  await watcher.stop();
});

test("a version whose opens failed is applied again until it succeeds", async () => {
  const server = assignmentsServer();
  let attempts = 0;
  const watcher = new AssignmentWatcher({
    source: server.source,
    apply: async (): Promise<ReconcileResult> => {
      attempts++;
      return attempts < 3
        ? { opened: 0, closed: 0, failed: [{ assignment, error: new Error("fenced") }] }
        : { opened: 1, closed: 0, failed: [] };
    },
    log: () => {},
    waitMs: 200,
    retryMs: 20,
  });
  watcher.start(identity);
  await watcher.firstApplied;
  assert.equal(attempts, 3);
  await watcher.stop();
});

test("watch errors are retried and stop() ends a pending long poll", async () => {
  let calls = 0;
  const watcher = new AssignmentWatcher({
    source: {
      async watchAssignments(_id, options) {
        calls++;
        if (calls === 1) throw new Error("control plane down");
        await new Promise((resolve) => options.signal?.addEventListener("abort", resolve, { once: true }));
        throw new Error("aborted");
      },
    },
    apply: async () => ({ opened: 0, closed: 0, failed: [] }),
    log: () => {},
    retryMs: 20,
  });
  watcher.start(identity);
  await sleep(100);
  assert.equal(calls, 2);
  const started = performance.now();
  await watcher.stop();
  assert.ok(performance.now() - started < 100);
});

test("stop() is final: a nudge from a heartbeat answered during shutdown starts no new watch loop", async () => {
  const server = assignmentsServer();
  const watcher = new AssignmentWatcher({
    source: server.source,
    apply: async () => ({ opened: 0, closed: 0, failed: [] }),
    log: () => {},
    waitMs: 50,
  });
  watcher.start(identity);
  await watcher.firstApplied;
  await watcher.stop();
  const asked = server.asked.length;
  watcher.nudge(watcher.version + 5);
  watcher.start(identity);
  await sleep(150);
  assert.equal(server.asked.length, asked, "no long poll after stop()");
  assert.ok(!process.getActiveResourcesInfo().includes("Timeout"), "no timer left behind by the watcher");
});

test("pause() (fenced) stops watching until start(): nudges are ignored, an application in flight is not recorded", async () => {
  const server = assignmentsServer();
  let release: (() => void) | undefined;
  const applied: number[] = [];
  const watcher = new AssignmentWatcher({
    source: server.source,
    apply: async (a): Promise<ReconcileResult> => {
      applied.push(a.version);
      if (a.version === 1 && !release) await new Promise<void>((resolve) => (release = resolve));
      return { opened: 0, closed: 0, failed: [] };
    },
    log: () => {},
    waitMs: 50,
  });
  watcher.start(identity);
  await watcher.firstApplied;
  server.publish({ open: [assignment], close: [], recover: [] });
  await sleep(20);
  assert.deepEqual(applied, [0, 1], "version 1 is being applied");
  watcher.pause();
  release?.();
  await sleep(20);
  assert.equal(watcher.version, -1, "the fenced epoch's application does not count");
  const asked = server.asked.length;
  watcher.nudge(7);
  await sleep(120);
  assert.equal(server.asked.length, asked, "no long poll while paused, whatever heartbeats announce");

  const next = { ...identity, epoch: 5 };
  watcher.start(next);
  await sleep(30);
  assert.equal(watcher.version, 1);
  assert.equal(server.asked.at(-1)?.epoch, 5);
  await watcher.stop();
});
