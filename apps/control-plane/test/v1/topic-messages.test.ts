// GET/POST /v1/clusters/{id}/topics/{name}/partitions/{p}/messages: the failure paths answer problems with a
// stable code (the reads and writes through a live leader are proven in e2e/test/console.test.ts).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
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
    ]) {
      const answer = await t.app.server.inject({ method: "GET", url: bad, headers: t.auth(t.viewer) });
      assert.equal(answer.statusCode, 400, bad);
      assert.equal(answer.json().code, "INVALID_REQUEST", bad);
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
