import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ApiKey, ErrorCode } from "@cirrus/kafka-protocol";
import { type HandlerBroker, startHandlerBroker } from "./group-handlers-kit.ts";

// biome-ignore lint/suspicious/noExplicitAny: decoded bodies are checked field by field
type Any = Record<string, any>;

const creatable = (name: string, numPartitions = 3, extra: object = {}) => ({
  name,
  numPartitions,
  replicationFactor: 3,
  assignments: [],
  configs: [],
  ...extra,
});

describe("admin handlers", () => {
  let broker: HandlerBroker;
  before(async () => {
    broker = await startHandlerBroker();
  });
  after(() => broker.close());

  it("CreateTopics validates like Kafka and forwards to the control plane", async () => {
    const r = await broker.call<Any>(ApiKey.CreateTopics, 7, {
      topics: [
        creatable("orders", 12, { configs: [{ name: "retention.ms", value: "1000" }] }),
        creatable("dup"),
        creatable("dup"),
        creatable("bad name!"),
        creatable(".."),
        creatable("zero", 0),
        creatable("rf0", 1, { replicationFactor: 0 }),
        creatable("conf", 1, { configs: [{ name: "no.such.config", value: "1" }] }),
        creatable("badval", 1, { configs: [{ name: "cleanup.policy", value: "shred" }] }),
        creatable("both", 2, { assignments: [{ partitionIndex: 0, brokerIds: [1] }] }),
        creatable("assigned", -1, {
          replicationFactor: -1,
          assignments: [
            { partitionIndex: 0, brokerIds: [1] },
            { partitionIndex: 1, brokerIds: [1] },
          ],
        }),
        creatable("stranger", -1, {
          replicationFactor: -1,
          assignments: [{ partitionIndex: 0, brokerIds: [1, 7] }],
        }),
        creatable("defaulted", -1, { replicationFactor: -1 }),
      ],
      timeoutMs: 1000,
      validateOnly: false,
    });
    const byName = r.topics.map((t: Any) => [t.name, t.errorCode]);
    assert.deepEqual(byName, [
      ["orders", 0],
      ["dup", ErrorCode.INVALID_REQUEST],
      ["dup", ErrorCode.INVALID_REQUEST],
      ["bad name!", ErrorCode.INVALID_TOPIC_EXCEPTION],
      ["..", ErrorCode.INVALID_TOPIC_EXCEPTION],
      ["zero", ErrorCode.INVALID_PARTITIONS],
      ["rf0", ErrorCode.INVALID_REPLICATION_FACTOR],
      ["conf", ErrorCode.INVALID_CONFIG],
      ["badval", ErrorCode.INVALID_CONFIG],
      ["both", ErrorCode.INVALID_REQUEST],
      ["assigned", 0],
      ["stranger", ErrorCode.INVALID_REPLICA_ASSIGNMENT],
      ["defaulted", 0],
    ]);
    assert.match(
      r.topics.find((t: Any) => t.name === "stranger").errorMessage,
      /Unknown broker\(s\) in replica assignment: 7\./,
    );
    assert.equal(r.topics[0].numPartitions, 12);
    assert.equal(r.topics[0].topicId, broker.admin.topics.get("orders")!.topicId.replaceAll("-", ""));
    assert.equal(broker.admin.topics.get("orders")?.configs["retention.ms"], "1000");
    assert.equal(broker.admin.topics.get("assigned")?.partitions.length, 2);
    assert.equal(broker.admin.topics.get("defaulted")?.partitions.length, 1, "num.partitions default");
    assert.match(r.topics[3].errorMessage, /characters/);

    const again = await broker.call<Any>(ApiKey.CreateTopics, 0, {
      topics: [creatable("orders")],
      timeoutMs: 1000,
    });
    assert.equal(again.topics[0].errorCode, ErrorCode.TOPIC_ALREADY_EXISTS);
    const dry = await broker.call<Any>(ApiKey.CreateTopics, 4, {
      topics: [creatable("dry")],
      timeoutMs: 1000,
      validateOnly: true,
    });
    assert.equal(dry.topics[0].errorCode, 0);
    assert.equal(broker.admin.topics.has("dry"), false, "validateOnly creates nothing");
  });

  it("CreatePartitions only grows existing topics, onto brokers that exist", async () => {
    await broker.admin.createTopic({ name: "stranger-growth", partitions: 1 });
    await broker.admin.createTopic({ name: "grow-ok", partitions: 1 });
    const r = await broker.call<Any>(ApiKey.CreatePartitions, 3, {
      topics: [
        { name: "orders", count: 16, assignments: null },
        { name: "orders-missing", count: 4, assignments: null },
        { name: "assigned", count: 1, assignments: null },
        { name: "defaulted", count: 3, assignments: [{ brokerIds: [1] }] },
        { name: "grow-ok", count: 2, assignments: [{ brokerIds: [1] }] },
        { name: "stranger-growth", count: 2, assignments: [{ brokerIds: [9, 1] }] },
      ],
      timeoutMs: 1000,
      validateOnly: false,
    });
    assert.deepEqual(
      r.results.map((t: Any) => t.errorCode),
      [
        0,
        ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
        ErrorCode.INVALID_PARTITIONS,
        ErrorCode.INVALID_REPLICA_ASSIGNMENT,
        0,
        ErrorCode.INVALID_REPLICA_ASSIGNMENT,
      ],
    );
    assert.match(r.results[5].errorMessage, /Unknown broker\(s\) in replica assignment: 9\./);
  });

  it("DeleteTopics by name (v0–5) and by id (v6); the offsets topic is protected", async () => {
    const id = broker.admin.topics.get("assigned")!.topicId.replaceAll("-", "");
    const v1 = await broker.call<Any>(ApiKey.DeleteTopics, 1, {
      topicNames: ["defaulted", "never"],
      timeoutMs: 1000,
    });
    assert.deepEqual(
      v1.responses.map((t: Any) => [t.name, t.errorCode]),
      [
        ["defaulted", 0],
        ["never", ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
      ],
    );
    await broker.call(ApiKey.FindCoordinator, 3, { key: "g", keyType: 0 });
    const v6 = await broker.call<Any>(ApiKey.DeleteTopics, 6, {
      topics: [
        { name: null, topicId: id },
        { name: null, topicId: "0000000000000000000000000000abcd" },
        { name: "__consumer_offsets", topicId: "00000000000000000000000000000000" },
      ],
      timeoutMs: 1000,
    });
    assert.deepEqual(
      v6.responses.map((t: Any) => [t.name, t.errorCode]),
      [
        ["assigned", 0],
        [null, ErrorCode.UNKNOWN_TOPIC_ID],
        ["__consumer_offsets", ErrorCode.INVALID_REQUEST],
      ],
    );
    assert.equal(broker.admin.topics.has("assigned"), false);
  });

  it("DescribeConfigs answers topic configs over defaults and this broker's settings", async () => {
    const r = await broker.call<Any>(ApiKey.DescribeConfigs, 4, {
      resources: [
        { resourceType: 2, resourceName: "orders", configurationKeys: ["retention.ms", "cleanup.policy"] },
        { resourceType: 2, resourceName: "nope", configurationKeys: null },
        { resourceType: 4, resourceName: "1", configurationKeys: ["offsets.topic.num.partitions"] },
        { resourceType: 4, resourceName: "7", configurationKeys: null },
        { resourceType: 8, resourceName: "1", configurationKeys: null },
      ],
      includeSynonyms: true,
      includeDocumentation: true,
    });
    assert.deepEqual(
      r.results.map((x: Any) => x.errorCode),
      [0, 3, 0, ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_REQUEST],
    );
    assert.deepEqual(
      r.results[0].configs.map((c: Any) => [c.name, c.value, c.configSource]),
      [
        ["cleanup.policy", "delete", 5],
        ["retention.ms", "1000", 1],
      ],
    );
    assert.equal(r.results[0].configs[0].synonyms.length, 1);
    assert.equal(r.results[2].configs[0].value, "1");
    const v0 = await broker.call<Any>(ApiKey.DescribeConfigs, 0, {
      resources: [{ resourceType: 2, resourceName: "orders", configurationKeys: null }],
    });
    const retention = v0.results[0].configs.find((c: Any) => c.name === "retention.ms");
    const policy = v0.results[0].configs.find((c: Any) => c.name === "cleanup.policy");
    assert.deepEqual([retention.isDefault, policy.isDefault], [false, true]);
  });
});
