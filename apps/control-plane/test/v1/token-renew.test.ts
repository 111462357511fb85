// POST /v1/tokens/{id}/renew and GET /v1/tokens/current: a token replaced by a new secret with the same name and
// scope and a new expiry, the old one revoked in the same transaction (its open streams end), renewable by itself
// or by an admin; every refusal a problem+json. The clock is injected: nothing sleeps.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { EventStreamReader } from "../helpers/event-stream-reader.ts";
import { createTestApp, type TestApp } from "../helpers/test-app.ts";
import { testBackends } from "../helpers/test-database.ts";

const DAY = 24 * 60 * 60 * 1000;

type TokenView = {
  id: string;
  name: string;
  scope: string;
  expiresAt: number | null;
  revokedAt: number | null;
};
type Created = { token: TokenView; secret: string };

for (const kind of testBackends())
  describe(`API token renewal (${kind})`, { timeout: 60_000 }, () => {
    let t: TestApp;
    let now = Date.UTC(2026, 11, 7, 12, 0, 0);

    before(async () => {
      t = await createTestApp(kind, { eventStreamAuthCheckMs: 60_000 }, { clock: () => now });
    });
    after(() => t?.close());

    const create = async (name: string, scope: string, expiresAt?: number | null): Promise<Created> => {
      const made = await t.app.server.inject({
        method: "POST",
        url: "/v1/tokens",
        headers: t.auth(t.admin),
        payload: { name, scope, ...(expiresAt === undefined ? {} : { expiresAt }) },
      });
      assert.equal(made.statusCode, 201, made.body);
      return made.json();
    };
    const renew = (id: string, secret: string, payload?: object) =>
      t.app.server.inject({
        method: "POST",
        url: `/v1/tokens/${id}/renew`,
        headers: t.auth(secret),
        ...(payload ? { payload } : {}),
      });
    const current = (secret: string) =>
      t.app.server.inject({ method: "GET", url: "/v1/tokens/current", headers: t.auth(secret) });
    const assertProblem = (
      answer: { statusCode: number; headers: Record<string, unknown>; json(): unknown },
      status: number,
      code: string,
    ) => {
      assert.equal(answer.statusCode, status);
      assert.equal(answer.headers["content-type"], "application/problem+json; charset=utf-8");
      assert.equal((answer.json() as { code: string }).code, code);
    };

    it("tells a token its own view (its expiry)", async () => {
      const mine = await create("me", "viewer", now + 3 * DAY);
      const answer = await current(mine.secret);
      assert.equal(answer.statusCode, 200, answer.body);
      assert.equal(answer.json().id, mine.token.id);
      assert.equal(answer.json().expiresAt, now + 3 * DAY);
      assertProblem(
        await current("cirrus_api_0000000000000000000000000000000000000000"),
        401,
        "UNAUTHORIZED",
      );
    });

    it("renews a token by itself: a new secret, same name and scope, the old lifetime again from now; the old one refused at once", async () => {
      const created = now;
      const old = await create("ci-viewer", "viewer", now + 30 * DAY);
      now += 29 * DAY;
      const answer = await renew(old.token.id, old.secret);
      assert.equal(answer.statusCode, 201, answer.body);
      const renewed = answer.json() as Created;
      assert.notEqual(renewed.secret, old.secret);
      assert.notEqual(renewed.token.id, old.token.id);
      assert.equal(renewed.token.name, "ci-viewer");
      assert.equal(renewed.token.scope, "viewer");
      assert.equal(renewed.token.expiresAt, now + 30 * DAY, "30 days again, from now");
      assert.ok(now + 30 * DAY > created + 30 * DAY);
      assert.equal((await current(renewed.secret)).json().id, renewed.token.id, "the new secret works");
      assertProblem(await current(old.secret), 401, "UNAUTHORIZED");
      // Renewed once: the old token cannot be renewed again (by an admin either).
      assertProblem(await renew(old.token.id, t.admin), 409, "INVALID_STATE");
    });

    it("takes an expiry given in the body, within the same bounds as a new token's", async () => {
      const old = await create("given", "operator", now + DAY);
      for (const expiresAt of [now, now + 400 * DAY]) {
        const refused = await renew(old.token.id, old.secret, { expiresAt });
        assertProblem(refused, 400, "INVALID_REQUEST");
        assert.match(refused.json().detail, /^body\/expiresAt: /);
      }
      assertProblem(
        await renew(old.token.id, old.secret, { expiresAt: now + DAY, scope: "admin" }),
        400,
        "INVALID_REQUEST",
      );
      assert.equal((await current(old.secret)).statusCode, 200, "a refused renewal changes nothing");
      const answer = await renew(old.token.id, old.secret, { expiresAt: now + DAY / 2 });
      assert.equal(answer.statusCode, 201, answer.body);
      assert.equal(answer.json().token.expiresAt, now + DAY / 2);
      assert.equal(
        answer.json().token.scope,
        "operator",
        "the scope is the old token's: a renewal never widens it",
      );
    });

    it("lets a token renewing itself keep at most the lifetime it was given; only an admin gives more (403)", async () => {
      const old = await create("one-day", "operator", now + DAY);
      for (const expiresAt of [now + DAY + 1, now + 7 * DAY, null]) {
        const refused = await renew(old.token.id, old.secret, { expiresAt });
        assertProblem(refused, 403, "FORBIDDEN");
        assert.match(refused.json().detail, /at most the lifetime it was given/);
      }
      assert.equal((await current(old.secret)).statusCode, 200, "a refused renewal changes nothing");
      const same = await renew(old.token.id, old.secret, { expiresAt: now + DAY });
      assert.equal(same.statusCode, 201, same.body);
      const byAdmin = await renew(same.json().token.id, t.admin, { expiresAt: null });
      assert.equal(byAdmin.statusCode, 201, byAdmin.body);
      assert.equal(byAdmin.json().token.expiresAt, null, "an admin may make it never expire");
      const admin = await create("admin-self", "admin", now + DAY);
      const adminSelf = await renew(admin.token.id, admin.secret, { expiresAt: now + 30 * DAY });
      assert.equal(
        adminSelf.statusCode,
        201,
        "an admin token may give itself any lifetime a new token could have",
      );
    });

    it("keeps a token that never expired never expiring", async () => {
      const old = await create("forever", "viewer");
      const answer = await renew(old.token.id, old.secret);
      assert.equal(answer.statusCode, 201, answer.body);
      assert.equal(answer.json().token.expiresAt, null);
    });

    it("lets only an admin renew another token (403), 404 for none, 409 for an expired one", async () => {
      const other = await create("other", "viewer", now + DAY);
      const caller = await create("caller", "operator", now + DAY);
      assertProblem(await renew(other.token.id, caller.secret), 403, "FORBIDDEN");
      assert.equal((await current(other.secret)).statusCode, 200, "a refused renewal revokes nothing");
      const byAdmin = await renew(other.token.id, t.admin);
      assert.equal(byAdmin.statusCode, 201, byAdmin.body);
      assertProblem(await renew("00000000-0000-4000-8000-000000000000", t.admin), 404, "NOT_FOUND");
      assertProblem(await renew("not-a-uuid", t.admin), 400, "INVALID_REQUEST");
      const expiring = await create("expiring", "viewer", now + 1_000);
      now += 1_000;
      assertProblem(await renew(expiring.token.id, t.admin), 409, "INVALID_STATE");
    });

    it("ends the old token's open streams (a 401 problem event): the client reopens them with the new secret", async () => {
      const url = await t.app.server.listen({ port: 0, host: "127.0.0.1" });
      const old = await create("streaming", "viewer", now + DAY);
      const answer = await fetch(`${url}/v1/operations/events`, {
        headers: { authorization: `Bearer ${old.secret}` },
      });
      assert.equal(answer.status, 200);
      const events = new EventStreamReader(answer.body!);
      await events.nextEvent("snapshot");
      const renewed = await renew(old.token.id, old.secret);
      assert.equal(renewed.statusCode, 201, renewed.body);
      const error = (await events.nextEvent("error", 2_000)).data as { status: number; code: string };
      assert.equal(error.status, 401);
      assert.equal(error.code, "UNAUTHORIZED");
      assert.equal(await events.next(), undefined);
      const reopened = await fetch(`${url}/v1/operations/events`, {
        headers: { authorization: `Bearer ${renewed.json().secret}` },
      });
      assert.equal(reopened.status, 200);
      await reopened.body?.cancel();
    });
  });
