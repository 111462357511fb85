// Real consumers against fetch sessions: @platformatic/kafka opens a session (epoch 0) and then fetches
// incrementally; kafkajs 2.2.4 and kcat (librdkafka 2.0.2) send sessionId 0 / epoch -1 (no session). Each
// must read every record exactly once and in offset order, and the broker's session counters must show
// which of them used a session.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ErrorCode, encodeRecordBatch } from "@cirrus/kafka-protocol";
import { Consumer, stringDeserializers } from "@platformatic/kafka";
import { Kafka, logLevel } from "kafkajs";
import type { BrokerHandle } from "../../src/index.ts";
import { eventually, startTestBroker } from "../helpers/broker-fixture.ts";
import { startControlPlane, type TestControlPlane } from "../helpers/control-plane.ts";
import { KafkaWire } from "../helpers/kafka-wire.ts";
import { runKcat } from "../helpers/kcat.ts";

const topic = "fc";
const partitions = 4;
const perBatch = 50;

let cp: TestControlPlane;
let broker: BrokerHandle;
let wire: KafkaWire;
let produced = 0;

before(async () => {
  cp = await startControlPlane();
  broker = await startTestBroker(cp, "fetch-clients");
  await broker.services.controlPlane.createTopic({ name: topic, partitions });
  await eventually(
    () => broker.services.partitions.byName(topic, partitions - 1) !== undefined,
    10_000,
    "fc",
  );
  wire = await KafkaWire.connect(broker.kafkaPort);
  await produceRecords(2_000);
});

after(async () => {
  wire?.close();
  await broker?.close();
  await cp?.close();
});

/** Appends `count` records "v<n>" round-robin over the partitions, in batches of `perBatch`. */
async function produceRecords(count: number): Promise<void> {
  for (let done = 0; done < count; done += perBatch) {
    const partition = (produced / perBatch) % partitions;
    const records = Array.from({ length: perBatch }, (_, i) => ({ value: `v${produced + i}` }));
    const response = await wire.request(0, 9, {
      acks: -1,
      timeoutMs: 5_000,
      topicData: [
        { name: topic, partitionData: [{ index: partition, records: encodeRecordBatch({ records }) }] },
      ],
    });
    assert.equal(response.responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.NONE);
    produced += perBatch;
  }
}

interface Seen {
  partition: number;
  offset: number;
  value: string;
}

/** Every produced value exactly once, and per partition the offsets 0..n-1 in order. */
function assertEverything(seen: readonly Seen[], total: number): void {
  assert.equal(seen.length, total);
  assert.equal(new Set(seen.map((s) => s.value)).size, total);
  for (let p = 0; p < partitions; p++) {
    const offsets = seen.filter((s) => s.partition === p).map((s) => s.offset);
    assert.deepEqual(
      offsets,
      offsets.map((_, i) => i),
      `partition ${p}`,
    );
  }
}

function sessionStats() {
  return broker.services.fetchSessions.stats();
}

test("@platformatic/kafka fetches in a session (incremental) and reads everything, also what arrives later", {
  timeout: 90_000,
}, async () => {
  const before = sessionStats();
  const consumer = new Consumer({
    bootstrapBrokers: [broker.bootstrap],
    clientId: "fc-plat",
    groupId: "fc-plat",
    deserializers: stringDeserializers,
    maxWaitTime: 500,
    retries: 10,
    retryDelay: 200,
  });
  const seen: Seen[] = [];
  try {
    const stream = await consumer.consume({ topics: [topic], mode: "earliest" });
    let target = produced;
    let reached: () => void = () => {};
    stream.on("data", (m) => {
      seen.push({ partition: m.partition, offset: Number(m.offset), value: m.value });
      if (seen.length === target) reached();
    });
    const waitFor = (n: number) =>
      new Promise<void>((resolve, reject) => {
        target = n;
        if (seen.length >= n) return resolve();
        const timer = setTimeout(() => reject(new Error(`only ${seen.length} of ${n} records`)), 40_000);
        reached = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    await waitFor(produced);
    await produceRecords(1_000); // arrives while the consumer long-polls in its session
    await waitFor(produced);
    await stream.close();
  } finally {
    await consumer.close(true);
  }
  assertEverything(seen, produced);
  const after = sessionStats();
  assert.ok(after.created > before.created, "platformatic opened a fetch session");
  assert.ok(after.incrementalFetches > before.incrementalFetches + 2, "and fetched incrementally in it");
});

test("kafkajs reads everything without a session (sessionId 0, epoch -1)", { timeout: 90_000 }, async () => {
  const before = sessionStats();
  const kafka = new Kafka({ clientId: "fc-js", brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: "fc-js", maxWaitTimeInMs: 500 });
  const seen: Seen[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${seen.length} records`)), 60_000);
      consumer
        .run({
          eachMessage: async ({ partition, message }) => {
            seen.push({ partition, offset: Number(message.offset), value: message.value!.toString() });
            if (seen.length === produced) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  assertEverything(seen, produced);
  assert.equal(sessionStats().created, before.created, "kafkajs opened no fetch session");
});

test("kcat (librdkafka) reads everything without a session", { timeout: 60_000 }, async () => {
  const before = sessionStats();
  const run = await runKcat(
    broker.bootstrap,
    ["-C", "-t", topic, "-o", "beginning", "-e", "-q", "-f", "%p %o %s\\n"],
    { timeoutMs: 45_000 },
  );
  assert.equal(run.code, 0, `kcat failed:\n${run.stderr}`);
  const out = run.stdout;
  const seen = out
    .trim()
    .split("\n")
    .map((line) => {
      const [partition, offset, value] = line.split(" ");
      return { partition: Number(partition), offset: Number(offset), value: value! };
    });
  assertEverything(seen, produced);
  assert.equal(sessionStats().created, before.created, "librdkafka opened no fetch session");
});
