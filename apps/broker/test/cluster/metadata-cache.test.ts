import assert from "node:assert/strict";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import type { ClusterMetadata } from "@cirrus/broker-api";
import { MetadataCache } from "../../src/cluster/metadata-cache.ts";

function metadataAt(version: number): ClusterMetadata {
  return {
    clusterId: "c",
    version,
    controllerBrokerId: 1,
    brokers: [{ brokerId: 1, host: "127.0.0.1", port: 9092, zone: "z", state: "ACTIVE" }],
    topics: [
      {
        topicId: "00000000-0000-4000-8000-000000000001",
        name: "orders",
        configs: {},
        partitions: [{ partition: 0, leaderBrokerId: 1, leaderEpoch: 1, streamId: 5 }],
      },
    ],
  };
}

test("answers from memory within maxAge, with one request in flight for many callers", async () => {
  let calls = 0;
  const cache = new MetadataCache(
    {
      async metadata() {
        calls++;
        await sleep(20);
        return metadataAt(calls);
      },
    },
    100,
  );
  const views = await Promise.all([cache.get(), cache.get(), cache.get()]);
  assert.equal(calls, 1);
  assert.equal(views[0]?.topicsByName.get("orders")?.partitions[0]?.streamId, 5);
  assert.equal(views[0]?.topicsById.get("00000000-0000-4000-8000-000000000001")?.name, "orders");
  await cache.get();
  assert.equal(calls, 1);
  await sleep(120);
  assert.equal((await cache.get()).metadata.version, 2);
  cache.invalidate();
  assert.equal((await cache.get()).metadata.version, 3);
});

test("a failed refresh serves the stale view, but a first load or a fresh read fails loudly", async () => {
  let fail = true;
  const cache = new MetadataCache(
    {
      async metadata() {
        if (fail) throw new Error("control plane down");
        return metadataAt(1);
      },
    },
    0,
  );
  await assert.rejects(cache.get(), /control plane down/);
  fail = false;
  await cache.get();
  fail = true;
  assert.equal((await cache.get()).metadata.version, 1);
  await assert.rejects(cache.get(true), /control plane down/);
});

test("never steps back to an older version", async () => {
  const versions = [5, 4];
  const cache = new MetadataCache({ metadata: async () => metadataAt(versions.shift() ?? 9) }, 0);
  assert.equal((await cache.get()).metadata.version, 5);
  assert.equal((await cache.get()).metadata.version, 5);
});

test("a control plane that does not answer (paused) costs a client staleWaitMs, then it gets the stale view", async () => {
  let hang = false;
  let version = 0;
  const cache = new MetadataCache(
    {
      metadata() {
        if (hang) return new Promise<ClusterMetadata>(() => {}); // never answers
        return Promise.resolve(metadataAt(++version));
      },
    },
    0,
    50,
  );
  assert.equal((await cache.get()).metadata.version, 1);
  hang = true;
  const started = performance.now();
  assert.equal((await cache.get()).metadata.version, 1, "the last view");
  const waited = performance.now() - started;
  assert.ok(waited >= 45 && waited < 5_000, `waited ${waited} ms`);
});

test("peek answers the last view at once and refreshes a stale one in the background, at most once per maxAge", async () => {
  let calls = 0;
  let fail = false;
  let clock = 0;
  const cache = new MetadataCache(
    {
      async metadata() {
        calls++;
        if (fail) throw new Error("control plane away");
        return metadataAt(calls);
      },
    },
    50,
    500,
    () => clock,
  );
  // The source answers at once: a turn of the event loop lands a background refresh.
  const settle = () => new Promise((resolve) => setImmediate(resolve));
  assert.equal(cache.peek(), undefined, "nothing loaded yet");
  await settle();
  assert.equal(cache.peek()?.metadata.version, 1, "the background load landed");
  clock = 49;
  assert.equal(cache.peek()?.metadata.version, 1);
  await settle();
  assert.equal(calls, 1, "a fresh view is not refreshed");
  clock = 50;
  assert.equal(cache.peek()?.metadata.version, 1, "the stale view is answered at once");
  await settle();
  assert.equal(cache.peek()?.metadata.version, 2);
  assert.equal(calls, 2);
  fail = true;
  clock = 100;
  for (let i = 0; i < 100; i++) cache.peek();
  await settle();
  clock = 149;
  for (let i = 0; i < 100; i++) cache.peek();
  await settle();
  assert.equal(calls, 3, "a failing control plane is asked once per maxAge, not per call");
  clock = 150;
  cache.peek();
  await settle();
  assert.equal(calls, 4, "and again once maxAge has passed");
  assert.equal(cache.peek()?.metadata.version, 2, "the last good view is kept");
});

test("a forced refresh with waitAtMostStaleWait reads anew, but answers the stale view if the control plane hangs", async () => {
  let hang = false;
  let version = 0;
  const cache = new MetadataCache(
    {
      metadata() {
        if (hang) return new Promise<ClusterMetadata>(() => {}); // never answers
        return Promise.resolve(metadataAt(++version));
      },
    },
    60_000,
    50,
  );
  assert.equal((await cache.get()).metadata.version, 1);
  assert.equal((await cache.get()).metadata.version, 1, "within maxAge: from memory");
  assert.equal(
    (await cache.get(true, { waitAtMostStaleWait: true })).metadata.version,
    2,
    "forced: read anew",
  );
  hang = true;
  const started = performance.now();
  assert.equal((await cache.get(true, { waitAtMostStaleWait: true })).metadata.version, 2, "the last view");
  const waited = performance.now() - started;
  assert.ok(waited >= 45 && waited < 5_000, `waited ${waited} ms`);
});

test("a broker that just opened partitions announces itself as their leader in its view, without a read", async () => {
  let calls = 0;
  const cache = new MetadataCache(
    {
      async metadata() {
        calls++;
        return metadataAt(calls);
      },
    },
    60_000,
  );
  assert.equal(cache.announceOpened(2, []), false, "no view yet: nothing to announce in");
  await cache.get();
  const topicId = "00000000-0000-4000-8000-000000000001";
  assert.equal(cache.announceOpened(2, [{ topicId, partition: 0, leaderEpoch: 4 }]), true);
  const view = await cache.get();
  assert.equal(calls, 1, "answered from memory");
  assert.deepEqual(view.topicsByName.get("orders")?.partitions[0], {
    partition: 0,
    leaderBrokerId: 2,
    leaderEpoch: 4,
    streamId: 5,
  });
  assert.equal(view.topicsById.get(topicId)?.partitions[0]?.leaderBrokerId, 2);
  assert.equal(view.metadata.version, 1, "the version read stays the version read");

  assert.equal(
    cache.announceOpened(3, [
      { topicId, partition: 0, leaderEpoch: 5 },
      { topicId, partition: 1, leaderEpoch: 5 },
    ]),
    false,
    "a partition the view does not know: the caller refreshes",
  );
  assert.equal((await cache.get()).topicsByName.get("orders")?.partitions[0]?.leaderBrokerId, 2, "unchanged");
  assert.equal(cache.announceOpened(3, [{ topicId, partition: 0, leaderEpoch: 3 }]), true);
  assert.deepEqual(
    (await cache.get()).topicsByName.get("orders")?.partitions[0],
    { partition: 0, leaderBrokerId: 2, leaderEpoch: 4, streamId: 5 },
    "an open at an older epoch than the view's names no leader: broker 3 is not announced at epoch 4",
  );
});

test("awaitSuccessors keeps the view the control plane answers once the streams are led elsewhere", async () => {
  let answer: (metadata: ClusterMetadata) => void = () => {};
  const asked: unknown[] = [];
  const cache = new MetadataCache(
    {
      metadata(successors) {
        if (!successors) return Promise.resolve(metadataAt(1));
        asked.push({ ...successors, signal: undefined });
        return new Promise((resolve) => {
          answer = resolve;
        });
      },
    },
    60_000,
  );
  await cache.get();
  const waited = cache.awaitSuccessors(1, [5], 5_000);
  assert.deepEqual(asked, [{ movedFrom: 1, streamIds: [5], waitMs: 5_000, signal: undefined }]);
  assert.equal(cache.successorOf(5), waited, "a handed-off stream's wait runs");
  assert.equal(cache.successorOf(6), undefined, "no wait for a stream not handed off");
  const moved = metadataAt(1);
  moved.topics[0]!.partitions[0] = { partition: 0, leaderBrokerId: 2, leaderEpoch: 2, streamId: 5 };
  answer(moved);
  await waited;
  assert.equal(
    (await cache.get()).topicsById.get(moved.topics[0]!.topicId)?.partitions[0]?.leaderBrokerId,
    2,
  );
  assert.equal(cache.successorOf(5), undefined, "the wait is over");
});

test("a failed or abandoned successor wait resolves and leaves the view as it was", async () => {
  const cache = new MetadataCache(
    {
      metadata(successors) {
        if (!successors) return Promise.resolve(metadataAt(3));
        return new Promise((_, reject) => {
          successors.signal?.addEventListener("abort", () => reject(new Error("aborted")), { once: true });
        });
      },
    },
    60_000,
  );
  await cache.get();
  const waited = cache.awaitSuccessors(1, [5, 7], 5_000);
  cache.close();
  await waited;
  assert.equal(cache.successorOf(7), undefined);
  assert.equal((await cache.get()).metadata.version, 3);
  // A successor read of an older version than the view's is not kept.
  const older = new MetadataCache(
    { metadata: (successors) => Promise.resolve(metadataAt(successors ? 1 : 2)) },
    60_000,
  );
  await older.get();
  await older.awaitSuccessors(1, [5], 100);
  assert.equal((await older.get()).metadata.version, 2);
});
