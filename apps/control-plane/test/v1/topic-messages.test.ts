// GET/POST /v1/clusters/{id}/topics/{name}/partitions/{p}/messages: the failure paths answer problems with a
// stable code; browsing from a timestamp resolves it with ListOffsets on the partition's leader (a Kafka-speaking
// test leader here; the real broker in e2e/test/console.test.ts, where the produce path is proven too).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { eq } from "drizzle-orm";
import { brokers, partitions, topics } from "../../src/db/schema.ts";
import { parseJsonFilter, parseMessageFilter } from "../../src/services/message-filter.ts";
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
      url("orders", 0, "?json=user.id"),
      url("orders", 0, "?json=%3D42"),
      url("orders", 0, "?json=user..id%3D1"),
      url("orders", 0, "?json=%24.%3D1"),
      url("orders", 0, "?key="),
      url("orders", 0, "?value=x&scanRecords=0"),
      url("orders", 0, "?value=x&scanRecords=1000000"),
      url("orders", 0, "?value=x&scanBytes=10"),
    ]) {
      const answer = await t.app.server.inject({ method: "GET", url: bad, headers: t.auth(t.viewer) });
      assert.equal(answer.statusCode, 400, bad);
      assert.match(answer.headers["content-type"] as string, /application\/problem\+json/, bad);
      assert.equal(answer.json().code, "INVALID_REQUEST", bad);
      if (bad.includes("timestamp=")) assert.match(answer.json().detail, /timestamp|before/, bad);
      if (bad.includes("json=")) assert.match(answer.json().detail, /querystring\/json must be/, bad);
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

  it("lists partitions without offsets while they have no leader", async () => {
    const answer = await t.app.server.inject({
      method: "GET",
      url: `/v1/clusters/${clusterId}/topics/orders/offsets`,
      headers: t.auth(t.viewer),
    });
    assert.equal(answer.statusCode, 200, answer.body);
    assert.deepEqual(
      answer.json().items.map((p: { partition: number; records: number | null }) => [p.partition, p.records]),
      [
        [0, null],
        [1, null],
      ],
    );
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

describe("message filters", () => {
  const record = (value: string | null, key: string | null = null, headers: [string, string][] = []) => ({
    key: key === null ? null : Buffer.from(key),
    value: value === null ? null : Buffer.from(value),
    headers: headers.map(([k, v]) => ({ key: k, value: Buffer.from(v) })),
  });
  it("matches key, value and header text, contains and case-insensitive, every filter given", () => {
    const r = record("Order PLACED", "Customer-7", [["trace", "ABC123"]]);
    assert.equal(parseMessageFilter({}).active, false);
    assert.equal(parseMessageFilter({}).matches(r), true);
    assert.equal(parseMessageFilter({ key: "customer-7" }).matches(r), true);
    assert.equal(parseMessageFilter({ key: "customer-8" }).matches(r), false);
    assert.equal(parseMessageFilter({ value: "placed" }).matches(r), true);
    assert.equal(parseMessageFilter({ header: "trace=abc" }).matches(r), true);
    assert.equal(parseMessageFilter({ header: "span" }).matches(r), false);
    assert.equal(parseMessageFilter({ key: "customer", value: "shipped" }).matches(r), false);
    assert.equal(parseMessageFilter({ key: "x" }).matches(record("v")), false, "no key: no match");
  });
  it("matches a JSON field by path, literal as JSON or text", () => {
    const doc = record(
      JSON.stringify({ user: { id: 42, name: "Ann", tag: "7" }, items: [{ sku: "A-1" }], ok: true }),
    );
    const m = (json: string, r = doc) => parseMessageFilter({ json }).matches(r);
    assert.equal(m("user.id=42"), true);
    assert.equal(m("$.user.id == 42"), true);
    assert.equal(m("user.id=43"), false);
    assert.equal(m("user.name=Ann"), true);
    assert.equal(m('user.name == "Ann"'), true);
    assert.equal(m("user.name=ann"), false, "equality, not contains");
    assert.equal(m("user.tag=7"), true, "a bare number finds the same text in a string field");
    assert.equal(m('user.id="42"'), false, "a quoted string does not equal a number");
    assert.equal(m('$.items[0].sku == "A-1"'), true);
    assert.equal(m("items[1].sku=A-1"), false);
    assert.equal(m("ok=true"), true);
    assert.equal(m("user.missing=null"), false, "an absent field is not null");
    assert.equal(m('user={"id":42,"name":"Ann","tag":"7"}'), true);
    assert.equal(m("user.id=42", record("not json")), false);
    assert.equal(m("user.id=42", record(null)), false);
  });
  it("refuses a JSON filter without a path or an `=`", () => {
    for (const bad of ["user.id", "=42", "$ == 1", "a..b=1", "a[x]=1", "a.=1"])
      assert.throws(() => parseJsonFilter(bad), /querystring\/json must be/, bad);
    assert.deepEqual(parseJsonFilter("a.b[2][0].c=1").path, ["a", "b", 2, 0, "c"]);
  });
});

describe("topic messages filtered on the server, through a leader", { timeout: 60_000 }, () => {
  let t: TestApp;
  let clusterId: string;
  let leader: KafkaTestLeader;
  const read = (query: string) =>
    t.app.server.inject({
      method: "GET",
      url: `/v1/clusters/${clusterId}/topics/users/partitions/0/messages${query}`,
      headers: t.auth(t.viewer),
    });
  const offsets = (body: { messages: { offset: number }[] }) => body.messages.map((m) => m.offset);

  before(async () => {
    t = await createTestApp("pglite");
    clusterId = (await createLocalCluster(t, "filters")).id;
    const made = await t.app.server.inject({
      method: "POST",
      url: `/v1/clusters/${clusterId}/topics`,
      headers: t.auth(t.operator),
      payload: { name: "users", partitions: 2 },
    });
    assert.equal(made.statusCode, 201);
    leader = await new KafkaTestLeader("users", 0).start();
    // 3,000 records in batches of 100: user i has id i % 10; every 500th is an "alert" with a header.
    for (let base = 0; base < 3000; base += 100) {
      leader.append(
        Array.from({ length: 100 }, (_, j) => {
          const i = base + j;
          return {
            key: `user-${i % 10}`,
            value: JSON.stringify({ user: { id: i % 10 }, n: i, kind: i % 500 === 0 ? "ALERT" : "info" }),
            headers: i % 500 === 0 ? [{ key: "severity", value: Buffer.from("High") }] : [],
            timestamp: 1_765_000_000_000n + BigInt(i),
          };
        }),
      );
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

  it("keeps only the matching records, newest first, scanning past windows of others", async () => {
    const alerts = await read("?value=alert&limit=50");
    assert.equal(alerts.statusCode, 200, alerts.body);
    assert.deepEqual(offsets(alerts.json()), [2500, 2000, 1500, 1000, 500, 0]);
    assert.deepEqual(alerts.json().scan.from, 0, "scanned to the start");
    assert.equal(alerts.json().scan.to, 3000);
    assert.equal(alerts.json().scan.records, 3000);
    const headers = await read("?header=severity%3Dhigh&limit=2");
    assert.deepEqual(offsets(headers.json()), [2500, 2000]);
    assert.equal(headers.json().scan.from, 2000, "the next page is before the oldest one shown");
    const next = await read(`?header=severity%3Dhigh&limit=2&before=${headers.json().scan.from}`);
    assert.deepEqual(offsets(next.json()), [1500, 1000]);
    const json = await read(`?json=${encodeURIComponent("$.user.id == 7")}&key=USER-7&limit=3`);
    assert.equal(json.statusCode, 200, json.body);
    assert.deepEqual(offsets(json.json()), [2997, 2987, 2977]);
  });

  it("stops at the scan budget and says where, so the page can continue", async () => {
    const first = await read("?value=alert&limit=50&scanRecords=1200");
    assert.equal(first.statusCode, 200, first.body);
    assert.deepEqual(offsets(first.json()), [2500, 2000]);
    assert.equal(first.json().scan.records, 1200);
    assert.equal(first.json().scan.from, 1800);
    const rest = await read(`?value=alert&limit=50&scanRecords=100000&before=${first.json().scan.from}`);
    assert.deepEqual(offsets(rest.json()), [1500, 1000, 500, 0]);
    const byBytes = await read("?value=nothing-matches&scanBytes=65536");
    assert.equal(byBytes.statusCode, 200, byBytes.body);
    assert.deepEqual(byBytes.json().messages, []);
    assert.ok(byBytes.json().scan.from > 0, "the byte budget stopped the scan before the start");
    assert.ok(byBytes.json().scan.records < 3000);
  });

  it("filters forwards from a timestamp", async () => {
    const page = await read("?timestamp=1765000000700&value=alert&limit=2");
    assert.equal(page.statusCode, 200, page.body);
    assert.deepEqual(offsets(page.json()), [1500, 1000]);
    assert.equal(page.json().timestampOffset, 700);
    assert.equal(page.json().scan.from, 700);
    const to = page.json().scan.to;
    assert.ok(to > 1500 && to <= 2000, `scanned past the last one kept, not past the next match: ${to}`);
  });

  it("reads unfiltered pages as before, with the range it read", async () => {
    const page = await read("?limit=3");
    assert.deepEqual(offsets(page.json()), [2999, 2998, 2997]);
    assert.deepEqual(page.json().scan, { from: 2997, to: 3000, records: 3, bytes: page.json().scan.bytes });
  });

  it("lists the partitions' log start and end offsets from their leader, none where it does not answer", async () => {
    const answer = await t.app.server.inject({
      method: "GET",
      url: `/v1/clusters/${clusterId}/topics/users/offsets`,
      headers: t.auth(t.viewer),
    });
    assert.equal(answer.statusCode, 200, answer.body);
    assert.deepEqual(answer.json().items, [
      { partition: 0, leaderBrokerId: 0, startOffset: 0, endOffset: 3000, records: 3000 },
      // The test leader answers NOT_LEADER_OR_FOLLOWER for partition 1: no offsets rather than a failed page.
      { partition: 1, leaderBrokerId: 0, startOffset: null, endOffset: null, records: null },
    ]);
    const unknown = await t.app.server.inject({
      method: "GET",
      url: `/v1/clusters/${clusterId}/topics/nope/offsets`,
      headers: t.auth(t.viewer),
    });
    assert.equal(unknown.statusCode, 404);
    assert.equal(unknown.json().code, "UNKNOWN_TOPIC");
  });
});
