// A consumer group of three kafkajs members against a real broker (real control plane in process, real
// storage): an idempotent producer writes keyed records to 12 partitions, the group reads each exactly
// once and in order, commits, the broker restarts (its coordinator replays the offsets log from the
// stream), and a member of the same group resumes exactly after the committed offsets.
import assert from "node:assert/strict";
import { test } from "node:test";
import { type Consumer, Kafka, logLevel } from "kafkajs";
import type { BrokerHandle } from "../../src/index.ts";
import {
  assertExactlyOnceInOrder,
  awaitRecords,
  generationTracker,
  letStaleFetchesLapse,
  MORE,
  PARTITIONS,
  RECORDS,
  type Received,
  recordAt,
  useGroupFixture,
} from "./group-consumers-kit.ts";

const TOPIC = "group-orders";
const GROUP = "kafkajs-group-of-three";

const fixture = useGroupFixture("broker-groups-kafkajs");

function kafkaFor(b: BrokerHandle): Kafka {
  return new Kafka({ clientId: "groups-test", brokers: [b.bootstrap], logLevel: logLevel.NOTHING });
}

/** Starts `count` members and resolves once one generation assigned every partition among all of them. */
async function startMembers(kafka: Kafka, count: number, received: Received[]): Promise<Consumer[]> {
  const consumers = Array.from({ length: count }, () =>
    kafka.consumer({ groupId: GROUP, sessionTimeout: 10_000, heartbeatInterval: 500, maxWaitTimeInMs: 300 }),
  );
  const generations = generationTracker(count);
  consumers.forEach((consumer, member) => {
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      const partitions = Object.values(event.payload.memberAssignment).reduce((n, p) => n + p.length, 0);
      const generation = (event.payload as { generationId?: number }).generationId ?? 0;
      generations.joined(member, generation, partitions);
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
  await generations.settled;
  await letStaleFetchesLapse();
  return consumers;
}

async function produce(kafka: Kafka, from: number, to: number): Promise<void> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  for (let i = from; i < to; i += 500) {
    const messages = Array.from({ length: Math.min(to, i + 500) - i }, (_, j) => recordAt(i + j));
    await producer.send({ topic: TOPIC, acks: -1, messages });
  }
  await producer.disconnect();
}

test("three kafkajs members share 12 partitions exactly once and resume after a broker restart", {
  timeout: 150_000,
}, async () => {
  const kafka = kafkaFor(fixture.broker());
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS }], waitForLeaders: true });
  await admin.disconnect();

  const received: Received[] = [];
  const members = await startMembers(kafka, 3, received);
  await produce(kafka, 0, RECORDS);
  await awaitRecords(received, RECORDS, "records");
  assertExactlyOnceInOrder(received, 0, RECORDS, 3);
  // Disconnecting commits the consumed offsets and leaves the group.
  for (const member of members) await member.disconnect();

  const afterRestart = kafkaFor(await fixture.restart());
  await produce(afterRestart, RECORDS, RECORDS + MORE);
  const resumed: Received[] = [];
  const [member] = await startMembers(afterRestart, 1, resumed);
  await awaitRecords(resumed, MORE, "new records");
  assertExactlyOnceInOrder(resumed, RECORDS, RECORDS + MORE, 1);
  assert.ok(
    resumed.every((r) => r.offset > 0),
    "resumed after the committed offsets, not from the start",
  );
  await member!.disconnect();
});
