// Kafka's topic rules on the REST path (POST/PATCH/DELETE /v1/clusters/:id/topics…): the same rules, from
// @cirrus/broker-api's topic-rules, that the broker answers Kafka admin requests with (see
// apps/broker/test/handlers/admin-topics.test.ts) and that the internal API enforces for brokers (see
// test/internal/control-plane-client.test.ts).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { LightMyRequestResponse } from "fastify";
import { createTestApp, localSpec, type TestApp } from "../helpers/test-app.ts";
import { testBackends } from "../helpers/test-database.ts";

function assertProblem(
  response: LightMyRequestResponse,
  status: number,
  code: string,
  detail?: RegExp,
): void {
  assert.equal(response.statusCode, status, response.body.slice(0, 300));
  assert.match(String(response.headers["content-type"]), /^application\/problem\+json/);
  const body = response.json();
  assert.equal(body.code, code);
  if (detail) assert.match(body.detail, detail);
}

for (const backend of testBackends()) {
  describe(`topic rules on the REST API on ${backend}`, { timeout: 120_000 }, () => {
    let t: TestApp;
    let clusterId: string;
    let brokerToken: string;
    before(async () => {
      t = await createTestApp(backend);
      const created = await t.app.server.inject({
        method: "POST",
        url: "/v1/clusters",
        headers: t.auth(t.admin),
        payload: { name: "rules", spec: localSpec },
      });
      assert.equal(created.statusCode, 202);
      clusterId = created.json().cluster.id;
      brokerToken = created.json().brokerToken;
    });
    after(() => t.close());

    const topics = () => `/v1/clusters/${clusterId}/topics`;
    const create = (payload: object) =>
      t.app.server.inject({ method: "POST", url: topics(), headers: t.auth(t.operator), payload });
    const patch = (name: string, configs: Record<string, string>) =>
      t.app.server.inject({
        method: "PATCH",
        url: `${topics()}/${name}`,
        headers: t.auth(t.operator),
        payload: { configs },
      });
    const get = (name: string) =>
      t.app.server.inject({ method: "GET", url: `${topics()}/${name}`, headers: t.auth(t.viewer) });
    const names = async () =>
      (await t.app.server.inject({ method: "GET", url: topics(), headers: t.auth(t.viewer) }))
        .json()
        .items.map((x: { name: string }) => x.name);

    it('refuses the topic names "." and ".." (Kafka\'s Topic.validate)', async () => {
      for (const name of [".", ".."])
        assertProblem(await create({ name, partitions: 1 }), 400, "INVALID_REQUEST", /is not allowed/);
      assert.deepEqual(await names(), []);
      assert.equal(
        (await create({ name: "...", partitions: 1 })).statusCode,
        201,
        "only . and .. are special",
      );
    });

    it("refuses unknown config keys, on create and on update", async () => {
      assertProblem(
        await create({ name: "unknown-key", partitions: 1, configs: { "no.such.config": "1" } }),
        400,
        "INVALID_REQUEST",
        /Unknown topic config name: no\.such\.config/,
      );
      assert.equal((await get("unknown-key")).statusCode, 404);
      assert.equal(
        (await create({ name: "kept", partitions: 1, configs: { "retention.ms": "1000" } })).statusCode,
        201,
      );
      assertProblem(await patch("kept", { "retention.ms": "2000", "x.y": "1" }), 400, "INVALID_REQUEST");
      assert.deepEqual(
        (await get("kept")).json().configs,
        { "retention.ms": "1000" },
        "a refused update changes nothing",
      );
    });

    it("type-checks and range-checks values as Kafka's LogConfig does", async () => {
      const bad: Record<string, string>[] = [
        { "retention.ms": "banana" },
        { "retention.ms": "-2" },
        { "min.insync.replicas": "0" },
        { "max.message.bytes": "2147483648" },
        { "segment.ms": "0" },
        { "cleanup.policy": "shred" },
        { "compression.type": "brotli" },
        { "message.timestamp.type": "Now" },
        { "unclean.leader.election.enable": "maybe" },
      ];
      for (const configs of bad) {
        assertProblem(
          await create({ name: "typed", partitions: 1, configs }),
          400,
          "INVALID_REQUEST",
          /Invalid value/,
        );
        assertProblem(await patch("kept", configs), 400, "INVALID_REQUEST", /Invalid value/);
      }
      assert.equal((await get("typed")).statusCode, 404);
      const good = {
        "retention.ms": "-1",
        "retention.bytes": "1073741824",
        "cleanup.policy": "compact,delete",
        "min.insync.replicas": "1",
        "compression.type": "zstd",
        "unclean.leader.election.enable": "false",
      };
      const created = await create({ name: "typed", partitions: 2, configs: good });
      assert.equal(created.statusCode, 201, created.body);
      assert.deepEqual(created.json().configs, good);
      const updated = await patch("typed", { "cleanup.policy": "compact" });
      assert.equal(updated.statusCode, 200, updated.body);
      assert.deepEqual(updated.json().configs, { "cleanup.policy": "compact" });
    });

    it("bounds the size of all configs together (200 keys of 4,000 characters)", async () => {
      const huge = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`key.${i}`, "x".repeat(4000)]));
      assertProblem(
        await create({ name: "huge", partitions: 1, configs: huge }),
        400,
        "INVALID_REQUEST",
        /topic configs take \d+ bytes; at most 4096/,
      );
      assertProblem(await patch("kept", huge), 400, "INVALID_REQUEST", /at most 4096/);
      assert.equal((await get("huge")).statusCode, 404);
    });

    it("__consumer_offsets cannot be created, deleted or grown by users; its configs can be changed", async () => {
      assertProblem(
        await create({ name: "__consumer_offsets", partitions: 1 }),
        400,
        "INVALID_REQUEST",
        /creating internal topic __consumer_offsets is prohibited/,
      );
      assertProblem(await create({ name: "__transaction_state", partitions: 1 }), 400, "INVALID_REQUEST");
      // A broker creates it (FindCoordinator) through the internal API.
      const byBroker = await t.app.server.inject({
        method: "POST",
        url: "/internal/v1/topics",
        headers: { authorization: `Bearer ${brokerToken}` },
        payload: { name: "__consumer_offsets", partitions: 3 },
      });
      assert.equal(byBroker.statusCode, 200, byBroker.body);

      assertProblem(
        await t.app.server.inject({
          method: "DELETE",
          url: `${topics()}/__consumer_offsets`,
          headers: t.auth(t.operator),
        }),
        400,
        "INVALID_REQUEST",
        /deleting internal topic __consumer_offsets is prohibited/,
      );
      assertProblem(
        await create({ name: "__consumer_offsets", partitions: 1 }),
        400,
        "INVALID_REQUEST",
        /prohibited/,
      );
      assertProblem(
        await t.app.server.inject({
          method: "POST",
          url: `${topics()}/__consumer_offsets/partitions`,
          headers: t.auth(t.operator),
          payload: { totalCount: 4 },
        }),
        400,
        "INVALID_REQUEST",
        /prohibited/,
      );
      assert.equal((await get("__consumer_offsets")).json().partitions.length, 3, "still there, unchanged");
      const configs = await patch("__consumer_offsets", { "cleanup.policy": "compact" });
      assert.equal(configs.statusCode, 200, configs.body);
    });

    it("still grows and deletes ordinary topics", async () => {
      const grown = await t.app.server.inject({
        method: "POST",
        url: `${topics()}/typed/partitions`,
        headers: t.auth(t.operator),
        payload: { totalCount: 3 },
      });
      assert.equal(grown.statusCode, 200, grown.body);
      const deleted = await t.app.server.inject({
        method: "DELETE",
        url: `${topics()}/typed`,
        headers: t.auth(t.operator),
      });
      assert.equal(deleted.statusCode, 200, deleted.body);
    });
  });
}
