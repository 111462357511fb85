// API tokens with an expiry (POST /v1/tokens `expiresAt`): the bounds a new expiry must keep, the list showing
// expiry and last use, and the auth path refusing an expired token with 401 TOKEN_EXPIRED (distinct from an
// unknown or revoked one), cached or not, and ending its open streams. The clock is injected: nothing sleeps.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { MAX_TOKEN_LIFETIME_MS } from "../../src/auth/api-tokens.ts";
import { EventStreamReader } from "../helpers/event-stream-reader.ts";
import { createTestApp, type TestApp } from "../helpers/test-app.ts";

const DAY = 24 * 60 * 60 * 1000;

type TokenView = {
  id: string;
  name: string;
  expiresAt: number | null;
  lastUsedAt: number | null;
  revokedAt: number | null;
};

describe("API token expiry", { timeout: 60_000 }, () => {
  let t: TestApp;
  let now = Date.UTC(2026, 11, 7, 12, 0, 0);

  before(async () => {
    t = await createTestApp("pglite", { eventStreamAuthCheckMs: 50 }, { clock: () => now });
  });
  after(() => t?.close());

  const create = (payload: Record<string, unknown>) =>
    t.app.server.inject({ method: "POST", url: "/v1/tokens", headers: t.auth(t.admin), payload });
  const listTokens = async (): Promise<TokenView[]> =>
    (await t.app.server.inject({ method: "GET", url: "/v1/tokens", headers: t.auth(t.admin) })).json().items;
  const get = (secret: string) =>
    t.app.server.inject({ method: "GET", url: "/v1/clusters", headers: t.auth(secret) });

  it("creates a token that expires, one that never does (left out or null), and lists expiry and last use", async () => {
    const expiring = await create({ name: "ci-30d", scope: "viewer", expiresAt: now + 30 * DAY });
    assert.equal(expiring.statusCode, 201, expiring.body);
    assert.equal(expiring.json().token.expiresAt, now + 30 * DAY);
    const omitted = await create({ name: "forever", scope: "viewer" });
    assert.equal(omitted.statusCode, 201, omitted.body);
    assert.equal(omitted.json().token.expiresAt, null);
    const explicit = await create({ name: "forever-null", scope: "viewer", expiresAt: null });
    assert.equal(explicit.statusCode, 201, explicit.body);
    assert.equal(explicit.json().token.expiresAt, null);

    assert.equal((await get(expiring.json().secret)).statusCode, 200);
    const listed = new Map((await listTokens()).map((token) => [token.name, token]));
    assert.equal(listed.get("ci-30d")?.expiresAt, now + 30 * DAY);
    assert.equal(listed.get("ci-30d")?.lastUsedAt, now, "last use is recorded on the injected clock");
    assert.equal(listed.get("forever")?.expiresAt, null);
    assert.equal(listed.get("forever")?.lastUsedAt, null, "never used");
  });

  it("refuses an expiry in the past, now, or beyond 366 days, at the field; accepts exactly 366 days", async () => {
    for (const expiresAt of [now - 1, now, now + MAX_TOKEN_LIFETIME_MS + 1, now + 400 * DAY]) {
      const refused = await create({ name: "bad-expiry", scope: "viewer", expiresAt });
      assert.equal(refused.statusCode, 400, `expiresAt ${expiresAt - now} ms from now`);
      assert.equal(refused.headers["content-type"], "application/problem+json; charset=utf-8");
      assert.equal(refused.json().code, "INVALID_REQUEST");
      assert.match(refused.json().detail, /^body\/expiresAt: /);
    }
    for (const expiresAt of ["tomorrow", 1.5, -1]) {
      const refused = await create({ name: "bad-expiry", scope: "viewer", expiresAt });
      assert.equal(refused.statusCode, 400, `expiresAt ${JSON.stringify(expiresAt)}`);
      assert.equal(refused.json().code, "INVALID_REQUEST");
    }
    assert.ok(!(await listTokens()).some((token) => token.name === "bad-expiry"), "nothing was created");
    const longest = await create({ name: "a-year", scope: "viewer", expiresAt: now + MAX_TOKEN_LIFETIME_MS });
    assert.equal(longest.statusCode, 201, longest.body);
  });

  it("accepts a token until its expiry, then refuses it with 401 TOKEN_EXPIRED, also from the cache", async () => {
    const made = await create({ name: "about-to-expire", scope: "viewer", expiresAt: now + 60_000 });
    const { secret } = made.json();
    assert.equal((await get(secret)).statusCode, 200, "fresh");
    now += 59_999;
    assert.equal((await get(secret)).statusCode, 200, "1 ms before its expiry");
    now += 1;
    const expired = await get(secret);
    assert.equal(expired.statusCode, 401);
    assert.equal(expired.headers["content-type"], "application/problem+json; charset=utf-8");
    assert.equal(expired.json().code, "TOKEN_EXPIRED");
    assert.equal(expired.json().type, "urn:cirrus:problem:TOKEN_EXPIRED");
    assert.match(expired.json().detail, /expired/);
    assert.equal(expired.headers["www-authenticate"], 'Bearer realm="cirrus", error="invalid_token"');

    // The cache holds a verified token for 2 s: one verified a moment ago is still judged by its expiry.
    const cached = await create({ name: "cached", scope: "viewer", expiresAt: now + 1_000 });
    assert.equal((await get(cached.json().secret)).statusCode, 200, "verified, now cached");
    now += 1_000;
    assert.equal((await get(cached.json().secret)).json().code, "TOKEN_EXPIRED");
  });

  it("keeps unknown and revoked tokens apart from expired ones (UNAUTHORIZED), and never expires a token without expiry", async () => {
    const unknown = await get("cirrus_api_0000000000000000000000000000000000000000");
    assert.equal(unknown.statusCode, 401);
    assert.equal(unknown.json().code, "UNAUTHORIZED");

    // Revoked before it expired, then past its expiry: revocation is what it is refused for.
    const made = await create({ name: "revoked-then-expired", scope: "viewer", expiresAt: now + 60_000 });
    const revoke = await t.app.server.inject({
      method: "DELETE",
      url: `/v1/tokens/${made.json().token.id}`,
      headers: t.auth(t.admin),
    });
    assert.equal(revoke.statusCode, 200);
    assert.equal((await get(made.json().secret)).json().code, "UNAUTHORIZED");
    now += 120_000;
    assert.equal((await get(made.json().secret)).json().code, "UNAUTHORIZED");

    const never = await create({ name: "never-expires", scope: "viewer" });
    now += 10 * 366 * DAY;
    assert.equal((await get(never.json().secret)).statusCode, 200, "ten years on");
    assert.equal((await get(t.admin)).statusCode, 200, "the first admin token never expires");
  });

  it("ends an open stream with a TOKEN_EXPIRED problem event once its token expires", async () => {
    const made = await create({ name: "streaming", scope: "viewer", expiresAt: now + 60_000 });
    const { token, secret } = made.json();
    const url = await t.app.server.listen({ port: 0, host: "127.0.0.1" });
    const response = await fetch(`${url}/v1/operations/events`, {
      headers: { authorization: `Bearer ${secret}` },
    });
    assert.equal(response.status, 200);
    const events = new EventStreamReader(response.body!);
    await events.nextEvent("snapshot");
    now += 60_000;
    const error = (await events.nextEvent("error", 3_000)).data as { status: number; code: string };
    assert.equal(error.status, 401);
    assert.equal(error.code, "TOKEN_EXPIRED");
    assert.equal(await events.next(), undefined, "the stream ends after the error event");
    assert.equal(t.app.context.streamGate.openCount(token.id), 0);
  });
});
