// GET /v1/clusters/events: every cluster live for the clusters list (created, changed, its brokers' count and
// traffic, deleted), over a listening server; brokers register and heartbeat through the internal API as real
// ones do, the controllers do not run. Token rules (cap, revocation, expiry) are the gate's, checked here once.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { eq } from "drizzle-orm";
import { clusters } from "../../src/db/schema.ts";
import { EventStreamReader } from "../helpers/event-stream-reader.ts";
import { createLocalCluster, createTestApp, type TestApp } from "../helpers/test-app.ts";
import { testBackends } from "../helpers/test-database.ts";

type Item = {
  cluster: { id: string; name: string; state: string };
  brokers: { count: number; bytesInPerSec: number; bytesOutPerSec: number };
};

for (const kind of testBackends())
  describe(`cluster list events (${kind})`, { timeout: 60_000 }, () => {
    let t: TestApp;
    let url: string;
    const open = (token?: string, signal?: AbortSignal) =>
      fetch(`${url}/v1/clusters/events`, {
        headers: token ? { authorization: `Bearer ${token}` } : {},
        ...(signal ? { signal } : {}),
      });
    /** The next `cluster` event about cluster `id` that `match` accepts (others skipped). */
    const nextItem = async (events: EventStreamReader, id: string, match: (item: Item) => boolean) => {
      for (;;) {
        const item = (await events.nextEvent("cluster", 5_000)).data as Item;
        if (item.cluster.id === id && match(item)) return item;
      }
    };

    before(async () => {
      t = await createTestApp(kind, {
        clusterEventsIntervalMs: 100,
        eventStreamHeartbeatMs: 60_000,
        eventStreamAuthCheckMs: 100,
      });
      url = await t.app.server.listen({ port: 0, host: "127.0.0.1" });
    });
    after(() => t?.close());

    it("needs a token (401 problem) before any stream", async () => {
      const anonymous = await open();
      assert.equal(anonymous.status, 401);
      assert.match(anonymous.headers.get("content-type") ?? "", /application\/problem\+json/);
    });

    it("sends every cluster, then clusters created, their state, broker count and traffic, and deletions", async () => {
      const first = await createLocalCluster(t, "list-first");
      const answer = await open(t.viewer);
      assert.equal(answer.status, 200);
      assert.match(answer.headers.get("content-type") ?? "", /^text\/event-stream/);
      const events = new EventStreamReader(answer.body!);
      try {
        const snapshot = (await events.nextEvent("snapshot")).data as { items: Item[] };
        const listed = (
          await t.app.server.inject({ method: "GET", url: "/v1/clusters", headers: t.auth(t.viewer) })
        ).json().items as { id: string }[];
        assert.deepEqual(
          snapshot.items.map((i) => i.cluster),
          listed,
          "the snapshot's clusters are the list's, newest first",
        );
        assert.deepEqual(snapshot.items.find((i) => i.cluster.id === first.id)?.brokers, {
          count: 0,
          bytesInPerSec: 0,
          bytesOutPerSec: 0,
        });

        // Created: it comes.
        const second = await createLocalCluster(t, "list-second");
        const created = await nextItem(events, second.id, () => true);
        assert.equal(created.cluster.name, "list-second");

        // A state change.
        const db = t.testDb.database.db;
        await db.update(clusters).set({ state: "RUNNING" }).where(eq(clusters.id, first.id));
        await nextItem(events, first.id, (i) => i.cluster.state === "RUNNING");

        // Two brokers join and report traffic: the count, then the sums.
        const brokerAuth = { authorization: `Bearer ${first.brokerToken}` };
        const joined: { brokerId: number; epoch: number }[] = [];
        for (const instanceId of ["i-a", "i-b"]) {
          const registered = await t.app.server.inject({
            method: "POST",
            url: "/internal/v1/brokers/register",
            headers: brokerAuth,
            payload: { instanceId, zone: "zone-a", host: "127.0.0.1", port: 9092 },
          });
          assert.equal(registered.statusCode, 200, registered.body);
          joined.push(registered.json());
        }
        await nextItem(events, first.id, (i) => i.brokers.count === 2);
        for (const [n, broker] of joined.entries()) {
          const beat = await t.app.server.inject({
            method: "POST",
            url: `/internal/v1/brokers/${broker.brokerId}/heartbeat`,
            headers: brokerAuth,
            payload: {
              epoch: broker.epoch,
              load: { bytesInPerSec: 1000 * (n + 1), bytesOutPerSec: 10 * (n + 1) },
            },
          });
          assert.equal(beat.statusCode, 200, beat.body);
        }
        const traffic = await nextItem(events, first.id, (i) => i.brokers.bytesInPerSec === 3000);
        assert.deepEqual(traffic.brokers, { count: 2, bytesInPerSec: 3000, bytesOutPerSec: 30 });

        // Deleted: its id comes.
        await db.delete(clusters).where(eq(clusters.id, second.id));
        let deleted: { id: string };
        do deleted = (await events.nextEvent("deleted", 5_000)).data as { id: string };
        while (deleted.id !== second.id);
      } finally {
        await events.cancel();
      }
    });

    it("sends nothing when nothing changed (no event per look)", async () => {
      const events = new EventStreamReader((await open(t.viewer)).body!);
      try {
        await events.nextEvent("snapshot");
        // Ten looks at 100 ms; heartbeats are a minute apart: nothing at all may come.
        await assert.rejects(events.next(1_000), /no event within/);
      } finally {
        await events.cancel();
      }
    });

    it("reads the list once per interval however many watch it, and stops when the last one goes", async () => {
      const feed = t.app.context.clusterListFeed;
      const aborts = [new AbortController(), new AbortController()];
      for (const abort of aborts) {
        await new EventStreamReader((await open(t.viewer, abort.signal)).body!).nextEvent("snapshot");
      }
      assert.ok(feed.watched);
      for (const abort of aborts) abort.abort();
      const deadline = Date.now() + 5_000;
      while (feed.watched && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.ok(!feed.watched, "nobody listens: the list is no longer read");
    });

    it("ends with a 401 problem event when its token is revoked, and counts against the token's cap", async () => {
      const { token, secret } = await t.app.context.tokens.create("list-revoked", "viewer");
      const events = new EventStreamReader((await open(secret)).body!);
      await events.nextEvent("snapshot");
      assert.equal(t.app.context.streamGate.openCount(token.id), 1);
      assert.ok(await t.app.context.tokens.revoke(token.id));
      const error = (await events.nextEvent("error", 3_000)).data as { status: number; instance: string };
      assert.equal(error.status, 401);
      assert.equal(error.instance, "/v1/clusters/events");
      assert.equal(await events.next(), undefined, "the stream ends after the error event");
    });
  });
