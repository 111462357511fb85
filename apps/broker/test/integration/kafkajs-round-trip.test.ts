import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { Kafka, logLevel } from "kafkajs";
import { type BrokerHandle, startBroker } from "../../src/index.ts";
import { startControlPlane, type TestControlPlane } from "../helpers/control-plane.ts";

let cp: TestControlPlane;
let broker: BrokerHandle;

before(async () => {
  cp = await startControlPlane();
  broker = await startBroker(
    {
      instanceId: "broker-a",
      kafkaHost: "127.0.0.1",
      kafkaPort: 0,
      adminHost: "127.0.0.1",
      adminPort: 0,
      controlPlaneUrl: cp.baseUrl,
      brokerToken: cp.brokerToken,
      dataDir: join(cp.dataDir, "broker-a"),
      objectStore: `file://${join(cp.dataDir, "objects")}`,
      walCapacityBytes: 64 * 1024 * 1024,
    },
    { log: () => {} },
  );
});

after(async () => {
  await broker?.close();
  await cp?.close();
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
