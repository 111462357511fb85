// Topic retention against a real cluster (one broker process checking retention every 300 ms), through
// kafkajs 2.2.4: a topic created with retention.ms=60000 loses the records stamped an hour ago (its earliest
// offset moves past them) while the fresh ones stay; a consumer from the beginning reads only those; a topic
// with retention.ms=-1 keeps everything.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Kafka, logLevel } from "kafkajs";
import { bootstrapOf } from "../harness/clients/cluster-topics.ts";
import { waitFor } from "../harness/clients/workload.ts";
import { type StartedCluster, startCluster } from "../harness/cluster.ts";

let cluster: StartedCluster;
let kafka: Kafka;
const closers: (() => Promise<void>)[] = [];

describe("retention.ms with kafkajs against a running cluster", { timeout: 180_000 }, () => {
  before(async () => {
    cluster = await startCluster({ brokers: 1, env: { CIRRUS_LOG_RETENTION_CHECK_INTERVAL_MS: "300" } });
    kafka = new Kafka({
      clientId: "cirrus-e2e-retention",
      brokers: bootstrapOf(cluster).split(","),
      logLevel: logLevel.NOTHING,
    });
  });

  after(async () => {
    for (const close of closers.reverse()) await close().catch(() => {});
    const { orphans } = await cluster.stop();
    assert.equal(orphans, 0);
  });

  test("records older than retention.ms are gone after a check; fresh ones and retention.ms=-1 stay", async () => {
    const admin = kafka.admin();
    await admin.connect();
    closers.push(() => admin.disconnect());
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        { topic: "short-lived", numPartitions: 1, configEntries: [{ name: "retention.ms", value: "60000" }] },
        { topic: "kept", numPartitions: 1, configEntries: [{ name: "retention.ms", value: "-1" }] },
      ],
    });
    const producer = kafka.producer();
    await producer.connect();
    closers.push(() => producer.disconnect());
    const hourAgo = String(Date.now() - 3_600_000);
    for (const topic of ["short-lived", "kept"]) {
      await producer.send({
        topic,
        acks: -1,
        messages: [0, 1, 2].map((i) => ({ value: `old-${i}`, timestamp: hourAgo })),
      });
      await producer.send({ topic, acks: -1, messages: [{ value: "fresh" }] });
    }

    let low = "";
    const lowOf = async (topic: string) => (await admin.fetchTopicOffsets(topic))[0]!.low;
    const deadline = Date.now() + 30_000;
    while (low !== "3" && Date.now() < deadline) {
      low = await lowOf("short-lived");
      if (low !== "3") await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(low, "3", "the earliest offset moved past the records stamped an hour ago");

    const read = async (topic: string, expected: number) => {
      const values: string[] = [];
      const consumer = kafka.consumer({ groupId: `reader-${topic}`, maxWaitTimeInMs: 200 });
      await consumer.connect();
      closers.push(() => consumer.disconnect());
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({ eachMessage: async ({ message }) => void values.push(message.value!.toString()) });
      await waitFor(() => values.length >= expected, 30_000, `${expected} records of ${topic}`);
      await consumer.stop();
      return values;
    };
    assert.deepEqual(await read("short-lived", 1), ["fresh"]);
    assert.equal(await lowOf("kept"), "0");
    assert.deepEqual(await read("kept", 4), ["old-0", "old-1", "old-2", "fresh"]);
  });
});
