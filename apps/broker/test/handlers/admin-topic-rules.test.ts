// Kafka's topic rules on the Kafka path (CreateTopics, DeleteTopics, CreatePartitions): the same rules, from
// @cirrus/broker-api's topic-rules, that the control plane enforces on its REST API (see
// apps/control-plane/test/v1/topic-rules.test.ts), answered with Kafka's error codes.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { INTERNAL_TOPICS } from "@cirrus/broker-api";
import { ApiKey, ErrorCode } from "@cirrus/kafka-protocol";
import { OFFSETS_TOPIC } from "../../src/groups/group-coordinator.ts";
import { type HandlerBroker, startHandlerBroker } from "./group-handlers-kit.ts";

// biome-ignore lint/suspicious/noExplicitAny: decoded bodies are checked field by field
type Any = Record<string, any>;

const creatable = (
  name: string,
  configs: { name: string; value: string | null }[] = [],
  numPartitions = 1,
) => ({
  name,
  numPartitions,
  replicationFactor: -1,
  assignments: [],
  configs,
});

describe("topic rules on the Kafka admin path", () => {
  let broker: HandlerBroker;
  before(async () => {
    broker = await startHandlerBroker();
  });
  after(() => broker.close());

  const createTopics = (topics: object[], validateOnly = false) =>
    broker.call<Any>(ApiKey.CreateTopics, 7, { topics, timeoutMs: 1000, validateOnly });
  const codes = (answer: Any) => answer.topics.map((t: Any) => [t.name, t.errorCode]);

  it("the broker's internal topics are the rules' internal topics", () => {
    assert.ok(INTERNAL_TOPICS.has(OFFSETS_TOPIC));
  });

  it('CreateTopics refuses "." and ".." with INVALID_TOPIC_EXCEPTION', async () => {
    const r = await createTopics([creatable("."), creatable(".."), creatable("...")]);
    assert.deepEqual(codes(r), [
      [".", ErrorCode.INVALID_TOPIC_EXCEPTION],
      ["..", ErrorCode.INVALID_TOPIC_EXCEPTION],
      ["...", ErrorCode.NONE],
    ]);
    assert.match(r.topics[0].errorMessage, /'\.' is not allowed/);
    assert.deepEqual([...broker.admin.topics.keys()], ["..."]);
  });

  it("CreateTopics refuses unknown keys, null, mistyped and out-of-range values with INVALID_CONFIG", async () => {
    const bad: [string, string | null][] = [
      ["no.such.config", "1"],
      ["retention.ms", null],
      ["retention.ms", "banana"],
      ["retention.ms", "-2"],
      ["min.insync.replicas", "0"],
      ["max.message.bytes", "2147483648"],
      ["segment.bytes", "13"],
      ["cleanup.policy", "compact,shred"],
      ["compression.type", "brotli"],
      ["unclean.leader.election.enable", "maybe"],
    ];
    const r = await createTopics(bad.map(([name, value], i) => creatable(`bad-${i}`, [{ name, value }])));
    assert.deepEqual(
      codes(r),
      bad.map((_, i) => [`bad-${i}`, ErrorCode.INVALID_CONFIG]),
    );
    assert.match(r.topics[2].errorMessage, /Invalid value banana for configuration retention\.ms/);
    assert.equal(broker.admin.topics.has("bad-0"), false);
    const good = await createTopics([
      creatable("good", [
        { name: "cleanup.policy", value: "compact,delete" },
        { name: "retention.ms", value: "-1" },
        { name: "retention.bytes", value: "-1" },
      ]),
    ]);
    assert.deepEqual(codes(good), [["good", ErrorCode.NONE]]);
    assert.deepEqual(broker.admin.topics.get("good")?.configs, {
      "cleanup.policy": "compact,delete",
      "retention.ms": "-1",
      "retention.bytes": "-1",
    });
  });

  it("CreateTopics bounds the size of a topic's configs with INVALID_CONFIG", async () => {
    const padded = `${"0".repeat(4096)}1000`; // a valid LONG, but over 4 KiB of it
    const huge = Array.from({ length: 200 }, (_, i) => ({ name: `key.${i}`, value: "x".repeat(4000) }));
    const r = await createTopics([
      creatable("padded", [{ name: "retention.ms", value: padded }]),
      creatable("huge", huge),
    ]);
    assert.deepEqual(codes(r), [
      ["padded", ErrorCode.INVALID_CONFIG],
      ["huge", ErrorCode.INVALID_CONFIG],
    ]);
    assert.match(r.topics[1].errorMessage, /at most 4096/);
  });

  it("CreateTopics refuses internal topics with INVALID_REQUEST, as Kafka refuses its own", async () => {
    const r = await createTopics([creatable(OFFSETS_TOPIC), creatable("__transaction_state")], true);
    assert.deepEqual(codes(r), [
      [OFFSETS_TOPIC, ErrorCode.INVALID_REQUEST],
      ["__transaction_state", ErrorCode.INVALID_REQUEST],
    ]);
    assert.match(r.topics[0].errorMessage, /creating internal topic __consumer_offsets is prohibited/);
    assert.equal(
      broker.admin.topics.has(OFFSETS_TOPIC),
      false,
      "not even validateOnly reaches the control plane",
    );
  });

  it("the offsets topic the broker creates cannot be deleted, recreated or grown", async () => {
    await broker.call(ApiKey.FindCoordinator, 3, { key: "g", keyType: 0 }); // the broker creates it
    const before = broker.admin.topics.get(OFFSETS_TOPIC);
    assert.ok(before, "FindCoordinator created the offsets topic");

    const deleted = await broker.call<Any>(ApiKey.DeleteTopics, 5, {
      topicNames: [OFFSETS_TOPIC, "__transaction_state"],
      timeoutMs: 1000,
    });
    assert.deepEqual(
      deleted.responses.map((t: Any) => [t.name, t.errorCode]),
      [
        [OFFSETS_TOPIC, ErrorCode.INVALID_REQUEST],
        ["__transaction_state", ErrorCode.INVALID_REQUEST],
      ],
    );
    assert.match(
      deleted.responses[0].errorMessage,
      /deleting internal topic __consumer_offsets is prohibited/,
    );

    const recreated = await createTopics([creatable(OFFSETS_TOPIC)]);
    assert.deepEqual(codes(recreated), [[OFFSETS_TOPIC, ErrorCode.INVALID_REQUEST]]);

    const grown = await broker.call<Any>(ApiKey.CreatePartitions, 3, {
      topics: [{ name: OFFSETS_TOPIC, count: before.partitions.length + 1, assignments: null }],
      timeoutMs: 1000,
      validateOnly: false,
    });
    assert.deepEqual(
      grown.results.map((t: Any) => [t.name, t.errorCode]),
      [[OFFSETS_TOPIC, ErrorCode.INVALID_REQUEST]],
    );
    assert.equal(broker.admin.topics.get(OFFSETS_TOPIC), before, "untouched");
  });

  it("DescribeConfigs reports the rules' config types as Kafka's configType", async () => {
    const r = await broker.call<Any>(ApiKey.DescribeConfigs, 4, {
      resources: [{ resourceType: 2, resourceName: "good", configurationKeys: null }],
      includeSynonyms: false,
      includeDocumentation: false,
    });
    const typeOf = (name: string) => r.results[0].configs.find((c: Any) => c.name === name)?.configType;
    // Kafka's ConfigType: BOOLEAN 1, STRING 2, INT 3, LONG 5, LIST 7.
    assert.deepEqual(
      [
        "unclean.leader.election.enable",
        "compression.type",
        "min.insync.replicas",
        "retention.ms",
        "cleanup.policy",
      ].map(typeOf),
      [1, 2, 3, 5, 7],
    );
  });

  it("CreatePartitions refuses more than 10000 partitions with INVALID_PARTITIONS", async () => {
    const r = await broker.call<Any>(ApiKey.CreatePartitions, 3, {
      topics: [{ name: "good", count: 10_001, assignments: null }],
      timeoutMs: 1000,
      validateOnly: false,
    });
    assert.equal(r.results[0].errorCode, ErrorCode.INVALID_PARTITIONS);
  });
});
