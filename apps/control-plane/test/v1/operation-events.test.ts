// GET /v1/operations/events and /v1/operations/{id}/events: Server-Sent Events over a listening server (the
// controllers do not run: the test changes operations as they would, with saveOperation), read with fetch and
// the bearer token as a browser's console does.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { getOperation, listOperations, saveOperation } from "../../src/services/operations.ts";
import { EventStreamReader } from "../helpers/event-stream-reader.ts";
import { createLocalCluster, createTestApp, type TestApp } from "../helpers/test-app.ts";

type Op = { id: string; clusterId: string | null; status: string; type: string };

describe("operation events", { timeout: 60_000 }, () => {
  let t: TestApp;
  let url: string;
  let clusterA: string;
  const open = (path: string, token?: string, signal?: AbortSignal) =>
    fetch(`${url}${path}`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
      ...(signal ? { signal } : {}),
    });
  const opOf = async (clusterId: string) => {
    const [op] = await listOperations(t.testDb.database.db, { clusterId }, 1);
    assert.ok(op, `an operation of ${clusterId}`);
    return op;
  };

  before(async () => {
    t = await createTestApp("pglite", { operationEventsIntervalMs: 50, eventStreamHeartbeatMs: 300 });
    url = await t.app.server.listen({ port: 0, host: "127.0.0.1" });
    clusterA = (await createLocalCluster(t, "events-a")).id;
  });
  after(() => t?.close());

  it("needs a token: 401 problem, no stream", async () => {
    const answer = await open("/v1/operations/events");
    assert.equal(answer.status, 401);
    assert.match(answer.headers.get("content-type") ?? "", /application\/problem\+json/);
    const bad = await open("/v1/operations/events?clusterId=nope", t.viewer);
    assert.equal(bad.status, 400);
  });

  it("streams a cluster's timeline: a snapshot, then each change of its operations only, with heartbeats", async () => {
    const answer = await open(`/v1/operations/events?clusterId=${clusterA}`, t.viewer);
    assert.equal(answer.status, 200);
    assert.match(answer.headers.get("content-type") ?? "", /^text\/event-stream/);
    assert.equal(answer.headers.get("cache-control"), "no-cache, no-store");
    const events = new EventStreamReader(answer.body!);
    try {
      assert.deepEqual(await events.next(), { event: "retry", data: 2000 });
      const snapshot = (await events.nextEvent("snapshot")).data as { items: Op[] };
      assert.deepEqual(
        snapshot.items.map((op) => [op.type, op.clusterId]),
        [["cluster.create", clusterA]],
      );
      // Another cluster's operation is not this stream's; this cluster's change is, at once.
      await createLocalCluster(t, "events-b");
      const op = await opOf(clusterA);
      await saveOperation(t.testDb.database.db, { ...op, status: "RUNNING", attempts: 1 });
      // Written in the last seconds, the operation may first come again unchanged (clients merge by id): only
      // that may come before its change.
      let changed: Op & { attempts: number };
      for (;;) {
        changed = (await events.nextEvent("operation")).data as Op & { attempts: number };
        assert.equal(changed.id, op.id);
        if (changed.status !== op.status) break;
        assert.equal(changed.attempts, op.attempts, "an unchanged repeat");
      }
      assert.equal(changed.status, "RUNNING");
      assert.equal(changed.attempts, 1);
      const heartbeat = await events.nextEvent("comment", 2_000);
      assert.equal(heartbeat.data, "heartbeat");
      // Nothing else comes: no event of events-b's operation, no repeat of the unchanged one.
      const quietUntil = Date.now() + 1_000;
      while (Date.now() < quietUntil) {
        const e = await events.next(2_000);
        assert.equal(e?.event, "comment", JSON.stringify(e));
      }
    } finally {
      await events.cancel();
    }
  });

  it("streams every cluster's operations without a clusterId", async () => {
    const answer = await open("/v1/operations/events?limit=1", t.viewer);
    const events = new EventStreamReader(answer.body!);
    try {
      const snapshot = (await events.nextEvent("snapshot")).data as { items: Op[] };
      assert.equal(snapshot.items.length, 1, "limit applies to the snapshot");
      const [b] = (await listOperations(t.testDb.database.db, {}, 10)).filter(
        (op) => op.clusterId !== clusterA,
      );
      await saveOperation(t.testDb.database.db, { ...b!, status: "RUNNING" });
      // Operations written in the last seconds may come again unchanged (clients merge by id): wait for b's.
      let changed: Op;
      do changed = (await events.nextEvent("operation")).data as Op;
      while (changed.id !== b!.id);
      assert.equal(changed.status, "RUNNING");
    } finally {
      await events.cancel();
    }
  });

  it("stops reading the database once the client goes", async () => {
    const feed = t.app.context.operationFeed;
    const abort = new AbortController();
    const answer = await open(`/v1/operations/events?clusterId=${clusterA}`, t.viewer, abort.signal);
    const events = new EventStreamReader(answer.body!);
    await events.nextEvent("snapshot");
    assert.equal(feed.listenerCount, 1);
    abort.abort();
    const deadline = Date.now() + 5_000;
    while (feed.listenerCount > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(feed.listenerCount, 0, "the server unsubscribed when the connection closed");
  });

  it("streams one operation until it finishes, then ends; 404 for an unknown one", async () => {
    const missing = await open("/v1/operations/00000000-0000-4000-8000-000000000000/events", t.viewer);
    assert.equal(missing.status, 404);
    assert.equal((await missing.json()).code, "NOT_FOUND");
    const op = await opOf(clusterA);
    const answer = await open(`/v1/operations/${op.id}/events`, t.viewer);
    assert.equal(answer.status, 200);
    const events = new EventStreamReader(answer.body!);
    const first = (await events.nextEvent("operation")).data as Op;
    assert.equal(first.id, op.id);
    assert.equal(first.status, "RUNNING");
    const now = (await getOperation(t.testDb.database.db, op.id))!;
    await saveOperation(t.testDb.database.db, { ...now, status: "SUCCEEDED", finishedAt: Date.now() });
    const last = (await events.nextEvent("operation")).data as Op;
    assert.equal(last.status, "SUCCEEDED");
    assert.equal(await events.next(), undefined, "the stream ends after the finished operation");
    // A finished operation's stream gives its view once and ends.
    const again = new EventStreamReader((await open(`/v1/operations/${op.id}/events`, t.viewer)).body!);
    assert.equal(((await again.nextEvent("operation")).data as Op).status, "SUCCEEDED");
    assert.equal(await again.next(), undefined);
  });

  it("ends open streams when the server closes, so closing does not wait on them", async () => {
    const other = await createTestApp("pglite", { operationEventsIntervalMs: 50 });
    const base = await other.app.server.listen({ port: 0, host: "127.0.0.1" });
    const answer = await fetch(`${base}/v1/operations/events`, {
      headers: { authorization: `Bearer ${other.viewer}` },
    });
    const events = new EventStreamReader(answer.body!);
    await events.nextEvent("snapshot");
    const started = Date.now();
    await other.close();
    assert.ok(Date.now() - started < 5_000, "closed promptly");
    assert.equal(await events.next(), undefined, "the client saw the stream end");
  });
});
