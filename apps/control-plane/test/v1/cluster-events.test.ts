// GET /v1/clusters/{id}/events: a cluster live over Server-Sent Events (brokers, their network, watermarks,
// operations), and the watermarks GET /v1/clusters/{id}/metrics gives to draw. Over a listening server; brokers
// register and heartbeat through the internal API as real ones do, the controllers do not run.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { eq } from "drizzle-orm";
import { clusters } from "../../src/db/schema.ts";
import { listOperations, saveOperation } from "../../src/services/operations.ts";
import { EventStreamReader } from "../helpers/event-stream-reader.ts";
import { createLocalCluster, createTestApp, localSpec, type TestApp } from "../helpers/test-app.ts";

type Broker = { brokerId: number; state: string; instanceType: string | null; partitions: number };
type Watermarks = {
  capacityBytesPerSec: number;
  highBytesPerSec: number;
  lowBytesPerSec: number;
  highPercent?: number;
  lowPercent?: number;
};
type Sample = { brokerId: number; bytesInPerSec: number; bytesOutPerSec: number; leaseUntil: number };

describe("cluster events", { timeout: 60_000 }, () => {
  let t: TestApp;
  let url: string;
  let clusterId: string;
  let brokerAuth: { authorization: string };
  const open = (path: string, token?: string, signal?: AbortSignal) =>
    fetch(`${url}${path}`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
      ...(signal ? { signal } : {}),
    });
  const register = async (instanceId: string) => {
    const answer = await t.app.server.inject({
      method: "POST",
      url: "/internal/v1/brokers/register",
      headers: brokerAuth,
      payload: { instanceId, zone: "zone-a", host: "127.0.0.1", port: 9092 },
    });
    assert.equal(answer.statusCode, 200, answer.body);
    return answer.json() as { brokerId: number; epoch: number };
  };

  before(async () => {
    t = await createTestApp("pglite", {
      clusterEventsIntervalMs: 100,
      operationEventsIntervalMs: 50,
      eventStreamHeartbeatMs: 60_000,
    });
    url = await t.app.server.listen({ port: 0, host: "127.0.0.1" });
    const made = await createLocalCluster(t, "live");
    clusterId = made.id;
    brokerAuth = { authorization: `Bearer ${made.brokerToken}` };
  });
  after(() => t?.close());

  it("needs a token (401) and a cluster that exists (404), as problems before any stream", async () => {
    const anonymous = await open(`/v1/clusters/${clusterId}/events`);
    assert.equal(anonymous.status, 401);
    assert.match(anonymous.headers.get("content-type") ?? "", /application\/problem\+json/);
    const missing = await open("/v1/clusters/00000000-0000-4000-8000-000000000000/events", t.viewer);
    assert.equal(missing.status, 404);
    assert.equal((await missing.json()).code, "NOT_FOUND");
  });

  it("sends the cluster, brokers and watermarks, then broker changes, network samples, cluster and watermark changes and operations", async () => {
    const answer = await open(`/v1/clusters/${clusterId}/events`, t.viewer);
    assert.equal(answer.status, 200);
    assert.match(answer.headers.get("content-type") ?? "", /^text\/event-stream/);
    const events = new EventStreamReader(answer.body!);
    try {
      const snapshot = (await events.nextEvent("snapshot")).data as {
        cluster: { id: string; version: number };
        brokers: Broker[];
        watermarks: Watermarks;
      };
      const got = await t.app.server.inject({
        method: "GET",
        url: `/v1/clusters/${clusterId}`,
        headers: t.auth(t.viewer),
      });
      assert.deepEqual(snapshot.cluster, got.json(), "the cluster as GET /v1/clusters/{id} gives it");
      assert.deepEqual(snapshot.brokers, []);
      assert.equal(snapshot.watermarks.highBytesPerSec, localSpec.scaling.highWatermarkBytesPerSec);
      assert.equal(snapshot.watermarks.lowBytesPerSec, localSpec.scaling.lowWatermarkBytesPerSec);
      assert.equal(snapshot.watermarks.highPercent, undefined);

      // A broker comes: a `brokers` event with it.
      const b = await register("i-live-1");
      const joined = (await events.nextEvent("brokers")).data as { items: Broker[] };
      assert.deepEqual(
        joined.items.map((x) => [x.brokerId, x.state, x.instanceType]),
        [[b.brokerId, "ACTIVE", null]],
      );

      // It reports traffic: a `network` sample with its rates (and no `brokers` event: nothing else changed).
      const beat = await t.app.server.inject({
        method: "POST",
        url: `/internal/v1/brokers/${b.brokerId}/heartbeat`,
        headers: brokerAuth,
        payload: { epoch: b.epoch, load: { bytesInPerSec: 4000, bytesOutPerSec: 1500 } },
      });
      assert.equal(beat.statusCode, 200, beat.body);
      let sample: { at: number; items: Sample[] };
      do {
        const e = await events.next();
        assert.ok(e, "the stream is open");
        assert.notEqual(e.event, "brokers", "a heartbeat is not a broker change");
        sample = e.event === "network" ? (e.data as typeof sample) : { at: 0, items: [] };
      } while (sample.items[0]?.bytesInPerSec !== 4000);
      assert.deepEqual(
        sample.items.map((s) => [s.brokerId, s.bytesInPerSec, s.bytesOutPerSec]),
        [[b.brokerId, 4000, 1500]],
      );
      assert.ok(sample.at > 0 && sample.items[0]!.leaseUntil > Date.now());

      // The spec moves to percent watermarks: a `watermarks` event, resolved against the spec's capacity.
      const current = (
        await t.app.server.inject({
          method: "GET",
          url: `/v1/clusters/${clusterId}`,
          headers: t.auth(t.viewer),
        })
      ).json();
      const spec = {
        ...localSpec,
        scaling: { highWatermarkPercent: 80, lowWatermarkPercent: 20, cooldownSeconds: 300 },
        balancing: { brokerNetworkBytesPerSec: 50_000_000 },
      };
      const patched = await t.app.server.inject({
        method: "PATCH",
        url: `/v1/clusters/${clusterId}`,
        headers: t.auth(t.operator),
        payload: { version: current.version, spec },
      });
      assert.equal(patched.statusCode, 202, patched.body);
      const changed = (await events.nextEvent("cluster")).data as { version: number; state: string };
      assert.equal(changed.version, current.version + 1);
      assert.equal(changed.state, patched.json().cluster.state);
      const watermarks = (await events.nextEvent("watermarks")).data as Watermarks;
      assert.deepEqual(watermarks, {
        capacityBytesPerSec: 50_000_000,
        highBytesPerSec: 40_000_000,
        lowBytesPerSec: 10_000_000,
        highPercent: 80,
        lowPercent: 20,
      });
      // The chart's polled fallback gets the same.
      const metrics = await t.app.server.inject({
        method: "GET",
        url: `/v1/clusters/${clusterId}/metrics?stepSeconds=10`,
        headers: t.auth(t.viewer),
      });
      assert.equal(metrics.statusCode, 200);
      assert.deepEqual(metrics.json().watermarks, watermarks);

      // An operation of this cluster changes: an `operation` event (the update above made one, too).
      const [op] = await listOperations(t.testDb.database.db, { clusterId }, 1);
      await saveOperation(t.testDb.database.db, { ...op!, status: "RUNNING", attempts: 7 });
      let seen: { id: string; attempts: number };
      do seen = (await events.nextEvent("operation")).data as typeof seen;
      while (seen.id !== op!.id || seen.attempts !== 7);
    } finally {
      await events.cancel();
    }
  });

  it("reads each cluster once per interval however many watch it, and stops when the last one goes", async () => {
    const feed = t.app.context.clusterFeed;
    const aborts = [new AbortController(), new AbortController()];
    for (const abort of aborts) {
      const events = new EventStreamReader(
        (await open(`/v1/clusters/${clusterId}/events`, t.viewer, abort.signal)).body!,
      );
      await events.nextEvent("snapshot");
    }
    assert.equal(feed.watchedCount, 1);
    for (const abort of aborts) abort.abort();
    const deadline = Date.now() + 5_000;
    while (feed.watchedCount > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(feed.watchedCount, 0, "nobody listens: the cluster is no longer read");
  });

  it("ends with a 404 problem event once the cluster is deleted", async () => {
    const gone = await createLocalCluster(t, "going");
    const events = new EventStreamReader((await open(`/v1/clusters/${gone.id}/events`, t.viewer)).body!);
    await events.nextEvent("snapshot");
    const db = t.testDb.database.db;
    await db.delete(clusters).where(eq(clusters.id, gone.id));
    const error = (await events.nextEvent("error", 3_000)).data as {
      status: number;
      code: string;
      detail: string;
    };
    assert.equal(error.status, 404);
    assert.equal(error.code, "NOT_FOUND");
    assert.match(error.detail, /was deleted/);
    assert.equal(await events.next(), undefined);
  });
});
