// The consumer-group scenario of group-consumers-kafkajs.test.ts with @platformatic/kafka 2.x: an
// idempotent producer, three members sharing 12 partitions exactly once and in order, offsets committed,
// a broker restart, and a member of the same group resuming after the committed offsets.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  Admin,
  Consumer,
  type MessagesStream,
  Producer,
  stringDeserializers,
  stringSerializers,
} from "@platformatic/kafka";
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

const TOPIC = "group-payments";
const GROUP = "platformatic-group-of-three";

const fixture = useGroupFixture("broker-groups-platformatic");

const bootstrap = (b: BrokerHandle) => [b.bootstrap];

interface Member {
  consumer: Consumer<string, string, string, string>;
  stream: MessagesStream<string, string, string, string>;
  closing: boolean;
}

/**
 * Errors the members raised while they were open: the test fails on any. A closed member's client may go on
 * retrying a rejoin or a fetch it had started (against a broker the test has restarted meanwhile) and emit
 * an error for it later; that is the client's noise after close, not a failure of the group.
 */
const openMemberErrors: unknown[] = [];

/** Starts `count` members and resolves once one generation assigned every partition among all of them. */
async function startMembers(b: BrokerHandle, count: number, received: Received[]): Promise<Member[]> {
  const generations = generationTracker(count);
  const members: Member[] = [];
  for (let member = 0; member < count; member++) {
    const consumer = new Consumer({
      groupId: GROUP,
      clientId: `member-${member}`,
      bootstrapBrokers: bootstrap(b),
      deserializers: stringDeserializers,
      sessionTimeout: 10_000,
      heartbeatInterval: 500,
      // A fetch long-polling since an earlier generation still delivers the partitions of that generation
      // when data arrives (client behaviour, as against Kafka): keep long polls short and let them lapse
      // after the group settled (below) so no stale fetch sees the records.
      maxWaitTime: 300,
    });
    consumer.on(
      "consumer:group:join",
      (event: { generationId: number; assignments: { partitions: number[] }[] }) => {
        const partitions = event.assignments.reduce((n, a) => n + a.partitions.length, 0);
        generations.joined(member, event.generationId, partitions);
      },
    );
    const stream = await consumer.consume({
      topics: [TOPIC],
      mode: "committed",
      fallbackMode: "earliest",
      autocommit: 200,
    });
    const m: Member = { consumer, stream, closing: false };
    const onError = (error: unknown) => {
      if (!m.closing) openMemberErrors.push(error);
    };
    consumer.on("error", onError);
    stream.on("error", onError);
    stream.on("data", (message) => {
      received.push({
        member,
        partition: message.partition,
        offset: Number(message.offset),
        key: message.key,
        value: Number(message.value),
      });
    });
    members.push(m);
  }
  await generations.settled;
  await letStaleFetchesLapse();
  return members;
}

async function stopMembers(members: Member[]): Promise<void> {
  // Let the last autocommit land, then close (which commits what is still queued and leaves the group).
  await new Promise((r) => setTimeout(r, 400));
  for (const m of members) m.closing = true;
  for (const m of members) {
    await m.stream.close();
    await m.consumer.close();
  }
}

async function produce(b: BrokerHandle, from: number, to: number): Promise<void> {
  const producer = new Producer({
    clientId: "groups-producer",
    bootstrapBrokers: bootstrap(b),
    serializers: stringSerializers,
    idempotent: true,
  });
  for (let i = from; i < to; i += 500) {
    const messages = Array.from({ length: Math.min(to, i + 500) - i }, (_, j) => ({
      topic: TOPIC,
      ...recordAt(i + j),
    }));
    await producer.send({ messages, acks: -1 });
  }
  await producer.close();
}

test("three @platformatic/kafka members share 12 partitions exactly once and resume after a restart", {
  timeout: 150_000,
}, async () => {
  const admin = new Admin({ clientId: "groups-admin", bootstrapBrokers: bootstrap(fixture.broker()) });
  await admin.createTopics({ topics: [TOPIC], partitions: PARTITIONS, replicas: 1 });
  await admin.close();

  const received: Received[] = [];
  const members = await startMembers(fixture.broker(), 3, received);
  await produce(fixture.broker(), 0, RECORDS);
  await awaitRecords(received, RECORDS, "records");
  await stopMembers(members);
  assertExactlyOnceInOrder(received, 0, RECORDS, 3);

  const restarted = await fixture.restart();
  await produce(restarted, RECORDS, RECORDS + MORE);
  const resumed: Received[] = [];
  const again = await startMembers(restarted, 1, resumed);
  await awaitRecords(resumed, MORE, "new records");
  assertExactlyOnceInOrder(resumed, RECORDS, RECORDS + MORE, 1);
  assert.ok(
    resumed.every((r) => r.offset > 0),
    "resumed after the committed offsets, not from the start",
  );
  await stopMembers(again);
  assert.deepEqual(openMemberErrors, [], "no member failed while it was open");
});
