import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { LightMyRequestResponse } from "fastify";
import { createTestApp, localSpec, type TestApp } from "../helpers/test-app.ts";

const BARE = 'Bearer realm="cirrus"';
const INVALID = 'Bearer realm="cirrus", error="invalid_token"';

function assertChallenge(response: LightMyRequestResponse, challenge: string): void {
  assert.equal(response.statusCode, 401, response.body);
  assert.equal(response.json().code, "UNAUTHORIZED");
  assert.equal(response.headers["www-authenticate"], challenge);
}

describe("401 answers carry a bearer challenge (RFC 6750 §3)", { timeout: 60_000 }, () => {
  let t: TestApp;
  let brokerToken: string;
  before(async () => {
    t = await createTestApp("pglite");
    const made = await t.app.server.inject({
      method: "POST",
      url: "/v1/clusters",
      headers: t.auth(t.admin),
      payload: { name: "challenge", spec: localSpec },
    });
    brokerToken = made.json().brokerToken;
  });
  after(() => t.close());

  const get = (url: string, authorization?: string) =>
    t.app.server.inject({ method: "GET", url, headers: authorization ? { authorization } : {} });

  it("names the realm, without an error code, when no bearer token was sent", async () => {
    assertChallenge(await get("/v1/clusters"), BARE);
    assertChallenge(await get("/v1/clusters", "Basic dXNlcjpwYXNz"), BARE);
    assertChallenge(await get("/internal/v1/metadata"), BARE);
    assertChallenge(await get("/metrics"), BARE);
  });

  it('says error="invalid_token" when the token sent is unknown, malformed or revoked', async () => {
    assertChallenge(await get("/v1/clusters", "Bearer cpt_unknown"), INVALID);
    assertChallenge(await get("/v1/clusters", "Bearer "), INVALID);
    assertChallenge(await get("/v1/clusters", `Bearer ${"x".repeat(600)}`), INVALID);
    assertChallenge(await get("/internal/v1/metadata", "Bearer cbt_unknown"), INVALID);
    // An API token is no broker credential, and a broker credential no API token.
    assertChallenge(await get("/internal/v1/metadata", `Bearer ${t.admin}`), INVALID);
    assertChallenge(await get("/v1/clusters", `Bearer ${brokerToken}`), INVALID);
    const created = await t.app.server.inject({
      method: "POST",
      url: "/v1/tokens",
      headers: t.auth(t.admin),
      payload: { name: "short-lived", scope: "viewer" },
    });
    const { token, secret } = created.json();
    assert.equal((await get("/v1/clusters", `Bearer ${secret}`)).statusCode, 200);
    await t.app.server.inject({ method: "DELETE", url: `/v1/tokens/${token.id}`, headers: t.auth(t.admin) });
    assertChallenge(await get("/v1/clusters", `Bearer ${secret}`), INVALID);
  });

  it("leaves the header off answers that are not 401", async () => {
    const forbidden = await t.app.server.inject({
      method: "POST",
      url: "/v1/tokens",
      headers: t.auth(t.viewer),
      payload: { name: "x", scope: "viewer" },
    });
    assert.equal(forbidden.statusCode, 403);
    assert.equal(forbidden.headers["www-authenticate"], undefined);
    assert.equal((await get("/v1/clusters", `Bearer ${t.viewer}`)).headers["www-authenticate"], undefined);
  });

  it("documents the header on every 401 of the OpenAPI document", async () => {
    const doc = (await get("/openapi.json")).json() as {
      paths: Record<string, Record<string, { responses: Record<string, { headers?: object }> }>>;
    };
    const without: string[] = [];
    let documented = 0;
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        const unauthorized = operation.responses["401"];
        if (!unauthorized) continue;
        documented++;
        if (!unauthorized.headers || !("WWW-Authenticate" in unauthorized.headers))
          without.push(`${method.toUpperCase()} ${path}`);
      }
    }
    assert.ok(documented > 40, `only ${documented} operations document a 401`);
    assert.deepEqual(without, []);
  });
});
