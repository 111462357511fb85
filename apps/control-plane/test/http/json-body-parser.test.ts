import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { LightMyRequestResponse } from "fastify";
import { createTestApp, localSpec, type TestApp } from "../helpers/test-app.ts";

const JSON_TYPE = { "content-type": "application/json" };

function assertProblem(response: LightMyRequestResponse, status: number, code: string): { detail: string } {
  assert.equal(response.statusCode, status, response.body);
  assert.match(String(response.headers["content-type"]), /^application\/problem\+json/);
  const body = response.json();
  assert.equal(body.code, code);
  return body;
}

describe("an empty body with content-type application/json", { timeout: 60_000 }, () => {
  let t: TestApp;
  let clusterId: string;
  before(async () => {
    t = await createTestApp("pglite");
    const made = await t.app.server.inject({
      method: "POST",
      url: "/v1/clusters",
      headers: t.auth(t.admin),
      payload: { name: "empty-body", spec: localSpec, deletionProtection: false },
    });
    clusterId = made.json().cluster.id;
  });
  after(() => t.close());

  const send = (method: "POST" | "DELETE", url: string, payload: string, headers: object = JSON_TYPE) =>
    t.app.server.inject({ method, url, headers: { ...t.auth(t.admin), ...headers }, payload });

  it("is no body on a DELETE", async () => {
    const created = await send("POST", "/v1/tokens", JSON.stringify({ name: "to-revoke", scope: "viewer" }));
    const id = created.json().token.id;
    const revoked = await send("DELETE", `/v1/tokens/${id}`, "");
    assert.equal(revoked.statusCode, 200, revoked.body);
    assert.ok(revoked.json().revokedAt > 0);
  });

  it("is no body on a POST action that takes none", async () => {
    // Reached the handler: a preview (the default) of a cluster without brokers moves nothing.
    const rebalance = await send("POST", `/v1/clusters/${clusterId}/rebalance`, "");
    assert.equal(rebalance.statusCode, 200, rebalance.body);
    assert.deepEqual(rebalance.json().moves, []);
    // With a charset parameter too, as some clients send it.
    const drain = await send("POST", `/v1/clusters/${clusterId}/brokers/7/drain`, "", {
      "content-type": "application/json; charset=utf-8",
    });
    assertProblem(drain, 404, "NOT_FOUND"); // reached the handler: there is no broker 7
  });

  it("is refused with a 400 that names the missing body where a body is required", async () => {
    // With the JSON content type, without any, and a JSON null: the same answer.
    for (const [payload, headers] of [
      ["", JSON_TYPE],
      ["", {}],
      ["null", JSON_TYPE],
    ] as const) {
      const problem = assertProblem(
        await send("POST", "/v1/tokens", payload, headers),
        400,
        "INVALID_REQUEST",
      );
      assert.match(problem.detail, /^body: missing: this route takes a JSON body/);
    }
    const patch = await t.app.server.inject({
      method: "PATCH",
      url: `/v1/clusters/${clusterId}`,
      headers: { ...t.auth(t.admin), ...JSON_TYPE },
      payload: "",
    });
    assert.match(assertProblem(patch, 400, "INVALID_REQUEST").detail, /^body: missing/);
    const tokens = await t.app.server.inject({ method: "GET", url: "/v1/tokens", headers: t.auth(t.admin) });
    assert.equal(
      tokens.json().items.length,
      4,
      "no token was created: the kit's 3 and the one revoked above",
    );
  });

  it("still refuses bodies that are not JSON, blank ones included, and poisoned ones", async () => {
    assertProblem(await send("POST", "/v1/tokens", " "), 400, "INVALID_JSON");
    assertProblem(await send("POST", "/v1/tokens", "{"), 400, "INVALID_JSON");
    assertProblem(await send("DELETE", `/v1/clusters/${clusterId}/topics/x`, "{"), 400, "INVALID_JSON");
    assertProblem(
      await send("POST", "/v1/tokens", '{"name":"p","scope":"viewer","__proto__":{"admin":true}}'),
      400,
      "INVALID_JSON",
    );
  });
});
