// Round trips with real clients on one broker: kafkajs (admin, producer, consumer group), kcat (librdkafka,
// idempotent) and @platformatic/kafka (idempotent producer, consumer group).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { Consumer, Producer, stringDeserializers, stringSerializers } from "@platformatic/kafka";
import { Kafka, logLevel } from "kafkajs";
import type { BrokerHandle } from "../../src/index.ts";
import { eventually, startTestBroker } from "../helpers/broker-fixture.ts";
import { startControlPlane, type TestControlPlane } from "../helpers/control-plane.ts";
import { type KcatResult, runKcat } from "../helpers/kcat.ts";

let cp: TestControlPlane;
let broker: BrokerHandle;

before(async () => {
  cp = await startControlPlane();
  broker = await startTestBroker(cp, "clients");
});

after(async () => {
  await broker?.close();
  await cp?.close();
});

function kcat(args: string[], input?: string, timeoutMs = 30_000): Promise<KcatResult> {
  return runKcat(broker.bootstrap, args, { ...(input === undefined ? {} : { input }), timeoutMs });
}

async function createTopic(name: string, partitions: number): Promise<void> {
  await broker.services.controlPlane.createTopic({ name, partitions });
  await eventually(
    () => broker.services.partitions.byName(name, partitions - 1) !== undefined,
    10_000,
    `${name} opened`,
  );
}

test("kcat produces idempotently with acks=all and consumes every record back in order", {
  timeout: 60_000,
}, async () => {
  await createTopic("kcat", 3);
  const lines = Array.from({ length: 1_000 }, (_, i) => `k${i % 10}:v${i}`);
  const produced = await kcat(
    ["-P", "-t", "kcat", "-K", ":", "-X", "acks=all", "-X", "enable.idempotence=true", "-X", "linger.ms=5"],
    `${lines.join("\n")}\n`,
  );
  assert.equal(produced.code, 0, produced.stderr);
  const consumed = await kcat(["-C", "-t", "kcat", "-o", "beginning", "-e", "-q", "-f", "%p %o %k %s\\n"]);
  assert.equal(consumed.code, 0, consumed.stderr);
  const rows = consumed.stdout
    .trim()
    .split("\n")
    .map((l) => l.split(" "));
  assert.equal(rows.length, lines.length);
  for (let p = 0; p < 3; p++) {
    const offsets = rows.filter((r) => r[0] === String(p)).map((r) => Number(r[1]));
    assert.deepEqual(
      offsets,
      offsets.map((_, i) => i),
      `partition ${p}: offsets 0..n-1, no duplicates`,
    );
  }
  for (let k = 0; k < 10; k++) {
    const values = rows.filter((r) => r[2] === `k${k}`).map((r) => Number(r[3]!.slice(1)));
    assert.deepEqual(
      values,
      values.slice().sort((a, b) => a - b),
      `key k${k} in order`,
    );
  }
  const list = await kcat(["-L", "-J"]);
  const md = JSON.parse(list.stdout) as { brokers: { id: number }[]; topics: { topic: string }[] };
  assert.deepEqual(
    md.brokers.map((b) => b.id),
    [broker.brokerId()],
  );
  assert.ok(md.topics.some((t) => t.topic === "kcat"));
});

test("@platformatic/kafka produces idempotently and a consumer group reads everything", {
  timeout: 60_000,
}, async () => {
  await createTopic("plat", 4);
  const base = { bootstrapBrokers: [broker.bootstrap], retries: 10, retryDelay: 200 };
  const producer = new Producer({
    ...base,
    clientId: "p",
    serializers: stringSerializers,
    idempotent: true,
    acks: -1,
  });
  const sent = Array.from({ length: 2_000 }, (_, i) => ({
    topic: "plat",
    key: `k${i % 13}`,
    value: `v${i}`,
  }));
  try {
    for (let i = 0; i < sent.length; i += 500) await producer.send({ messages: sent.slice(i, i + 500) });
  } finally {
    await producer.close();
  }
  const consumer = new Consumer({
    ...base,
    clientId: "c",
    groupId: "plat-g",
    deserializers: stringDeserializers,
  });
  const seen: { partition: number; offset: bigint; value: string }[] = [];
  try {
    const stream = await consumer.consume({ topics: ["plat"], mode: "earliest" });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${seen.length} records`)), 40_000);
      stream.on("data", (m) => {
        seen.push({ partition: m.partition, offset: m.offset, value: m.value });
        if (seen.length === sent.length) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    await stream.close();
  } finally {
    await consumer.close(true);
  }
  assert.deepEqual(new Set(seen.map((s) => s.value)).size, sent.length);
  for (let p = 0; p < 4; p++) {
    const offsets = seen.filter((s) => s.partition === p).map((s) => Number(s.offset));
    assert.deepEqual(
      offsets,
      offsets.map((_, i) => i),
    );
  }
});

test("kafkajs creates a topic, produces and consumes it back in order", { timeout: 60_000 }, async () => {
  const kafka = new Kafka({ clientId: "t", brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: "orders", numPartitions: 3 }], waitForLeaders: true });
  await admin.disconnect();
  const producer = kafka.producer();
  await producer.connect();
  const sent = Array.from({ length: 300 }, (_, i) => ({ key: `k${i % 7}`, value: `v${i}` }));
  for (let i = 0; i < sent.length; i += 50) {
    await producer.send({ topic: "orders", acks: -1, messages: sent.slice(i, i + 50) });
  }
  await producer.disconnect();
  const consumer = kafka.consumer({ groupId: "g1" });
  await consumer.connect();
  await consumer.subscribe({ topic: "orders", fromBeginning: true });
  const received: { partition: number; offset: string; key: string; value: string }[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${received.length} records`)), 45_000);
    consumer
      .run({
        eachMessage: async ({ partition, message }) => {
          received.push({
            partition,
            offset: message.offset,
            key: message.key!.toString(),
            value: message.value!.toString(),
          });
          if (received.length === sent.length) {
            clearTimeout(timer);
            resolve();
          }
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  assert.equal(received.length, sent.length);
  assert.deepEqual(new Set(received.map((r) => r.value)), new Set(sent.map((s) => s.value)));
  // Per key (one partition each), values arrive in the order they were sent, with consecutive offsets.
  for (let p = 0; p < 3; p++) {
    const offsets = received.filter((r) => r.partition === p).map((r) => Number(r.offset));
    assert.deepEqual(
      offsets,
      offsets.map((_, i) => i),
      `partition ${p} offsets are 0..n-1`,
    );
  }
  for (let k = 0; k < 7; k++) {
    const values = received.filter((r) => r.key === `k${k}`).map((r) => Number(r.value.slice(1)));
    assert.deepEqual(
      values,
      values.slice().sort((a, b) => a - b),
    );
  }
});
