// The client connection against a real TCP server that speaks this codec: pipelined answers matched by
// correlation id, and every failure (refused, silent, garbage, closed, stray answer) a KafkaConnectionError
// that rejects what is in flight and leaves the connection failed.
import assert from "node:assert/strict";
import { createServer, type Server, type Socket } from "node:net";
import { after, describe, it } from "node:test";
import { KafkaClientConnection, KafkaConnectionError } from "../../src/client/kafka-client-connection.ts";
import { ApiKey, decodeRequest, encodeResponse, FrameDecoder } from "../../src/index.ts";

const OPTIONS = { clientId: "client-test", connectTimeoutMs: 2_000 };
const servers: Server[] = [];

/** A server that hands each decoded request's correlation id to `onRequest` with the socket. */
async function serve(onRequest: (socket: Socket, correlationId: number) => void): Promise<number> {
  const server = createServer((socket) => {
    const decoder = new FrameDecoder();
    socket.on("data", (chunk: Buffer) => {
      for (const frame of decoder.push(chunk)) onRequest(socket, decodeRequest(frame).header.correlationId);
    });
    socket.on("error", () => {});
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as { port: number }).port;
}

function apiVersionsAnswer(correlationId: number, errorCode = 0): Buffer {
  return encodeResponse(
    { apiKey: ApiKey.ApiVersions, apiVersion: 0, correlationId },
    { errorCode, apiKeys: [] },
  );
}

const ask = (c: KafkaClientConnection, timeoutMs = 2_000) => c.request(ApiKey.ApiVersions, 0, {}, timeoutMs);

after(() => {
  for (const server of servers) server.close();
});

describe("KafkaClientConnection", () => {
  it("matches pipelined answers to their requests by correlation id, whatever their order", async () => {
    const held: number[] = [];
    const port = await serve((socket, id) => {
      held.push(id);
      if (held.length === 2) for (const h of held.reverse()) socket.write(apiVersionsAnswer(h, h));
    });
    const c = await KafkaClientConnection.open("127.0.0.1", port, OPTIONS);
    const [first, second] = await Promise.all([ask(c), ask(c)]);
    assert.equal(first.errorCode, 1);
    assert.equal(second.errorCode, 2);
    assert.equal(c.failed, false);
    c.close();
    assert.equal(c.failed, true);
  });

  it("a refused connection is a KafkaConnectionError, from open and from request", async () => {
    const port = await serve(() => {});
    servers.pop()?.close();
    await assert.rejects(KafkaClientConnection.open("127.0.0.1", port, OPTIONS), KafkaConnectionError);
    const lazy = new KafkaClientConnection("127.0.0.1", port, OPTIONS);
    await assert.rejects(ask(lazy), KafkaConnectionError);
    assert.equal(lazy.failed, true);
  });

  it("a silent broker fails every request in flight at the deadline and the connection with them", async () => {
    const port = await serve(() => {});
    const c = await KafkaClientConnection.open("127.0.0.1", port, OPTIONS);
    const results = await Promise.allSettled([ask(c, 100), ask(c, 5_000)]);
    for (const r of results) {
      assert.equal(r.status, "rejected");
      assert.ok(r.reason instanceof KafkaConnectionError);
      assert.match(r.reason.message, /no answer .* within 100 ms/);
    }
    assert.equal(c.failed, true);
    await assert.rejects(ask(c), KafkaConnectionError);
  });

  it("a broker that closes mid-request fails the request", async () => {
    const port = await serve((socket) => socket.destroy());
    const c = await KafkaClientConnection.open("127.0.0.1", port, OPTIONS);
    await assert.rejects(ask(c), (e: Error) => e instanceof KafkaConnectionError && /closed/.test(e.message));
  });

  it("an oversized frame, an undecodable answer and an answer to no request each fail the connection", async () => {
    const answers: Array<[(id: number) => Buffer, RegExp]> = [
      [() => Buffer.from([0x7f, 0xff, 0xff, 0xff]), /bad frame/],
      [(id) => Buffer.from([0, 0, 0, 5, 0, 0, 0, id, 9]), /undecodable answer/],
      [(id) => apiVersionsAnswer(id + 1000), /to no request \(correlation id 1001\)/],
    ];
    for (const [answer, message] of answers) {
      const port = await serve((socket, id) => socket.write(answer(id)));
      const c = await KafkaClientConnection.open("127.0.0.1", port, OPTIONS);
      await assert.rejects(
        ask(c),
        (e: Error) => e instanceof KafkaConnectionError && message.test(e.message),
      );
      assert.equal(c.failed, true, String(message));
    }
  });
});
