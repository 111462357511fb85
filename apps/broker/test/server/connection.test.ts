import assert from "node:assert/strict";
import { after, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { FrameDecoder } from "@cirrus/kafka-protocol";
import type { RequestHandler } from "../../src/server/connection.ts";
import { KafkaListener } from "../../src/server/listener.ts";
import { connectTo, frame, readFrames, waitForClose } from "../helpers/length-prefixed.ts";

const listeners: KafkaListener[] = [];
after(() => Promise.all(listeners.map((l) => l.close())));

async function start(
  handler: RequestHandler,
  overrides: Partial<{ maxInflightBytes: number; idleMs: number; maxConnections: number }> = {},
) {
  const listener = new KafkaListener({
    host: "127.0.0.1",
    port: 0,
    maxConnections: overrides.maxConnections ?? 100,
    maxInflightBytes: overrides.maxInflightBytes ?? 1024 * 1024,
    maxInflightRequests: 1000,
    idleMs: overrides.idleMs ?? 30_000,
    newFrameSplitter: () => new FrameDecoder({ maxFrameBytes: 1024 * 1024 }),
    handler,
  });
  listeners.push(listener);
  return { listener, port: await listener.listen() };
}

test("pipelined requests finishing in reverse order are answered in request order", async () => {
  const { port } = await start(async (request) => {
    const delay = request.readUInt8(0);
    await sleep(delay);
    return [frame(Buffer.from(request))];
  });
  const socket = await connectTo(port);
  const delays = [40, 30, 20, 10, 0];
  socket.write(Buffer.concat(delays.map((d) => frame(Buffer.from([d, 0xab])))));
  const responses = await readFrames(socket, delays.length);
  assert.deepEqual(
    responses.map((r) => r.readUInt8(0)),
    delays,
  );
  socket.destroy();
});

test("a request without a response keeps the order of the others", async () => {
  const { port } = await start(async (request) =>
    request.readUInt8(0) === 0 ? null : [frame(Buffer.from(request))],
  );
  const socket = await connectTo(port);
  socket.write(Buffer.concat([frame(Buffer.from([1])), frame(Buffer.from([0])), frame(Buffer.from([2]))]));
  const responses = await readFrames(socket, 2);
  assert.deepEqual(
    responses.map((r) => r.readUInt8(0)),
    [1, 2],
  );
  socket.destroy();
});

test("a malformed frame closes that connection and the listener keeps serving others", async () => {
  const { port } = await start(async (request) => [frame(Buffer.from(request))]);
  const bad = await connectTo(port);
  const negative = Buffer.alloc(4);
  negative.writeInt32BE(-5, 0);
  bad.write(negative);
  await waitForClose(bad);
  const huge = await connectTo(port);
  const tooBig = Buffer.alloc(4);
  tooBig.writeInt32BE(64 * 1024 * 1024, 0);
  huge.write(tooBig);
  await waitForClose(huge);
  const good = await connectTo(port);
  good.write(frame(Buffer.from("hi")));
  const [response] = await readFrames(good, 1);
  assert.equal(response?.toString(), "hi");
  good.destroy();
});

test("a handler that rejects closes the connection", async () => {
  const { port } = await start(async () => {
    throw new Error("malformed request");
  });
  const socket = await connectTo(port);
  socket.write(frame(Buffer.from("x")));
  await waitForClose(socket);
});

test("reading pauses while too many request bytes are in flight and resumes when they are answered", async () => {
  const release: (() => void)[] = [];
  let handled = 0;
  const { listener, port } = await start(
    async (request) => {
      handled++;
      await new Promise<void>((resolve) => release.push(resolve));
      return [frame(request.subarray(0, 1))];
    },
    { maxInflightBytes: 64 * 1024 },
  );
  const socket = await connectTo(port);
  const total = 64;
  const payload = Buffer.alloc(16 * 1024, 7);
  for (let i = 0; i < total; i++) socket.write(frame(payload));
  await sleep(300);
  assert.ok(handled < total, `only a bounded number of requests may be taken in (took ${handled})`);
  assert.ok(handled * payload.length <= 64 * 1024 + 256 * 1024, `in-flight bytes bounded (took ${handled})`);
  const responses = readFrames(socket, total, 10_000);
  const pump = setInterval(() => {
    for (const r of release.splice(0)) r();
  }, 5);
  try {
    assert.equal((await responses).length, total);
    assert.equal(handled, total);
  } finally {
    clearInterval(pump);
    socket.destroy();
  }
  assert.equal(listener.connectionCount >= 0, true);
});

test("a client that does not read its responses stops being read", async () => {
  let handled = 0;
  const big = Buffer.alloc(1024 * 1024, 1);
  const { port } = await start(async () => {
    handled++;
    return [frame(big)];
  });
  const socket = await connectTo(port);
  socket.pause();
  for (let i = 0; i < 200; i++) socket.write(frame(Buffer.from([i])));
  await sleep(500);
  assert.ok(handled < 200, `the broker must not buffer 200 MiB of responses (handled ${handled})`);
  socket.destroy();
});

test("idle connections are closed after idleMs", async () => {
  const { port } = await start(async (r) => [frame(r)], { idleMs: 200 });
  const socket = await connectTo(port);
  socket.write(Buffer.from([0, 0])); // half a size prefix, then silence: a stalled client
  const started = Date.now();
  await waitForClose(socket, 3_000);
  assert.ok(Date.now() - started >= 150);
});

test("connections over the limit are refused while existing ones keep working", async () => {
  const { listener, port } = await start(async (r) => [frame(r)], { maxConnections: 2 });
  const a = await connectTo(port);
  const b = await connectTo(port);
  const c = await connectTo(port);
  await waitForClose(c);
  assert.equal(listener.connectionCount, 2);
  a.write(frame(Buffer.from("ok")));
  assert.equal((await readFrames(a, 1))[0]?.toString(), "ok");
  a.destroy();
  b.destroy();
});
