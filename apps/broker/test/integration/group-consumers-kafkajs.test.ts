// A consumer group of three kafkajs members against a real broker (real control plane in process, real
// storage): an idempotent producer writes keyed records to 12 partitions, the group reads each exactly
// once and in order, commits, the broker restarts (its coordinator replays the offsets log from the
// stream), and a member of the same group resumes exactly after the committed offsets.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { type Consumer, Kafka, logLevel } from "kafkajs";
import { type BrokerConfig, type BrokerHandle, startBroker } from "../../src/index.ts";
import { startControlPlane, type TestControlPlane } from "../helpers/control-plane.ts";

const TOPIC = "group-orders";
const PARTITIONS = 12;
const RECORDS = 6_000;
const GROUP = "group-of-three";

let cp: TestControlPlane;
let broker: BrokerHandle;
let config: Partial<BrokerConfig>;

before(async () => {
  cp = await startControlPlane();
  config = {
    instanceId: "broker-groups",
    kafkaHost: "127.0.0.1",
    kafkaPort: 0,
    adminHost: "127.0.0.1",
    adminPort: 0,
    controlPlaneUrl: cp.baseUrl,
    brokerToken: cp.brokerToken,
    dataDir: join(cp.dataDir, "broker-groups"),
    objectStore: `file://${join(cp.dataDir, "objects")}`,
    walCapacityBytes: 64 * 1024 * 1024,
  };
  broker = await startBroker(config, { log: () => {} });
});

after(async () => {
  await broker?.close();
  await cp?.close();
});

interface Received {
  member: number;
  partition: number;
  offset: number;
  key: string;
  value: number;
}

function kafkaFor(b: BrokerHandle): Kafka {
  return new Kafka({ clientId: "groups-test", brokers: [b.bootstrap], logLevel: logLevel.NOTHING });
}

/** Starts `count` members and resolves once one generation assigned every partition among all of them. */
async function startMembers(kafka: Kafka, count: number, received: Received[]): Promise<Consumer[]> {
  const consumers = Array.from({ length: count }, () =>
    kafka.consumer({ groupId: GROUP, sessionTimeout: 10_000, heartbeatInterval: 500 }),
  );
  const assigned = new Map<number, { generation: number; partitions: number }>();
  const settled = new Promise<void>((resolve) => {
    consumers.forEach((consumer, member) => {
      consumer.on(consumer.events.GROUP_JOIN, (event) => {
        const partitions = Object.values(event.payload.memberAssignment).reduce((n, p) => n + p.length, 0);
        assigned.set(member, {
          generation: (event.payload as { generationId?: number }).generationId ?? 0,
          partitions,
        });
        const all = [...assigned.values()];
        const sameGeneration = new Set(all.map((a) => a.generation)).size === 1;
        const total = all.reduce((n, a) => n + a.partitions, 0);
        if (all.length === count && sameGeneration && total === PARTITIONS) resolve();
      });
    });
  });
  for (const [member, consumer] of consumers.entries()) {
    await consumer.connect();
    await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        received.push({
          member,
          partition,
          offset: Number(message.offset),
          key: message.key!.toString(),
          value: Number(message.value!.toString()),
        });
      },
    });
  }
  await settled;
  return consumers;
}

async function waitFor(condition: () => boolean, what: string, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function produce(kafka: Kafka, from: number, to: number): Promise<void> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  for (let i = from; i < to; i += 500) {
    const messages = [];
    for (let j = i; j < Math.min(to, i + 500); j++) messages.push({ key: `key-${j % 97}`, value: String(j) });
    await producer.send({ topic: TOPIC, acks: -1, messages });
  }
  await producer.disconnect();
}

test("three kafkajs members share 12 partitions exactly once and resume after a broker restart", {
  timeout: 150_000,
}, async () => {
  const kafka = kafkaFor(broker);
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS }], waitForLeaders: true });
  await admin.disconnect();

  const received: Received[] = [];
  const members = await startMembers(kafka, 3, received);
  await produce(kafka, 0, RECORDS);
  await waitFor(() => received.length >= RECORDS, `${RECORDS} records (have ${received.length})`, 60_000);
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(received.length, RECORDS, "no record twice");
  assert.deepEqual(new Set(received.map((r) => r.value)).size, RECORDS, "every record once");
  assert.equal(new Set(received.map((r) => r.member)).size, 3, "all three members consumed");
  for (let p = 0; p < PARTITIONS; p++) {
    const inPartition = received.filter((r) => r.partition === p);
    assert.deepEqual(
      inPartition.map((r) => r.offset),
      inPartition.map((_, i) => i),
      `partition ${p} in order`,
    );
    assert.equal(new Set(inPartition.map((r) => r.member)).size, 1, `partition ${p} read by one member`);
  }
  for (let k = 0; k < 97; k++) {
    const values = received.filter((r) => r.key === `key-${k}`).map((r) => r.value);
    assert.deepEqual(
      values,
      [...values].sort((a, b) => a - b),
      `key-${k} in send order`,
    );
  }
  // Disconnecting commits the consumed offsets and leaves the group.
  for (const member of members) await member.disconnect();

  await broker.close();
  broker = await startBroker(config, { log: () => {} });
  const afterRestart = kafkaFor(broker);
  await produce(afterRestart, RECORDS, RECORDS + 1_200);
  const resumed: Received[] = [];
  const [member] = await startMembers(afterRestart, 1, resumed);
  await waitFor(() => resumed.length >= 1_200, `1200 new records (have ${resumed.length})`, 60_000);
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(resumed.length, 1_200, "nothing consumed before the restart is read again");
  assert.deepEqual(
    resumed.map((r) => r.value).sort((a, b) => a - b),
    Array.from({ length: 1_200 }, (_, i) => RECORDS + i),
  );
  await member!.disconnect();
});
