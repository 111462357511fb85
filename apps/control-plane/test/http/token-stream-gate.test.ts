// A live stream ends at its token's expiry exactly (http/token-stream-gate.ts): a timer at `expiresAt` on the
// tokens' clock, and no event at or after it even before the timer runs. The clock and the timer are injected:
// the test moves the time and fires the timer itself; the periodic token check is a minute apart, so it cannot be
// what ends the stream here. And the real timer reaches an expiry beyond setTimeout's 24.8-day limit in hops.
import assert from "node:assert/strict";
import { after, before, describe, it, mock } from "node:test";
import { timerScheduleAt } from "../../src/http/token-stream-gate.ts";
import { EventStreamReader } from "../helpers/event-stream-reader.ts";
import { createLocalCluster, createTestApp, type TestApp } from "../helpers/test-app.ts";

type Problem = { status: number; code: string };

describe("a stream ends at its token's expiry", { timeout: 60_000 }, () => {
  let t: TestApp;
  let url: string;
  let now = Date.UTC(2026, 11, 7, 12, 0, 0);
  const timers: { at: number; callback: () => void; cancelled: boolean }[] = [];

  before(async () => {
    t = await createTestApp(
      "pglite",
      { eventStreamAuthCheckMs: 60_000, operationEventsIntervalMs: 50, eventStreamHeartbeatMs: 60_000 },
      {
        clock: () => now,
        scheduleAt: (at, callback) => {
          const timer = { at, callback, cancelled: false };
          timers.push(timer);
          return () => {
            timer.cancelled = true;
          };
        },
      },
    );
    url = await t.app.server.listen({ port: 0, host: "127.0.0.1" });
  });
  after(() => t?.close());

  const expiringToken = async (name: string, inMs: number) => {
    const made = await t.app.server.inject({
      method: "POST",
      url: "/v1/tokens",
      headers: t.auth(t.admin),
      payload: { name, scope: "viewer", expiresAt: now + inMs },
    });
    assert.equal(made.statusCode, 201, made.body);
    return made.json() as { secret: string; token: { id: string; expiresAt: number } };
  };
  const openTimeline = async (secret: string) => {
    const answer = await fetch(`${url}/v1/operations/events`, {
      headers: { authorization: `Bearer ${secret}` },
    });
    assert.equal(answer.status, 200);
    const events = new EventStreamReader(answer.body!);
    await events.nextEvent("snapshot");
    return events;
  };

  it("ends the stream with TOKEN_EXPIRED when the timer at its expiry runs, and not before", async () => {
    const { secret, token } = await expiringToken("timed", 60_000);
    const events = await openTimeline(secret);
    const mine = timers.filter((timer) => timer.at === token.expiresAt);
    assert.equal(mine.length, 1, "one timer, at the token's expiry exactly");
    now = token.expiresAt - 1;
    // (Not read with a timeout here: a read given up on would swallow the event that comes later.)
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(t.app.context.streamGate.openCount(token.id), 1, "1 ms before its expiry the stream stays");
    now = token.expiresAt;
    mine[0]!.callback();
    const error = (await events.nextEvent("error", 1_000)).data as Problem;
    assert.equal(error.status, 401);
    assert.equal(error.code, "TOKEN_EXPIRED");
    assert.equal(await events.next(), undefined, "the stream ends after the error event");
    assert.equal(t.app.context.streamGate.openCount(token.id), 0);
  });

  it("sends no event at or after the expiry, even before the timer runs: the error instead", async () => {
    const { secret, token } = await expiringToken("untimed", 60_000);
    const events = await openTimeline(secret);
    now = token.expiresAt;
    // An operation changes after the expiry: what would be its event is the expiry's error.
    const { id } = await createLocalCluster(t, `expiry-${token.id.slice(0, 8)}`);
    assert.ok(id);
    const error = (await events.nextEvent("error", 3_000)).data as Problem;
    assert.equal(error.code, "TOKEN_EXPIRED");
    assert.equal(await events.next(), undefined);
  });

  it("cancels the timer when the token's last stream closes", async () => {
    now = Date.UTC(2026, 11, 8, 12, 0, 0);
    const { secret, token } = await expiringToken("closed", 60_000);
    const events = await openTimeline(secret);
    const mine = timers.find((timer) => timer.at === token.expiresAt)!;
    assert.equal(mine.cancelled, false);
    await events.cancel();
    const deadline = Date.now() + 3_000;
    while (!mine.cancelled && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(mine.cancelled, true);
  });
});

describe("timerScheduleAt", () => {
  it("reaches a time beyond setTimeout's 2^31-1 ms limit in hops, not at once", () => {
    mock.timers.enable({ apis: ["setTimeout", "Date"], now: 0 });
    try {
      let ran = 0;
      const in30Days = 30 * 24 * 60 * 60 * 1000;
      timerScheduleAt(() => Date.now())(in30Days, () => ran++);
      mock.timers.tick(1_000);
      assert.equal(ran, 0, "a plain setTimeout of 30 days would have run after 1 ms");
      mock.timers.tick(2_147_483_647);
      assert.equal(ran, 0, "one hop: not there yet");
      mock.timers.tick(in30Days - 2_147_483_647 - 1_000 - 1);
      assert.equal(ran, 0, "1 ms before");
      mock.timers.tick(1);
      assert.equal(ran, 1, "at the time");
    } finally {
      mock.timers.reset();
    }
  });
});
