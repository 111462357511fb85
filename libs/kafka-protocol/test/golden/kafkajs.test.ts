import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Kafka, logLevel } from "kafkajs";
import { CaptureServer } from "../support/capture-server.ts";
import {
  assertCapturedWalk,
  assertStoredRecords,
  GOLDEN_ACL,
  recordCapturedWalk,
  WALK_APIS,
} from "../support/golden.ts";

// kafkajs 2.2.4 against the capture server: admin, producer, transactional producer and
// a group consumer. Every
// request frame it sends must decode and re-encode to the same bytes.
//
// The `TimeoutNegativeWarning: -17965… is a negative number` this suite prints on Node 24 is kafkajs's own:
// RequestQueue.scheduleCheckPendingRequests computes `throttledUntil - Date.now()` with throttledUntil = -1
// when nothing is throttled (tulios/kafkajs#1751, fixes proposed in #1755 and #1768, unreleased). No clock of
// ours is involved; Node clamps the delay to 1 ms.

describe("golden bytes: kafkajs 2.2.4", { timeout: 60_000 }, () => {
  const server = new CaptureServer();
  before(() => server.start());
  after(() => server.stop());

  it("walks admin, produce and group-consume sequences with byte-identical re-encoding", async () => {
    const kafka = new Kafka({
      clientId: "golden-kafkajs",
      brokers: [`${server.host}:${server.port}`],
      logLevel: logLevel.NOTHING,
      retry: { retries: 2, initialRetryTime: 50 },
    });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: "golden", numPartitions: 1 }] });
    await admin.fetchTopicMetadata({ topics: ["golden"] });
    await admin.describeConfigs({ resources: [{ type: 2, name: "golden" }], includeSynonyms: false });
    await admin.listGroups();
    await admin.describeGroups(["g1"]);
    await admin.createPartitions({ topicPartitions: [{ topic: "golden", count: 2 }] });
    await admin.deleteTopics({ topics: ["gone"] });
    await admin.alterConfigs({
      validateOnly: false,
      resources: [{ type: 2, name: "golden", configEntries: [{ name: "retention.ms", value: "1000" }] }],
    });
    await admin.fetchOffsets({ groupId: "golden-group", topics: ["golden"] });
    await admin.deleteTopicRecords({ topic: "golden", partitions: [{ partition: 0, offset: "0" }] });
    await admin.deleteGroups(["old-group"]);
    const acl = GOLDEN_ACL;
    await admin.createAcls({ acl: [acl] });
    await admin.describeAcls(acl);
    await admin.deleteAcls({ filters: [acl] });
    await admin.disconnect();

    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    await producer.send({
      topic: "golden",
      messages: [{ key: "k", value: "hello", headers: { h: "v" } }],
    });
    await producer.disconnect();

    const txProducer = kafka.producer({
      transactionalId: "golden-tx",
      maxInFlightRequests: 1,
      idempotent: true,
    });
    await txProducer.connect();
    const tx = await txProducer.transaction();
    await tx.send({ topic: "golden", messages: [{ value: "hello" }] });
    await tx.sendOffsets({
      consumerGroupId: "golden-group",
      topics: [{ topic: "golden", partitions: [{ partition: 0, offset: "0" }] }],
    });
    await tx.commit();
    await txProducer.disconnect();

    const consumer = kafka.consumer({ groupId: "golden-group", heartbeatInterval: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic: "golden", fromBeginning: true });
    const got = await new Promise<string>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => resolve(String(message.value)),
      });
    });
    await consumer.disconnect();
    assert.equal(got, "hello");

    assertCapturedWalk("kafkajs", server, [
      ...WALK_APIS,
      "CreateTopics",
      "OffsetFetch",
      "LeaveGroup",
      "DescribeConfigs",
      "AlterConfigs",
      "AddPartitionsToTxn",
      "AddOffsetsToTxn",
      "TxnOffsetCommit",
      "EndTxn",
      "DeleteGroups",
      "DeleteRecords",
      "CreateAcls",
      "DescribeAcls",
      "DeleteAcls",
    ]);
    assertStoredRecords(server.logs.values(), /^hello$/);
    recordCapturedWalk("kafkajs", server.frames);
  });
});
