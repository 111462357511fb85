// Live streams and their token (http/token-stream-gate.ts): a stream ends with a last `error` event (a 401
// problem) once its token is revoked, here or on another replica, and a token holds at most
// EVENT_STREAMS_PER_TOKEN streams at once (429 problem+json beyond), freed as its streams close. Over a real
// socket, read with fetch as the console does.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ApiTokens } from "../../src/auth/api-tokens.ts";
import { listOperations } from "../../src/services/operations.ts";
import { EventStreamReader } from "../helpers/event-stream-reader.ts";
import { createLocalCluster, createTestApp, type TestApp } from "../helpers/test-app.ts";

type Problem = { status: number; code: string; detail: string; instance: string };

describe("event streams and their token", { timeout: 60_000 }, () => {
  let t: TestApp;
  let url: string;
  const open = (path: string, token: string, signal?: AbortSignal) =>
    fetch(`${url}${path}`, { headers: { authorization: `Bearer ${token}` }, ...(signal ? { signal } : {}) });
  const newToken = (name: string) => t.app.context.tokens.create(name, "viewer");
  const waitFor = async (what: string, done: () => boolean) => {
    const deadline = Date.now() + 5_000;
    while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.ok(done(), what);
  };

  before(async () => {
    t = await createTestApp("pglite", {
      operationEventsIntervalMs: 50,
      eventStreamHeartbeatMs: 60_000,
      eventStreamsPerToken: 2,
      eventStreamAuthCheckMs: 100,
    });
    url = await t.app.server.listen({ port: 0, host: "127.0.0.1" });
  });
  after(() => t?.close());

  it("ends a stream at once with a 401 problem event when its token is revoked here", async () => {
    const { token, secret } = await newToken("revoked-here");
    const events = new EventStreamReader((await open("/v1/operations/events", secret)).body!);
    await events.nextEvent("snapshot");
    const revoked = await t.app.server.inject({
      method: "DELETE",
      url: `/v1/tokens/${token.id}`,
      headers: t.auth(t.admin),
    });
    assert.equal(revoked.statusCode, 200);
    const error = (await events.nextEvent("error", 2_000)).data as Problem;
    assert.equal(error.status, 401);
    assert.equal(error.code, "UNAUTHORIZED");
    assert.match(error.detail, /revoked/);
    assert.equal(error.instance, "/v1/operations/events");
    assert.equal(await events.next(), undefined, "the stream ends after the error event");
    assert.equal(t.app.context.streamGate.openCount(token.id), 0);
    // And the token opens nothing more.
    assert.equal((await open("/v1/operations/events", secret)).status, 401);
  });

  it("ends the streams of a token revoked on another replica within the check interval, one read per token", async () => {
    const { token, secret } = await newToken("revoked-elsewhere");
    const tokens = t.app.context.tokens;
    const reads: string[] = [];
    const status = tokens.status.bind(tokens);
    tokens.status = (id) => {
      reads.push(id);
      return status(id);
    };
    try {
      const a = new EventStreamReader((await open("/v1/operations/events", secret)).body!);
      const b = new EventStreamReader((await open("/v1/operations/events?limit=5", secret)).body!);
      await a.nextEvent("snapshot");
      await b.nextEvent("snapshot");
      const openedAt = Date.now();
      await new Promise((r) => setTimeout(r, 600));
      const ticks = Math.ceil((Date.now() - openedAt) / 100) + 1;
      const ours = reads.filter((id) => id === token.id).length;
      assert.ok(ours >= 2, `the token is read again while its streams are open (${ours} reads)`);
      assert.ok(ours <= ticks, `one read per interval for both streams (${ours} reads in ${ticks} ticks)`);
      // Another replica (its own ApiTokens on the same database) revokes: this one does not hear of it.
      const elsewhere = new ApiTokens(t.testDb.database.db);
      const revokedAt = Date.now();
      assert.ok(await elsewhere.revoke(token.id));
      for (const events of [a, b]) {
        const error = (await events.nextEvent("error", 2_000)).data as Problem;
        assert.equal(error.code, "UNAUTHORIZED");
        assert.equal(await events.next(), undefined);
      }
      assert.ok(Date.now() - revokedAt < 1_500, "ended within a few check intervals");
    } finally {
      tokens.status = status;
    }
  });

  it("caps a token's open streams with 429 problem+json, freed when one closes; other tokens unaffected", async () => {
    const { token, secret } = await newToken("capped");
    const abort = new AbortController();
    const first = new EventStreamReader((await open("/v1/operations/events", secret, abort.signal)).body!);
    const second = new EventStreamReader((await open("/v1/operations/events", secret)).body!);
    await first.nextEvent("snapshot");
    await second.nextEvent("snapshot");
    try {
      const refused = await open("/v1/operations/events", secret);
      assert.equal(refused.status, 429);
      assert.match(refused.headers.get("content-type") ?? "", /application\/problem\+json/);
      const problem = (await refused.json()) as Problem;
      assert.equal(problem.code, "RATE_LIMITED");
      assert.match(problem.detail, /2 event streams open/);
      // The cap is per token and counts every stream route.
      const { secret: otherSecret } = await newToken("uncapped");
      const other = await open("/v1/operations/events", otherSecret);
      assert.equal(other.status, 200);
      await other.body!.cancel();
      await createLocalCluster(t, "capped-cluster");
      const [op] = await listOperations(t.testDb.database.db, {}, 1);
      assert.equal((await open(`/v1/operations/${op!.id}/events`, secret)).status, 429);
      // The client of the first goes: its place frees.
      abort.abort();
      await waitFor(
        "the closed stream no longer counts",
        () => t.app.context.streamGate.openCount(token.id) === 1,
      );
      const third = await open("/v1/operations/events", secret);
      assert.equal(third.status, 200);
      await third.body!.cancel();
    } finally {
      await second.cancel();
    }
    await waitFor(
      "every stream of the token closed",
      () => t.app.context.streamGate.openCount(token.id) === 0,
    );
  });
});
