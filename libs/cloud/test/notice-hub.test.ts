import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { NoticeHub } from "../src/notice-hub.ts";
import type { InterruptionNotice } from "../src/provider.ts";

const notice = (id: string): InterruptionNotice => ({
  id,
  kind: "spot-reclaim",
  fleet: "f",
  instanceId: id,
  deadline: undefined,
});

describe("NoticeHub", () => {
  it("delivers to every subscriber in order and drops repeated ids", async () => {
    const hub = new NoticeHub();
    const a = hub.subscribe();
    const b = hub.subscribe();
    assert.equal(hub.publish(notice("1")), true);
    assert.equal(hub.publish(notice("1")), false, "a repeat is dropped");
    hub.publish(notice("2"));
    const ia = a[Symbol.asyncIterator]();
    const ib = b[Symbol.asyncIterator]();
    assert.deepEqual([(await ia.next()).value?.id, (await ia.next()).value?.id], ["1", "2"]);
    assert.equal((await ib.next()).value?.id, "1");
    a.close();
    assert.equal((await ia.next()).done, true);
    assert.equal(hub.subscriberCount, 1);
  });

  it("wakes a waiting reader and ends it on closeAll", async () => {
    const hub = new NoticeHub();
    const it1 = hub.subscribe()[Symbol.asyncIterator]();
    const pending = it1.next();
    hub.publish(notice("x"));
    assert.equal((await pending).value?.id, "x");
    const waiting = it1.next();
    hub.closeAll();
    assert.equal((await waiting).done, true);
  });

  it("bounds a slow subscriber's buffer and counts what it lost", async () => {
    const hub = new NoticeHub();
    const slow = hub.subscribe();
    for (let i = 0; i < 1100; i++) hub.publish(notice(`n${i}`));
    assert.equal(slow.dropped, 76);
    assert.equal((await slow[Symbol.asyncIterator]().next()).value?.id, "n76", "the oldest were dropped");
  });

  it("ends a for-await loop when the consumer breaks out", async () => {
    const hub = new NoticeHub();
    const sub = hub.subscribe();
    hub.publish(notice("a"));
    for await (const n of sub) {
      assert.equal(n.id, "a");
      break;
    }
    assert.equal(hub.subscriberCount, 0);
  });
});
