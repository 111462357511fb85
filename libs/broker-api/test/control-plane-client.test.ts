import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { ErrorCode, StreamStorageError } from "@cirrus/s3stream";
import { BrokerApiError, BrokerApiErrorCode, ControlPlaneClient } from "../src/index.ts";

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

// A scripted server: each test queues the answers it wants and checks what the client sent.
let queue: Handler[] = [];
const seen: { method: string; url: string; body: string; auth: string }[] = [];
const server = createServer((req, res) => {
  let body = "";
  req.on("data", (chunk) => {
    body += chunk;
  });
  req.on("end", () => {
    seen.push({ method: req.method!, url: req.url!, body, auth: req.headers.authorization ?? "" });
    const next = queue.shift();
    if (next) next(req, body, res);
    else problem(res, 500, "SERVER_ERROR");
  });
});
let baseUrl = "";

function problem(res: ServerResponse, status: number, code: string): void {
  res.writeHead(status, { "content-type": "application/problem+json" });
  res.end(JSON.stringify({ type: "about:blank", title: code, status, code, detail: `detail of ${code}` }));
}
function json(res: ServerResponse, value: unknown): void {
  res.writeHead(200, { "content-type": "application/json" });
  res.end(JSON.stringify(value));
}
function client(extra: { timeoutMs?: number; retries?: number } = {}): ControlPlaneClient {
  return new ControlPlaneClient({ baseUrl, token: "secret", retryBackoffMs: 1, ...extra });
}

before(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  server.closeAllConnections();
  server.close();
});

describe("ControlPlaneClient", () => {
  it("sends the token and the body, and returns the typed answer", async () => {
    queue = [(_req, _body, res) => json(res, { clusterId: "c", brokerId: 3, epoch: 7, leaseMs: 10_000 })];
    seen.length = 0;
    const answer = await client().register({ instanceId: "i-1", zone: "z", host: "127.0.0.1", port: 9092 });
    assert.deepEqual(answer, { clusterId: "c", brokerId: 3, epoch: 7, leaseMs: 10_000 });
    assert.equal(seen[0]!.auth, "Bearer secret");
    assert.equal(seen[0]!.url, "/internal/v1/brokers/register");
    assert.deepEqual(JSON.parse(seen[0]!.body), {
      instanceId: "i-1",
      zone: "z",
      host: "127.0.0.1",
      port: 9092,
    });
  });

  it("maps 409 BROKER_FENCED to a fenced, non-retriable error and does not retry it", async () => {
    queue = [(_r, _b, res) => problem(res, 409, "BROKER_FENCED")];
    seen.length = 0;
    const error = await client()
      .heartbeat(1, { epoch: 1 })
      .catch((e: unknown) => e);
    assert.ok(error instanceof BrokerApiError);
    assert.equal(error.code, BrokerApiErrorCode.BROKER_FENCED);
    assert.equal(error.fenced, true);
    assert.equal(error.retriable, false);
    assert.equal(seen.length, 1);
  });

  it("retries an idempotent call on 5xx, then succeeds", async () => {
    queue = [
      (_r, _b, res) => problem(res, 503, "SERVER_ERROR"),
      (_r, _b, res) => problem(res, 500, "SERVER_ERROR"),
      (_r, _b, res) => json(res, { leaseUntil: 5, assignmentVersion: 2 }),
    ];
    seen.length = 0;
    assert.deepEqual(await client().heartbeat(1, { epoch: 1 }), { leaseUntil: 5, assignmentVersion: 2 });
    assert.equal(seen.length, 3);
  });

  it("a 429 carries the server's Retry-After (seconds or an HTTP-date) in ms; none without the header", async () => {
    const limited = (retryAfter?: string) => (_r: IncomingMessage, _b: string, res: ServerResponse) => {
      if (retryAfter !== undefined) res.setHeader("retry-after", retryAfter);
      problem(res, 429, "RATE_LIMITED");
    };
    const asked = () =>
      client()
        .instanceChallenge({ clusterId: "c" })
        .then(
          () => assert.fail("a 429 resolved"),
          (e: unknown) => e as BrokerApiError,
        );
    queue = [limited("7")];
    const seconds = await asked();
    assert.equal(seconds.code, BrokerApiErrorCode.RATE_LIMITED);
    assert.equal(seconds.retriable, true);
    assert.equal(seconds.retryAfterMs, 7_000);
    queue = [limited(new Date(Date.now() + 60_000).toUTCString())];
    const date = (await asked()).retryAfterMs!;
    assert.ok(date > 58_000 && date <= 60_000, `${date}`);
    queue = [limited(undefined)];
    assert.equal((await asked()).retryAfterMs, undefined);
    queue = [limited("soon")];
    assert.equal((await asked()).retryAfterMs, undefined);
  });

  it("sends a non-idempotent call once even on 5xx", async () => {
    queue = [(_r, _b, res) => problem(res, 500, "SERVER_ERROR")];
    seen.length = 0;
    const error = await client()
      .createTopic({ name: "t", partitions: 1 })
      .catch((e: unknown) => e);
    assert.ok(error instanceof BrokerApiError);
    assert.equal(error.code, BrokerApiErrorCode.SERVER_ERROR);
    assert.equal(seen.length, 1);
  });

  it("times out a request that gets no answer", async () => {
    queue = [() => {}];
    const started = Date.now();
    const error = await client({ timeoutMs: 100, retries: 0 })
      .metadata()
      .catch((e: unknown) => e);
    assert.ok(error instanceof BrokerApiError);
    assert.equal(error.code, BrokerApiErrorCode.TIMEOUT);
    assert.ok(Date.now() - started < 2_000);
  });

  it("reports a refused connection as a retriable NETWORK error", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const c = new ControlPlaneClient({
      baseUrl: `http://127.0.0.1:${port}`,
      token: "t",
      retries: 1,
      retryBackoffMs: 1,
    });
    const error = await c.metadata().catch((e: unknown) => e);
    assert.ok(error instanceof BrokerApiError);
    assert.equal(error.code, BrokerApiErrorCode.NETWORK);
    assert.equal(error.retriable, true);
  });

  it("as an ObjectManager, rebuilds s3stream errors from the problem code", async () => {
    queue = [(_r, _b, res) => problem(res, 409, "STREAM_FENCED")];
    const error = await client()
      .openStream(4, 1, 2)
      .catch((e: unknown) => e);
    assert.ok(error instanceof StreamStorageError);
    assert.equal(error.code, ErrorCode.STREAM_FENCED);
  });

  it("as an ObjectManager, turns transport failures into retriable UPSTREAM_UNAVAILABLE", async () => {
    queue = [() => {}];
    const error = await client({ timeoutMs: 50, retries: 0 })
      .describeStream(1)
      .catch((e: unknown) => e);
    assert.ok(error instanceof StreamStorageError);
    assert.equal(error.code, ErrorCode.UPSTREAM_UNAVAILABLE);
    assert.equal(error.retriable, true);
  });

  it("sends closes started together as one request, each close getting its own outcome", async () => {
    queue = [
      (_r, _b, res) =>
        json(res, {
          results: [
            { streamId: 4, error: null },
            { streamId: 5, error: { code: "STREAM_FENCED", message: "stream 5 is at epoch 3" } },
          ],
        }),
    ];
    seen.length = 0;
    const c = client();
    const [four, five] = await Promise.allSettled([c.closeStream(4, 2), c.closeStream(5, 2)]);
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!.url, "/internal/v1/streams/close");
    assert.deepEqual(JSON.parse(seen[0]!.body), {
      streams: [
        { streamId: 4, epoch: 2 },
        { streamId: 5, epoch: 2 },
      ],
    });
    assert.equal(four.status, "fulfilled");
    assert.ok(five.status === "rejected" && five.reason instanceof StreamStorageError);
    assert.equal(five.reason.code, ErrorCode.STREAM_FENCED);
  });

  it("closes that arrive while a close request is in flight leave together in the next one", async () => {
    let answerFirst: () => void = () => {};
    const ok = (res: ServerResponse, body: string) =>
      json(res, {
        results: (JSON.parse(body) as { streams: { streamId: number }[] }).streams.map((s) => ({
          streamId: s.streamId,
          error: null,
        })),
      });
    queue = [(_r, body, res) => (answerFirst = () => ok(res, body)), (_r, body, res) => ok(res, body)];
    seen.length = 0;
    const c = client();
    const first = c.closeStream(1, 1);
    while (seen.length < 1) await new Promise((resolve) => setTimeout(resolve, 5));
    const later = [c.closeStream(2, 1), c.closeStream(3, 1)];
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(seen.length, 1, "nothing more is sent while the first request is in flight");
    answerFirst();
    await Promise.all([first, ...later]);
    assert.equal(seen.length, 2);
    assert.deepEqual(
      (JSON.parse(seen[1]!.body) as { streams: { streamId: number }[] }).streams.map((s) => s.streamId),
      [2, 3],
    );
  });

  it("sends opens started together as one request, each open getting its own stream or error", async () => {
    const stream = { streamId: 4, epoch: 2, startOffset: 0, endOffset: 9, state: "OPENED", nodeId: 3 };
    queue = [
      (_r, _b, res) =>
        json(res, {
          results: [
            { streamId: 4, stream, error: null },
            { streamId: 5, stream: null, error: { code: "STREAM_NOT_FOUND", message: "no stream 5" } },
          ],
        }),
    ];
    seen.length = 0;
    const c = client();
    const [four, five] = await Promise.allSettled([c.openStream(4, 2, 3), c.openStream(5, 2, 3)]);
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!.url, "/internal/v1/streams/open");
    assert.deepEqual(JSON.parse(seen[0]!.body), {
      streams: [
        { streamId: 4, epoch: 2, nodeId: 3 },
        { streamId: 5, epoch: 2, nodeId: 3 },
      ],
    });
    assert.ok(four.status === "fulfilled");
    assert.deepEqual(four.value, stream);
    assert.ok(five.status === "rejected" && five.reason instanceof StreamStorageError);
    assert.equal(five.reason.code, ErrorCode.STREAM_NOT_FOUND);
  });

  it("rejects every close of a batch as retriable when the answer does not match the request", async () => {
    queue = [(_r, _b, res) => json(res, { results: [{ streamId: 7, error: null }] })];
    const c = client();
    const outcomes = await Promise.allSettled([c.closeStream(7, 1), c.closeStream(8, 1)]);
    for (const o of outcomes) {
      assert.ok(o.status === "rejected" && o.reason instanceof StreamStorageError);
      assert.equal(o.reason.code, ErrorCode.UPSTREAM_UNAVAILABLE);
      assert.equal(o.reason.retriable, true);
    }
  });

  it("refuses an invalid stream id before sending anything", async () => {
    seen.length = 0;
    await assert.rejects(client().describeStream(-1), (e: unknown) => {
      return e instanceof StreamStorageError && e.code === ErrorCode.INVALID_ARGUMENT;
    });
    assert.equal(seen.length, 0);
  });

  it("reports a non-JSON success body as BAD_RESPONSE", async () => {
    queue = [
      (_r, _b, res) => {
        res.writeHead(200);
        res.end("not json");
      },
    ];
    await assert.rejects(client().metadata(), (e: unknown) => {
      return e instanceof BrokerApiError && e.code === BrokerApiErrorCode.BAD_RESPONSE;
    });
  });
});
