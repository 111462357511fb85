// Offset reset: where each target puts a partition (Kafka's clamping rules), and the route's refusals before
// any broker is asked (bad body 400, viewer 403, unknown cluster 404, no broker 503). The live reset — dry
// run, 409 while the group has a member, execution on the empty group — runs in e2e/test/console.test.ts.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { planOffsetReset, resetOffset } from "../../src/services/offset-reset-plan.ts";
import { createLocalCluster, createTestApp, type TestApp } from "../helpers/test-app.ts";

const bounds = { topic: "orders", partition: 0, before: 40, earliest: 10, latest: 100 };

describe("offset reset plan", () => {
  it("puts earliest and latest at the partition's bounds", () => {
    assert.equal(resetOffset({ type: "earliest" }, bounds), 10);
    assert.equal(resetOffset({ type: "latest" }, bounds), 100);
  });
  it("clamps an offset into [earliest, latest]", () => {
    assert.equal(resetOffset({ type: "offset", offset: 55 }, bounds), 55);
    assert.equal(resetOffset({ type: "offset", offset: 3 }, bounds), 10);
    assert.equal(resetOffset({ type: "offset", offset: 1_000 }, bounds), 100);
  });
  it("takes a timestamp's first offset, the end when no record is that late", () => {
    const target = { type: "timestamp", timestamp: 1_700_000_000_000 } as const;
    assert.equal(resetOffset(target, { ...bounds, atTimestamp: 42 }), 42);
    assert.equal(resetOffset(target, { ...bounds, atTimestamp: -1 }), 100);
    assert.throws(() => resetOffset(target, bounds), /no offset for the timestamp of orders-0/);
  });
  it("keeps before, sorts by topic then partition", () => {
    const plan = planOffsetReset({ type: "latest" }, [
      { ...bounds, topic: "b", partition: 1 },
      { ...bounds, topic: "a", partition: 2, before: -1 },
      { ...bounds, topic: "b", partition: 0, latest: 7, earliest: 0 },
    ]);
    assert.deepEqual(plan, [
      { topic: "a", partition: 2, before: -1, after: 100 },
      { topic: "b", partition: 0, before: 40, after: 7 },
      { topic: "b", partition: 1, before: 40, after: 100 },
    ]);
  });
});

describe("offset reset route without brokers", { timeout: 60_000 }, () => {
  let t: TestApp;
  let clusterId: string;
  const url = () => `/v1/clusters/${clusterId}/consumer-groups/billing/offsets/reset`;
  before(async () => {
    t = await createTestApp("pglite");
    clusterId = (await createLocalCluster(t, "resets")).id;
  });
  after(() => t?.close());

  it("refuses a body that is not a reset with 400 problems naming the field", async () => {
    const bad: [Record<string, unknown>, RegExp][] = [
      [{}, /target/],
      [{ target: { type: "middle" } }, /target/],
      [{ target: { type: "offset", offset: -1 } }, /target/],
      [{ target: { type: "timestamp" } }, /target/],
      [{ target: { type: "latest" }, topics: [] }, /topics/],
      [{ target: { type: "latest" }, dryRun: "no" }, /dryRun/],
      [{ target: { type: "latest" }, force: true }, /force|additional/],
    ];
    for (const [payload, field] of bad) {
      const answer = await t.app.server.inject({
        method: "POST",
        url: url(),
        headers: t.auth(t.admin),
        payload,
      });
      assert.equal(answer.statusCode, 400, JSON.stringify(payload));
      assert.match(answer.headers["content-type"] as string, /application\/problem\+json/);
      assert.equal(answer.json().code, "INVALID_REQUEST");
      assert.match(JSON.stringify(answer.json()), field, JSON.stringify(payload));
    }
  });

  it("needs the operator scope", async () => {
    const answer = await t.app.server.inject({
      method: "POST",
      url: url(),
      headers: t.auth(t.viewer),
      payload: { target: { type: "earliest" } },
    });
    assert.equal(answer.statusCode, 403);
  });

  it("answers 404 for an unknown cluster and 503 when no broker is active", async () => {
    const unknown = await t.app.server.inject({
      method: "POST",
      url: "/v1/clusters/00000000-0000-4000-8000-000000000000/consumer-groups/billing/offsets/reset",
      headers: t.auth(t.admin),
      payload: { target: { type: "earliest" } },
    });
    assert.equal(unknown.statusCode, 404);
    for (const dryRun of [true, false]) {
      const answer = await t.app.server.inject({
        method: "POST",
        url: url(),
        headers: t.auth(t.admin),
        payload: { target: { type: "timestamp", timestamp: 0 }, topics: ["orders"], dryRun },
      });
      assert.equal(answer.statusCode, 503);
      assert.equal(answer.json().code, "UNAVAILABLE");
      assert.match(answer.json().detail, /no broker of this cluster is active/);
    }
  });
});
