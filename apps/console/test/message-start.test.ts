import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isLive, localTimeMillis, messagesQuery } from "../src/pages/message-start.ts";

describe("message browser start", () => {
  it("reads the newest records live by default", () => {
    assert.deepEqual(messagesQuery({ kind: "newest" }, 20), { limit: 20 });
    assert.equal(isLive({ kind: "newest" }), true);
  });
  it("pages back before an offset", () => {
    assert.deepEqual(messagesQuery({ kind: "before", offset: 40 }, 20), { limit: 20, before: 40 });
    assert.equal(isLive({ kind: "before", offset: 40 }), false);
  });
  it("reads from a local time, sent as ms since the epoch", () => {
    const local = "2026-12-07T01:30:15";
    const ms = new Date(local).getTime();
    assert.equal(localTimeMillis(local), ms);
    assert.deepEqual(messagesQuery({ kind: "time", local }, 20), { limit: 20, timestamp: String(ms) });
    assert.equal(isLive({ kind: "time", local }), false);
  });
  it("treats an empty or unreadable time as the newest", () => {
    for (const local of ["", "  ", "not a time"]) {
      assert.equal(localTimeMillis(local), undefined);
      assert.deepEqual(messagesQuery({ kind: "time", local }, 5), { limit: 5 });
      assert.equal(isLive({ kind: "time", local }), true);
    }
  });
});
