// The unauthenticated challenge route cannot fill the database: a cluster holds at most challengeLimit open
// (unexpired, unspent) challenges; one more is 429 problem+json with Retry-After and writes nothing; expiry and
// spending free a slot; racing callers cannot both take the last one; an unknown cluster is 401 and writes nothing.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { count, eq, sql } from "drizzle-orm";
import { instanceChallenges } from "../../src/db/schema.ts";
import {
  CHALLENGE_LIMIT_FLOOR,
  CHALLENGE_TTL_MS,
  challengeLimit,
  issueInstanceChallenge,
  spendInstanceChallenge,
} from "../../src/services/instance-challenges.ts";
import { createLocalCluster, createTestApp, localSpec, type TestApp } from "../helpers/test-app.ts";
import { testBackends } from "../helpers/test-database.ts";

const rateLimited = (error: unknown) => (error as { code?: string }).code === "RATE_LIMITED";

describe("challengeLimit", () => {
  it("is 4 per broker of brokers.max, never below the floor", () => {
    assert.equal(challengeLimit({ brokers: { min: 1, max: 3 } }), CHALLENGE_LIMIT_FLOOR);
    assert.equal(challengeLimit({ brokers: { min: 1, max: 10 } }), 40);
  });
});

for (const backend of testBackends()) {
  describe(`instance challenges are bounded per cluster (${backend})`, () => {
    let t: TestApp;
    const limit = challengeLimit(localSpec);
    before(async () => {
      t = await createTestApp(backend);
    });
    after(async () => t.close());

    const db = () => t.testDb.database.db;
    const stored = async (clusterId?: string) => {
      const [row] = await db()
        .select({ n: count() })
        .from(instanceChallenges)
        .where(clusterId === undefined ? sql`true` : eq(instanceChallenges.clusterId, clusterId));
      return Number(row?.n);
    };
    const ask = (clusterId: string) =>
      t.app.server.inject({
        method: "POST",
        url: "/internal/v1/instance-challenges",
        payload: { clusterId },
      });

    it("one more than the limit is 429 problem+json with Retry-After (the oldest expiry), and writes nothing", async () => {
      const { id } = await createLocalCluster(t, "limit-reached");
      const started = Date.now();
      for (let i = 0; i < limit; i++) assert.equal((await ask(id)).statusCode, 200);
      const refused = await ask(id);
      assert.equal(refused.statusCode, 429, refused.body);
      assert.equal(refused.headers["content-type"], "application/problem+json; charset=utf-8");
      assert.equal(refused.json().code, "RATE_LIMITED");
      assert.match(refused.json().detail, new RegExp(`has ${limit} open instance challenges`));
      const retryAfter = Number(refused.headers["retry-after"]);
      assert.ok(retryAfter > 0 && retryAfter <= CHALLENGE_TTL_MS / 1000, `Retry-After ${retryAfter}`);
      assert.ok(retryAfter >= Math.floor((started + CHALLENGE_TTL_MS - Date.now()) / 1000));
      assert.equal(await stored(id), limit);
      // Another cluster's challenges are counted apart.
      const other = await createLocalCluster(t, "limit-other");
      assert.equal((await ask(other.id)).statusCode, 200);
    });

    it("an expired challenge frees its slot, and Retry-After counts down to the oldest expiry", async () => {
      const { id } = await createLocalCluster(t, "limit-expiry");
      const t0 = Date.now();
      const first = await issueInstanceChallenge(db(), id, t0);
      for (let i = 1; i < limit; i++) await issueInstanceChallenge(db(), id, t0 + 60_000);
      const at = t0 + 1_000;
      await assert.rejects(issueInstanceChallenge(db(), id, at), (error: unknown) => {
        assert.ok(rateLimited(error));
        assert.equal(
          (error as { retryAfterSeconds?: number }).retryAfterSeconds,
          Math.ceil((first.expiresAt - at) / 1000),
        );
        return true;
      });
      // The first expires: its slot is free (and the expired row is gone), the next is full again.
      const later = first.expiresAt + 1;
      await issueInstanceChallenge(db(), id, later);
      assert.equal(await stored(id), limit);
      await assert.rejects(issueInstanceChallenge(db(), id, later), rateLimited);
    });

    it("a spent challenge frees its slot", async () => {
      const { id } = await createLocalCluster(t, "limit-spent");
      const now = Date.now();
      const issued = [];
      for (let i = 0; i < limit; i++) issued.push(await issueInstanceChallenge(db(), id, now));
      await assert.rejects(issueInstanceChallenge(db(), id, now), rateLimited);
      await spendInstanceChallenge(db(), id, (issued[3] as { audience: string }).audience, now);
      await issueInstanceChallenge(db(), id, now);
      await assert.rejects(issueInstanceChallenge(db(), id, now), rateLimited);
    });

    it("of callers racing for the slots, exactly the limit get one", async () => {
      const { id } = await createLocalCluster(t, "limit-race");
      const answers = await Promise.allSettled(
        Array.from({ length: limit * 3 }, () => issueInstanceChallenge(db(), id)),
      );
      const granted = answers.filter((a) => a.status === "fulfilled").length;
      const refused = answers.filter((a) => a.status === "rejected" && rateLimited(a.reason)).length;
      assert.equal(granted, limit);
      assert.equal(refused, limit * 2);
      assert.equal(await stored(id), limit);
    });

    it("the OpenAPI documents the 429 and its Retry-After", async () => {
      const doc = (await t.app.server.inject({ method: "GET", url: "/openapi.json" })).json();
      const post = doc.paths["/internal/v1/instance-challenges"].post;
      assert.match(post.description, /at most 4 open .*429/);
      assert.match(post.responses["429"].description, /open challenges/);
      assert.equal(post.responses["429"].headers["Retry-After"].schema.type, "integer");
    });

    it("an unknown cluster stays 401 and writes nothing", async () => {
      const before = await stored();
      const unknown = await ask("no-such-cluster");
      assert.equal(unknown.statusCode, 401);
      assert.equal(unknown.headers["content-type"], "application/problem+json; charset=utf-8");
      assert.equal(await stored(), before);
    });
  });
}
