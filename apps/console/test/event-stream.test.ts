import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseEvents, readEvents, type StreamEvent } from "../src/api/event-stream.ts";

describe("event stream parsing", () => {
  it("splits events, skips comments (heartbeats) and blocks without data, keeps the unfinished rest", () => {
    const { events, rest } = parseEvents(
      'retry: 2000\n\nevent: snapshot\ndata: {"items":[]}\n\n: heartbeat\n\nevent: operation\ndata: {"a":',
    );
    assert.deepEqual(events, [{ event: "snapshot", data: '{"items":[]}' }]);
    assert.equal(rest, 'event: operation\ndata: {"a":');
  });
  it("joins data lines, takes CRLF, names an unnamed event `message`, keeps a value's further spaces", () => {
    const { events, rest } = parseEvents("data: one\r\ndata:  two\r\n\r\nevent:tick\ndata\n\n");
    assert.deepEqual(events, [
      { event: "message", data: "one\n two" },
      { event: "tick", data: "" },
    ]);
    assert.equal(rest, "");
  });
  it("reads a body cut anywhere into events, in order", async () => {
    const text =
      'event: operation\ndata: {"id":"1"}\n\n: heartbeat\n\nevent: operation\ndata: {"id":"2"}\n\n';
    const bytes = new TextEncoder().encode(text);
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 7) controller.enqueue(bytes.slice(i, i + 7));
        controller.close();
      },
    });
    const seen: StreamEvent[] = [];
    await readEvents(body, (e) => seen.push(e), new AbortController().signal);
    assert.deepEqual(
      seen.map((e) => JSON.parse(e.data).id),
      ["1", "2"],
    );
  });
  it("stops reading when aborted", async () => {
    const abort = new AbortController();
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>({
      pull: () => new Promise(() => {}),
      cancel: () => {
        cancelled = true;
      },
    });
    const reading = readEvents(body, () => {}, abort.signal);
    abort.abort();
    await reading;
    assert.ok(cancelled, "the body was cancelled: the connection closes");
  });
});
