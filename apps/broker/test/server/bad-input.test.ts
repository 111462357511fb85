// Bad input over real sockets against a real broker: the codec's captured client requests mutated at random,
// random bytes, oversized frames, clients stalled mid-frame and thousands of idle connections. Each gets a
// Kafka answer or a closed connection; the broker stays up and other clients are not slowed.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import type { Socket } from "node:net";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { BrokerHandle } from "../../src/index.ts";
import { eventually, startTestBroker, testBrokerConfig } from "../helpers/broker-fixture.ts";
import { spawnBroker } from "../helpers/broker-process.ts";
import { startControlPlane, type TestControlPlane } from "../helpers/control-plane.ts";
import { KafkaWire } from "../helpers/kafka-wire.ts";
import { connectTo, frame } from "../helpers/length-prefixed.ts";

const IDLE_CONNECTIONS = Number(process.env.CIRRUS_TEST_IDLE_CONNECTIONS ?? 10_000);
const fixtures = join(import.meta.dirname, "../../../../libs/kafka-protocol/test/fixtures");

let cp: TestControlPlane;
let broker: BrokerHandle;

before(async () => {
  cp = await startControlPlane();
  broker = await startTestBroker(cp, "bad-input", { maxFrameBytes: 1024 * 1024, maxFetchWaitMs: 200 });
  await broker.services.controlPlane.createTopic({ name: "t", partitions: 1 });
});

after(async () => {
  await broker?.close();
  await cp?.close();
});

function prng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 0x100000000;
  };
}

function mutate(rand: () => number, input: Buffer): Buffer {
  const pick = (n: number) => Math.floor(rand() * n);
  const out = Buffer.from(input);
  switch (pick(4)) {
    case 0:
      return out.subarray(0, pick(out.length + 1));
    case 1:
      for (let i = 0, n = 1 + pick(4); i < n && out.length > 0; i++) out[pick(out.length)] = pick(256);
      return out;
    case 2:
      if (out.length >= 4)
        out.writeUInt32BE([0x7fffffff, 0x80000000, 0xffffffff, 1][pick(4)]!, pick(out.length - 3));
      return out;
    default:
      return Buffer.concat([out, Buffer.from(Array.from({ length: pick(64) }, () => pick(256)))]);
  }
}

/** Sends one payload, then waits until the broker answered something or closed the connection. */
async function outcomeOf(payload: Buffer): Promise<"answered" | "closed" | "silent"> {
  const socket = await connectTo(broker.kafkaPort);
  return new Promise((resolve) => {
    const done = (outcome: "answered" | "closed" | "silent") => {
      clearTimeout(timer);
      socket.removeAllListeners("data");
      socket.removeAllListeners("close");
      socket.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(() => done("silent"), 600);
    socket.on("data", () => done("answered"));
    socket.on("close", () => done("closed"));
    socket.on("error", () => {});
    socket.write(payload);
  });
}

async function probeLatencyMs(): Promise<number> {
  const wire = await KafkaWire.connect(broker.kafkaPort);
  try {
    const started = performance.now();
    const answer = await wire.request(
      18,
      3,
      { clientSoftwareName: "probe", clientSoftwareVersion: "1" },
      2_000,
    );
    assert.equal(answer.errorCode, 0);
    return performance.now() - started;
  } finally {
    wire.close();
  }
}

test("mutated captured requests and random bytes get an answer or a closed connection", {
  timeout: 120_000,
}, async () => {
  const corpus = readdirSync(fixtures).flatMap((client) =>
    readdirSync(join(fixtures, client))
      .filter((f) => f.endsWith(".bin"))
      .map((f) => readFileSync(join(fixtures, client, f))),
  );
  assert.ok(corpus.length >= 20, `corpus of ${corpus.length} captured requests`);
  const rand = prng(20261122);
  const outcomes = { answered: 0, closed: 0, silent: 0 };
  const inputs: Buffer[] = [];
  for (let i = 0; i < 200; i++) inputs.push(frame(mutate(rand, corpus[i % corpus.length]!)));
  for (let i = 0; i < 40; i++) {
    inputs.push(
      Buffer.from(Array.from({ length: 1 + Math.floor(rand() * 200) }, () => Math.floor(rand() * 256))),
    );
  }
  for (let i = 0; i < inputs.length; i += 25) {
    const batch = await Promise.all(inputs.slice(i, i + 25).map(outcomeOf));
    for (const outcome of batch) outcomes[outcome]++;
  }
  // "silent" is a complete-looking frame still being waited for (a declared size larger than what was sent):
  // the connection stays open until the client sends more or the idle timeout closes it.
  assert.equal(outcomes.answered + outcomes.closed + outcomes.silent, inputs.length);
  assert.ok(outcomes.closed > 0 && outcomes.answered > 0, JSON.stringify(outcomes));
  assert.ok((await probeLatencyMs()) < 500, "the broker still answers promptly");
});

test("a frame declaring more than maxFrameBytes is refused before it is buffered", async () => {
  const header = Buffer.alloc(4);
  header.writeInt32BE(512 * 1024 * 1024, 0);
  assert.equal(await outcomeOf(header), "closed");
  const negative = Buffer.alloc(4);
  negative.writeInt32BE(-1, 0);
  assert.equal(await outcomeOf(negative), "closed");
});

test("clients stalled mid-frame do not slow other clients", { timeout: 30_000 }, async () => {
  const stalled: Socket[] = [];
  try {
    for (let i = 0; i < 50; i++) {
      const socket = await connectTo(broker.kafkaPort);
      socket.on("error", () => {});
      const partial = Buffer.alloc(4 + 20);
      partial.writeInt32BE(10_000, 0);
      socket.write(partial);
      stalled.push(socket);
    }
    const latencies: number[] = [];
    for (let i = 0; i < 20; i++) latencies.push(await probeLatencyMs());
    latencies.sort((a, b) => a - b);
    assert.ok(latencies[latencies.length - 1]! < 250, `slowest probe ${latencies.at(-1)} ms`);
    assert.ok(
      stalled.every((s) => !s.destroyed),
      "stalled clients are kept until their idle timeout",
    );
  } finally {
    for (const s of stalled) s.destroy();
  }
});

test(`${IDLE_CONNECTIONS} idle connections to a broker process are held while it keeps serving`, {
  timeout: 120_000,
}, async () => {
  // A broker process of its own: client and server ends of 10,000 sockets do not fit one process's fd limit.
  const child = await spawnBroker(
    testBrokerConfig(cp, "idle-holder", { maxConnections: IDLE_CONNECTIONS + 100 }),
  );
  const idle: Socket[] = [];
  try {
    const port = Number(child.bootstrap.split(":")[1]);
    await eventually(() => /admin on port \d+/.test(child.stderr()), 5_000, "the admin port line");
    const adminPort = Number(/admin on port (\d+)/.exec(child.stderr())?.[1]);
    for (let i = 0; i < IDLE_CONNECTIONS; i += 200) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(200, IDLE_CONNECTIONS - i) }, () => connectTo(port)),
      );
      for (const s of batch) s.on("error", () => {});
      idle.push(...batch);
    }
    let open = 0;
    await eventually(
      async () => {
        const text = await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text();
        open = Number(/^cirrus_broker_connections\{[^}]*\} (\d+)$/m.exec(text)?.[1]);
        return open >= IDLE_CONNECTIONS;
      },
      30_000,
      "the connections gauge to count every idle connection",
    );
    assert.ok(open >= IDLE_CONNECTIONS);
    const wire = await KafkaWire.connect(port);
    try {
      const started = performance.now();
      const answer = await wire.request(
        18,
        3,
        { clientSoftwareName: "probe", clientSoftwareVersion: "1" },
        5_000,
      );
      assert.equal(answer.errorCode, 0);
      assert.ok(performance.now() - started < 500, "served promptly next to the idle connections");
    } finally {
      wire.close();
    }
    assert.ok(
      idle.every((s) => !s.destroyed),
      "no idle connection was dropped",
    );
  } finally {
    for (const s of idle) s.destroy();
    child.child.kill("SIGKILL");
    await child.exited;
  }
});
