// LookFeed: a look goes only to the listeners that were there when its read began. A stream subscribes, then
// reads its snapshot; a look whose read was already under way is older than that snapshot and would step the
// client back (a cluster shown in an old state, or as deleted though it exists). Gone is told to everyone.
// The reads are held by hand: no timing decides what a listener gets.
import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import { LookFeed } from "../../src/services/look-feed.ts";

/** A reader whose reads wait until the test answers them, in order. */
function heldReader() {
  const waiting: ((look: string | undefined) => void)[] = [];
  let started: () => void = () => {};
  return {
    read: () =>
      new Promise<string | undefined>((resolve) => {
        waiting.push(resolve);
        started();
      }),
    /** Resolves once a read is waiting. */
    nextRead: () =>
      new Promise<void>((resolve) => {
        if (waiting.length > 0) resolve();
        else started = resolve;
      }),
    answer: (look: string | undefined) => waiting.shift()?.(look),
  };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe("LookFeed", { timeout: 10_000 }, () => {
  // Closed after each test, failed or not: a feed left open keeps its interval (and the run) alive.
  const feeds: LookFeed<string>[] = [];
  afterEach(() => Promise.all(feeds.splice(0).map((feed) => feed.close())));
  it("gives a look only to the listeners subscribed before its read began", async () => {
    const reader = heldReader();
    const feed = new LookFeed(reader.read, { intervalMs: 5 });
    feeds.push(feed);
    const early: string[] = [];
    const late: string[] = [];
    const offEarly = feed.subscribe("k", { onLook: (l) => early.push(l), onGone: () => {} });
    await reader.nextRead();
    // Subscribes while the look is read (then reads its own, newer snapshot).
    const offLate = feed.subscribe("k", { onLook: (l) => late.push(l), onGone: () => {} });
    reader.answer("old");
    await settle();
    assert.deepEqual(early, ["old"]);
    assert.deepEqual(late, [], "a look read before it subscribed is not delivered after its snapshot");
    await reader.nextRead();
    reader.answer("new");
    await settle();
    assert.deepEqual(early, ["old", "new"]);
    assert.deepEqual(late, ["new"], "the next look reaches it");
    offEarly();
    offLate();
  });

  it("gives no look to a listener that left during the read; tells gone to everyone listening", async () => {
    const reader = heldReader();
    const feed = new LookFeed(reader.read, { intervalMs: 5 });
    feeds.push(feed);
    const left: string[] = [];
    const gone: string[] = [];
    const offLeft = feed.subscribe("k", { onLook: (l) => left.push(l), onGone: () => gone.push("left") });
    feed.subscribe("k", { onLook: () => {}, onGone: () => gone.push("stayed") });
    await reader.nextRead();
    offLeft();
    feed.subscribe("k", { onLook: () => {}, onGone: () => gone.push("came") });
    reader.answer("look");
    await settle();
    assert.deepEqual(left, []);
    await reader.nextRead();
    reader.answer(undefined);
    await settle();
    assert.deepEqual(gone.sort(), ["came", "stayed"]);
    assert.equal(feed.watchedCount, 0);
  });
});
