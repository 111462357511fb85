import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  parseEvents,
  readEvents,
  type StreamEvent,
  StreamIdleError,
  streamProblem,
} from "../src/api/event-stream.ts";
import { ApiProblem } from "../src/api/problem.ts";

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
  it("gives up on a connection that goes silent (no heartbeat), cancelling it", async () => {
    let cancelled = false;
    const seen: StreamEvent[] = [];
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode("event: tick\ndata: 1\n\n"));
      },
      cancel: () => {
        cancelled = true;
      },
    });
    await assert.rejects(
      readEvents(body, (e) => seen.push(e), new AbortController().signal, 100),
      StreamIdleError,
    );
    assert.deepEqual(seen, [{ event: "tick", data: "1" }]);
    assert.ok(cancelled);
  });
  it("turns the server's last `error` event into its problem; other events are not problems", () => {
    const revoked = streamProblem({
      event: "error",
      data: JSON.stringify({
        status: 401,
        code: "UNAUTHORIZED",
        title: "A valid bearer token is required",
        detail: "the token was revoked",
      }),
    });
    assert.ok(revoked instanceof ApiProblem);
    assert.equal(revoked.problem.status, 401);
    assert.equal(revoked.message, "A valid bearer token is required: the token was revoked");
    assert.equal(streamProblem({ event: "operation", data: "{}" }), undefined);
    const garbled = streamProblem({ event: "error", data: "broken" });
    assert.equal(garbled?.problem.status, 500);
    assert.match(garbled?.message ?? "", /broken/);
  });
  it("cancels the connection when the event handler throws (the stream's error event)", async () => {
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(
          new TextEncoder().encode(
            'event: error\ndata: {"status":401,"code":"UNAUTHORIZED","title":"t"}\n\n',
          ),
        );
      },
      cancel: () => {
        cancelled = true;
      },
    });
    await assert.rejects(
      readEvents(
        body,
        (e) => {
          const problem = streamProblem(e);
          if (problem) throw problem;
        },
        new AbortController().signal,
      ),
      (error: unknown) => error instanceof ApiProblem && error.problem.status === 401,
    );
    assert.ok(cancelled);
  });
});
