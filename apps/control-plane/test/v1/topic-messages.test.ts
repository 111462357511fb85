// GET/POST /v1/clusters/{id}/topics/{name}/partitions/{p}/messages: the failure paths answer problems with a
// stable code; browsing from a timestamp resolves it with ListOffsets on the partition's leader (a Kafka-speaking
// test leader here; the real broker in e2e/test/console.test.ts, where the produce path is proven too).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { eq } from "drizzle-orm";
import { brokers, partitions, topics } from "../../src/db/schema.ts";
import { parseMessageTimestamp } from "../../src/services/message-timestamp.ts";
import { KafkaTestLeader } from "../helpers/kafka-test-leader.ts";
import { createLocalCluster, createTestApp, type TestApp } from "../helpers/test-app.ts";

describe("topic messages", { timeout: 60_000 }, () => {
  let t: TestApp;
  let clusterId: string;
  const url = (topic: string, partition: number | string, query = "") =>
    `/v1/clusters/${clusterId}/topics/${topic}/partitions/${partition}/messages${query}`;

  before(async () => {
    t = await createTestApp("pglite");
    clusterId = (await createLocalCluster(t, "messages")).id;
    const topic = await t.app.server.inject({
      method: "POST",
      url: `/v1/clusters/${clusterId}/topics`,
      headers: t.auth(t.operator),
      payload: { name: "orders", partitions: 2 },
    });
    assert.equal(topic.statusCode, 201);
  });
  after(() => t?.close());

  it("answers 503 UNAVAILABLE while the partition has no leader (no broker runs)", async () => {
    const read = await t.app.server.inject({
      method: "GET",
      url: url("orders", 0),
      headers: t.auth(t.viewer),
    });
    assert.equal(read.statusCode, 503);
    assert.equal(read.json().code, "UNAVAILABLE");
    assert.match(read.json().detail, /no leader/);
    const write = await t.app.server.inject({
      method: "POST",
      url: url("orders", 1),
      headers: t.auth(t.operator),
      payload: { key: "k", value: "v" },
    });
    assert.equal(write.statusCode, 503);
    assert.match(write.headers["content-type"] as string, /application\/problem\+json/);
  });

  it("answers 404 for an unknown topic or partition", async () => {
    const topic = await t.app.server.inject({
      method: "GET",
      url: url("nope", 0),
      headers: t.auth(t.viewer),
    });
    assert.equal(topic.statusCode, 404);
    assert.equal(topic.json().code, "UNKNOWN_TOPIC");
    const partition = await t.app.server.inject({
      method: "GET",
      url: url("orders", 7),
      headers: t.auth(t.viewer),
    });
    assert.equal(partition.statusCode, 404);
    assert.match(partition.json().detail, /no partition 7 \(it has 2\)/);
  });

  it("refuses bad input with 400 before asking any broker", async () => {
    for (const bad of [
      url("orders", 0, "?limit=0"),
      url("orders", 0, "?limit=1000"),
      url("orders", -1),
      url("orders", 0, "?before=-5"),
      url("orders", 0, "?timestamp="),
      url("orders", 0, "?timestamp=yesterday"),
      url("orders", 0, "?timestamp=-5"),
      url("orders", 0, "?timestamp=1.5"),
      url("orders", 0, "?timestamp=2026-12-07T01:30"),
      url("orders", 0, "?timestamp=2026-13-45T01:30:00Z"),
      url("orders", 0, "?timestamp=99999999999999999"),
      url("orders", 0, "?timestamp=1765000000000&before=3"),
    ]) {
      const answer = await t.app.server.inject({ method: "GET", url: bad, headers: t.auth(t.viewer) });
      assert.equal(answer.statusCode, 400, bad);
      assert.match(answer.headers["content-type"] as string, /application\/problem\+json/, bad);
      assert.equal(answer.json().code, "INVALID_REQUEST", bad);
      if (bad.includes("timestamp=")) assert.match(answer.json().detail, /timestamp|before/, bad);
    }
    for (const payload of [
      {},
      { value: "v", extra: 1 },
      { value: 5 },
      { value: "v", headers: [{ key: "", value: "x" }] },
    ]) {
      const answer = await t.app.server.inject({
        method: "POST",
        url: url("orders", 0),
        headers: t.auth(t.operator),
        payload,
      });
      assert.equal(answer.statusCode, 400, JSON.stringify(payload));
    }
  });

  it("lets a viewer read but not produce", async () => {
    const write = await t.app.server.inject({
      method: "POST",
      url: url("orders", 0),
      headers: t.auth(t.viewer),
      payload: { value: "v" },
    });
    assert.equal(write.statusCode, 403);
  });
});

describe("message timestamps", () => {
  it("takes milliseconds since the epoch or ISO 8601 with a zone", () => {
    assert.equal(parseMessageTimestamp("0"), 0);
    assert.equal(parseMessageTimestamp("1765071000000"), 1_765_071_000_000);
    assert.equal(parseMessageTimestamp("2025-12-07T01:30:00Z"), Date.UTC(2025, 11, 7, 1, 30));
    assert.equal(parseMessageTimestamp("2025-12-07T01:30:00.250Z"), Date.UTC(2025, 11, 7, 1, 30, 0, 250));
    assert.equal(parseMessageTimestamp("2025-12-07T03:30+02:00"), Date.UTC(2025, 11, 7, 1, 30));
  });
  it("refuses a time without a zone, a date that does not exist, and anything else", () => {
    for (const bad of [
      "",
      "now",
      "-1",
      "1e12",
      "2025-12-07",
      "2025-12-07T01:30",
      "2025-02-30T00:00:00Z",
      "2025-12-07T24:00Z",
      "2025-12-07T01:30+25:00",
    ]) {
      assert.throws(() => parseMessageTimestamp(bad), /querystring\/timestamp must be/, bad);
    }
  });
});

describe("topic messages from a timestamp, through a leader", { timeout: 60_000 }, () => {
  const T0 = 1_765_000_000_000n;
  let t: TestApp;
  let clusterId: string;
  let leader: KafkaTestLeader;
  const read = (query: string) =>
    t.app.server.inject({
      method: "GET",
      url: `/v1/clusters/${clusterId}/topics/events/partitions/0/messages${query}`,
      headers: t.auth(t.viewer),
    });
  const offsets = (body: { messages: { offset: number }[] }) => body.messages.map((m) => m.offset);

  before(async () => {
    t = await createTestApp("pglite");
    clusterId = (await createLocalCluster(t, "timestamps")).id;
    const made = await t.app.server.inject({
      method: "POST",
      url: `/v1/clusters/${clusterId}/topics`,
      headers: t.auth(t.operator),
      payload: { name: "events", partitions: 1 },
    });
    assert.equal(made.statusCode, 201);
    leader = await new KafkaTestLeader("events", 0).start();
    // Ten records a second apart, two per batch: a time can fall in the middle of a batch.
    for (let i = 0n; i < 10n; i += 2n) {
      leader.append([
        { value: `v${i}`, timestamp: T0 + i * 1000n },
        { value: `v${i + 1n}`, timestamp: T0 + (i + 1n) * 1000n },
      ]);
    }
    const { db } = t.testDb.database;
    const now = Date.now();
    await db.insert(brokers).values({
      clusterId,
      brokerId: 0,
      instanceId: "test-leader",
      zone: "zone-a",
      host: "127.0.0.1",
      port: leader.port,
      epoch: 1,
      state: "ACTIVE",
      leaseUntil: now + 3_600_000,
      registeredAt: now,
    });
    const [topic] = await db.select({ id: topics.id }).from(topics).where(eq(topics.clusterId, clusterId));
    await db.update(partitions).set({ leaderBrokerId: 0 }).where(eq(partitions.topicId, topic!.id));
  });
  after(async () => {
    await t?.close();
    await leader?.stop();
  });

  it("reads the records from the first one at or after the time, newest first, in ms or ISO 8601", async () => {
    const fromMs = await read(`?timestamp=${T0 + 4500n}&limit=50`);
    assert.equal(fromMs.statusCode, 200, fromMs.body);
    assert.deepEqual(offsets(fromMs.json()), [9, 8, 7, 6, 5]);
    assert.equal(fromMs.json().timestampOffset, 5);
    assert.equal(fromMs.json().endOffset, 10);
    assert.equal(leader.asked.at(-1), T0 + 4500n, "the leader was asked for that very time");
    const iso = new Date(Number(T0 + 3000n)).toISOString();
    const fromIso = await read(`?timestamp=${encodeURIComponent(iso)}`);
    assert.equal(fromIso.statusCode, 200, fromIso.body);
    assert.deepEqual(offsets(fromIso.json()), [9, 8, 7, 6, 5, 4, 3]);
    assert.deepEqual(
      fromIso.json().messages.map((m: { timestamp: number }) => m.timestamp),
      [9, 8, 7, 6, 5, 4, 3].map((i) => Number(T0) + i * 1000),
    );
  });

  it("pages forward from the time by `limit`", async () => {
    const page = await read(`?timestamp=${T0 + 1000n}&limit=3`);
    assert.equal(page.statusCode, 200, page.body);
    assert.deepEqual(offsets(page.json()), [3, 2, 1]);
    assert.equal(page.json().timestampOffset, 1);
  });

  it("answers an empty page at the end offset for a time after the last record", async () => {
    const late = await read(`?timestamp=${T0 + 60_000n}`);
    assert.equal(late.statusCode, 200, late.body);
    assert.deepEqual(late.json().messages, []);
    assert.equal(late.json().timestampOffset, 10);
    assert.equal(late.json().endOffset, 10);
  });

  it("still reads newest first before an offset, with no timestampOffset", async () => {
    const page = await read("?before=4&limit=2");
    assert.equal(page.statusCode, 200, page.body);
    assert.deepEqual(offsets(page.json()), [3, 2]);
    assert.equal(page.json().timestampOffset, undefined);
  });
});
