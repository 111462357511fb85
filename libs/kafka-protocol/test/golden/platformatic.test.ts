import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Admin, Consumer, Producer, stringDeserializers, stringSerializers } from "@platformatic/kafka";
import { CaptureServer } from "../support/capture-server.ts";
import {
  assertCapturedWalk,
  assertStoredRecords,
  GOLDEN_ACL,
  recordCapturedWalk,
  WALK_APIS,
} from "../support/golden.ts";

// @platformatic/kafka 2.x against the capture server: admin, idempotent and transactional
// producers and a group consumer. It speaks the newest versions (flexible, tagged fields, topic ids).

describe("golden bytes: @platformatic/kafka", { timeout: 60_000 }, () => {
  const server = new CaptureServer();
  before(() => server.start());
  after(() => server.stop());

  it("walks admin, produce and group-consume sequences with byte-identical re-encoding", async () => {
    const bootstrapBrokers = [`${server.host}:${server.port}`];
    const admin = new Admin({ clientId: "golden-platformatic", bootstrapBrokers });
    await admin.createTopics({ topics: ["golden"], partitions: 1, replicas: 1 });
    await admin.listTopics();
    await admin.describeConfigs({ resources: [{ resourceType: 2, resourceName: "golden" }] });
    await admin.listGroups();
    await admin.describeGroups({ groups: ["g1"] });
    await admin.createPartitions({ topics: [{ name: "golden", count: 2 }] });
    await admin.deleteTopics({ topics: ["gone"] });
    await admin.alterConfigs({
      resources: [
        { resourceType: 2, resourceName: "golden", configs: [{ name: "retention.ms", value: "1000" }] },
      ],
    });
    await admin.incrementalAlterConfigs({
      resources: [
        {
          resourceType: 2,
          resourceName: "golden",
          configs: [{ name: "retention.ms", configOperation: 0, value: "2000" }],
        },
      ],
    });
    await admin.listConsumerGroupOffsets({ groups: ["golden-group"] });
    await admin.alterConsumerGroupOffsets({
      groupId: "admin-group",
      topics: [{ name: "golden", partitionOffsets: [{ partition: 0, offset: 0n }] }],
    });
    await admin.deleteConsumerGroupOffsets({
      groupId: "admin-group",
      topics: [{ name: "golden", partitionIndexes: [0] }],
    });
    await admin.deleteGroups({ groups: ["old-group"] });
    const acl = GOLDEN_ACL;
    await admin.createAcls({ creations: [acl] });
    await admin.describeAcls({ filter: acl });
    await admin.deleteAcls({ filters: [acl] });
    await admin.describeClientQuotas({ components: [{ entityType: "user", matchType: 0, match: "alice" }] });
    await admin.close();

    const producer = new Producer({
      clientId: "golden-platformatic",
      bootstrapBrokers,
      serializers: stringSerializers,
      idempotent: true,
    });
    await producer.send({ messages: [{ topic: "golden", key: "k", value: "hello", headers: { h: "v" } }] });
    await producer.close();

    const txProducer = new Producer({
      clientId: "golden-platformatic",
      bootstrapBrokers,
      serializers: stringSerializers,
      idempotent: true,
      transactionalId: "golden-tx",
    });
    const tx = await txProducer.beginTransaction();
    await tx.send({ messages: [{ topic: "golden", value: "hello" }] });
    await tx.commit();
    await txProducer.close();

    const consumer = new Consumer({
      clientId: "golden-platformatic",
      groupId: "golden-group",
      bootstrapBrokers,
      deserializers: stringDeserializers,
      heartbeatInterval: 100,
    });
    const stream = await consumer.consume({ topics: ["golden"], mode: "earliest", autocommit: true });
    let got = "";
    for await (const message of stream) {
      got = String(message.value);
      await message.commit();
      break;
    }
    await stream.close();
    await consumer.close();
    assert.equal(got, "hello");

    assertCapturedWalk("platformatic", server, [
      ...WALK_APIS,
      "CreateTopics",
      "DescribeConfigs",
      "ListGroups",
      "DescribeGroups",
      "CreateAcls",
      "DescribeAcls",
      "DeleteAcls",
      "DescribeClientQuotas",
    ]);
    assertStoredRecords(server.logs.values(), /^hello$/);
    recordCapturedWalk("platformatic", server.frames);
  });
});
