// Server-Sent Events (text/event-stream, WHATWG HTML §9.2) on a Fastify reply: the reply is hijacked (Fastify
// neither serializes nor ends it), every event is one `event:`/`data:` block, a comment line goes out as a
// heartbeat, and the stream is closed when the client goes, when it falls too far behind, or when the server
// closes (preClose: open streams would otherwise hold server.close() forever).
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ProblemBody } from "./problem-handler.ts";

/** A client this far behind (bytes queued, not yet taken by the socket) is dropped: it reconnects afresh. */
const MAX_QUEUED_BYTES = 1024 * 1024;
/** How long a client waits before reconnecting after the stream ends (the `retry:` field). */
const RETRY_MS = 2_000;

export interface EventStream {
  /** Sends one event whose data is `data` as JSON; false once the stream is closed (nothing sent). */
  send(event: string, data: unknown): boolean;
  /** Ends the stream (idempotent); `onClose` callbacks run once. */
  close(): void;
  /** Ends the stream with a last `error` event carrying `problem` (RFC 9457), e.g. its token was revoked. */
  fail(problem: ProblemBody): void;
  /** Runs when the stream closes, whoever closes it (the client, the server, a slow reader). */
  onClose(callback: () => void): void;
  readonly closed: boolean;
}

/** The streams one Fastify instance has open; all of them are closed before the server closes. */
export function registerEventStreams(app: FastifyInstance): Set<EventStream> {
  const open = new Set<EventStream>();
  app.addHook("preClose", (done) => {
    for (const stream of open) stream.close();
    done();
  });
  return open;
}

/** Answers `request` with an event stream (200, text/event-stream) and a heartbeat every `heartbeatMs`. */
export function openEventStream(
  request: FastifyRequest,
  reply: FastifyReply,
  options: {
    heartbeatMs: number;
    registry: Set<EventStream>;
    /**
     * Asked before each event (not heartbeats): a problem ends the stream with it instead of the event. Must be
     * cheap and synchronous (it runs per event): e.g. a cached answer to "is the token still valid".
     */
    check?: () => ProblemBody | undefined;
  },
): EventStream {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache, no-store",
    connection: "keep-alive",
    // Proxies (nginx) must pass events on as they come, not buffer them.
    "x-accel-buffering": "no",
    "x-request-id": request.id,
  });
  res.flushHeaders();
  const callbacks: (() => void)[] = [];
  let closed = false;
  const write = (text: string): boolean => {
    if (closed) return false;
    res.write(text);
    if (res.writableLength > MAX_QUEUED_BYTES) stream.close();
    return !closed;
  };
  const heartbeat = setInterval(() => write(": heartbeat\n\n"), options.heartbeatMs);
  const stream: EventStream = {
    get closed() {
      return closed;
    },
    send: (event, data) => {
      const problem = options.check?.();
      if (problem) {
        stream.fail(problem);
        return false;
      }
      return write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    fail: (problem) => {
      write(`event: error\ndata: ${JSON.stringify(problem)}\n\n`);
      stream.close();
    },
    close: () => {
      if (closed) return;
      closed = true;
      clearInterval(heartbeat);
      options.registry.delete(stream);
      res.end();
      for (const callback of callbacks.splice(0)) callback();
    },
    onClose: (callback) => {
      if (closed) callback();
      else callbacks.push(callback);
    },
  };
  options.registry.add(stream);
  // The client went away (tab closed, fetch aborted): stop at once rather than at the next failed write.
  res.on("close", () => stream.close());
  write(`retry: ${RETRY_MS}\n\n`);
  return stream;
}
