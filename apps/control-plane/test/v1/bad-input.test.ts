import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { LightMyRequestResponse } from "fastify";
import { createTestApp, localSpec, type TestApp } from "../helpers/test-app.ts";
import { testBackends } from "../helpers/test-database.ts";

function assertProblem(response: LightMyRequestResponse, status: number, code: string): void {
  assert.equal(response.statusCode, status, response.body);
  assert.match(String(response.headers["content-type"]), /^application\/problem\+json/);
  const body = response.json();
  assert.equal(body.status, status);
  assert.equal(body.code, code);
  assert.equal(typeof body.title, "string");
  assert.equal(typeof body.type, "string");
}

for (const backend of testBackends()) {
  describe(`bad input on ${backend}`, { timeout: 120_000 }, () => {
    let t: TestApp;
    before(async () => {
      t = await createTestApp(backend, { bodyLimitBytes: 64 * 1024 });
    });
    after(() => t.close());

    async function clusterCount(): Promise<number> {
      const list = await t.app.server.inject({
        method: "GET",
        url: "/v1/clusters?limit=500",
        headers: t.auth(t.admin),
      });
      return list.json().items.length;
    }
    const post = (payload: unknown, headers: Record<string, string> = {}) =>
      t.app.server.inject({
        method: "POST",
        url: "/v1/clusters",
        headers: { ...t.auth(t.admin), "content-type": "application/json", ...headers },
        payload: typeof payload === "string" ? payload : JSON.stringify(payload),
      });

    const cases: [string, () => Promise<LightMyRequestResponse>, number, string][] = [
      ["invalid JSON", () => post('{"name": '), 400, "INVALID_JSON"],
      // No body where one is required: the schema's refusal, naming the body (test/http/json-body-parser.test.ts).
      ["an empty JSON body", () => post(""), 400, "INVALID_REQUEST"],
      ["a blank JSON body", () => post(" \n"), 400, "INVALID_JSON"],
      [
        "a wrong type",
        () => post({ name: "x", spec: { ...localSpec, walVolumeGiB: "10" } }),
        400,
        "INVALID_REQUEST",
      ],
      ["a missing field", () => post({ name: "x" }), 400, "INVALID_REQUEST"],
      ["an unknown field", () => post({ name: "x", spec: localSpec, extra: 1 }), 400, "INVALID_REQUEST"],
      [
        "an unknown nested field",
        () => post({ name: "x", spec: { ...localSpec, spot: { share: 0, onDemandBase: 1, x: 1 } } }),
        400,
        "INVALID_REQUEST",
      ],
      [
        "a SQL-looking name",
        () => post({ name: "x'; drop table clusters; --", spec: localSpec }),
        400,
        "INVALID_REQUEST",
      ],
      [
        "a huge body",
        () => post({ name: "x", spec: localSpec, pad: "a".repeat(200_000) }),
        413,
        "BODY_TOO_LARGE",
      ],
      [
        "a non-JSON content type",
        () => post("name=x", { "content-type": "text/plain" }),
        415,
        "UNSUPPORTED_MEDIA_TYPE",
      ],
      [
        "no token",
        () =>
          t.app.server.inject({
            method: "POST",
            url: "/v1/clusters",
            payload: { name: "x", spec: localSpec },
          }),
        401,
        "UNAUTHORIZED",
      ],
      [
        "a wrong token",
        () => post({ name: "x", spec: localSpec }, { authorization: "Bearer cpt_wrong" }),
        401,
        "UNAUTHORIZED",
      ],
      [
        "a malformed Authorization header",
        () => post({ name: "x", spec: localSpec }, { authorization: "Basic abc" }),
        401,
        "UNAUTHORIZED",
      ],
      [
        "a viewer calling an admin route",
        () => post({ name: "x", spec: localSpec }, t.auth(t.viewer)),
        403,
        "FORBIDDEN",
      ],
      [
        "an operator creating a cluster",
        () => post({ name: "x", spec: localSpec }, t.auth(t.operator)),
        403,
        "FORBIDDEN",
      ],
      [
        "a bad Idempotency-Key",
        () => post({ name: "x", spec: localSpec }, { "idempotency-key": "\u00e9".repeat(3) }),
        400,
        "INVALID_REQUEST",
      ],
    ];
    for (const [what, send, status, code] of cases) {
      it(`answers ${what} with ${status} ${code} and writes nothing`, async () => {
        const before = await clusterCount();
        assertProblem(await send(), status, code);
        assert.equal(await clusterCount(), before);
      });
    }

    it("answers SQL-looking strings in paths and queries without harm", async () => {
      assertProblem(
        await t.app.server.inject({
          method: "GET",
          url: "/v1/clusters/1%27%20or%20%271%27=%271",
          headers: t.auth(t.admin),
        }),
        400,
        "INVALID_REQUEST",
      );
      const q = await t.app.server.inject({
        method: "GET",
        url: "/v1/clusters",
        query: { limit: "1; drop table clusters" },
        headers: t.auth(t.admin),
      });
      assertProblem(q, 400, "INVALID_REQUEST");
      // Topic names and config values follow Kafka's rules, so SQL in them is refused, and never run.
      const { cluster } = (await post({ name: "sqlcheck", spec: localSpec })).json();
      const topicsUrl = `/v1/clusters/${cluster.id}/topics`;
      assert.equal(
        (
          await t.app.server.inject({
            method: "POST",
            url: topicsUrl,
            headers: t.auth(t.admin),
            payload: { name: "t", partitions: 1 },
          })
        ).statusCode,
        201,
      );
      assertProblem(
        await t.app.server.inject({
          method: "POST",
          url: topicsUrl,
          headers: t.auth(t.admin),
          payload: { name: "u", partitions: 1, configs: { "cleanup.policy": "'); delete from topics; --" } },
        }),
        400,
        "INVALID_REQUEST",
      );
      const list = await t.app.server.inject({ method: "GET", url: topicsUrl, headers: t.auth(t.admin) });
      assert.deepEqual(
        list.json().items.map((x: { name: string }) => x.name),
        ["t"],
      );
    });

    it("answers unknown routes and ids with 404 problem+json", async () => {
      assertProblem(
        await t.app.server.inject({ method: "GET", url: "/v1/nope", headers: t.auth(t.admin) }),
        404,
        "ROUTE_NOT_FOUND",
      );
      assertProblem(
        await t.app.server.inject({
          method: "GET",
          url: `/v1/clusters/${crypto.randomUUID()}`,
          headers: t.auth(t.admin),
        }),
        404,
        "NOT_FOUND",
      );
    });

    it("refuses the internal API without a broker credential, even with an admin API token", async () => {
      assertProblem(
        await t.app.server.inject({ method: "GET", url: "/internal/v1/metadata" }),
        401,
        "UNAUTHORIZED",
      );
      assertProblem(
        await t.app.server.inject({ method: "GET", url: "/internal/v1/metadata", headers: t.auth(t.admin) }),
        401,
        "UNAUTHORIZED",
      );
    });

    it("answers bad input on the internal API with problem+json and writes nothing", async () => {
      const { cluster, brokerToken } = (await post({ name: "internal-bad", spec: localSpec })).json();
      const broker = { authorization: `Bearer ${brokerToken}`, "content-type": "application/json" };
      const send = (url: string, payload: string) =>
        t.app.server.inject({ method: "POST", url, headers: broker, payload });
      assertProblem(await send("/internal/v1/objects/commit-stream-set", "{oops"), 400, "INVALID_JSON");
      assertProblem(
        await send(
          "/internal/v1/brokers/register",
          JSON.stringify({ instanceId: "i", zone: "z", host: "h", port: 1, admin: true }),
        ),
        400,
        "INVALID_REQUEST",
      );
      assertProblem(
        await send(
          "/internal/v1/objects/commit-stream-set",
          JSON.stringify({
            objectId: 1,
            objectSize: 1,
            nodeId: 0,
            nodeEpoch: 1,
            ranges: [{ streamId: 1, streamEpoch: 1, startOffset: -5, endOffset: 1, position: 0, length: 1 }],
            streamObjects: [],
            compactedObjectIds: [],
          }),
        ),
        400,
        "INVALID_REQUEST",
      );
      assertProblem(
        await send("/internal/v1/objects/prepare", JSON.stringify({ count: 1e9, ttlMs: 1 })),
        400,
        "INVALID_REQUEST",
      );
      const brokers = await t.app.server.inject({
        method: "GET",
        url: `/v1/clusters/${cluster.id}/brokers`,
        headers: t.auth(t.admin),
      });
      assert.deepEqual(brokers.json().items, [], "no broker was registered");
    });

    it("rate limits per token", async () => {
      const limited = await createTestApp("pglite", { rateLimitPerMinute: 3 });
      try {
        const codes: number[] = [];
        for (let i = 0; i < 5; i++) {
          codes.push(
            (
              await limited.app.server.inject({
                method: "GET",
                url: "/v1/clusters",
                headers: limited.auth(limited.viewer),
              })
            ).statusCode,
          );
        }
        assert.deepEqual(codes, [200, 200, 200, 429, 429]);
        const last = await limited.app.server.inject({
          method: "GET",
          url: "/v1/clusters",
          headers: limited.auth(limited.viewer),
        });
        assertProblem(last, 429, "RATE_LIMITED");
        // Another token has its own budget.
        assert.equal(
          (
            await limited.app.server.inject({
              method: "GET",
              url: "/v1/clusters",
              headers: limited.auth(limited.admin),
            })
          ).statusCode,
          200,
        );
      } finally {
        await limited.close();
      }
    });
  });
}
