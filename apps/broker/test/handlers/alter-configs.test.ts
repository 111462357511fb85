import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ApiKey, ErrorCode } from "@cirrus/kafka-protocol";
import { type HandlerBroker, startHandlerBroker } from "./group-handlers-kit.ts";

// biome-ignore lint/suspicious/noExplicitAny: decoded bodies are checked field by field
type Any = Record<string, any>;

const TOPIC = 2;
const BROKER = 4;
const BROKER_LOGGER = 8;
const [SET, DELETE, APPEND, SUBTRACT] = [0, 1, 2, 3];

const incremental = (resourceName: string, configs: object[], resourceType = TOPIC) => ({
  resourceType,
  resourceName,
  configs,
});

describe("AlterConfigs and IncrementalAlterConfigs", () => {
  let broker: HandlerBroker;
  before(async () => {
    broker = await startHandlerBroker();
    await broker.admin.createTopic({ name: "orders", partitions: 1, configs: { "retention.ms": "1000" } });
    await broker.admin.createTopic({ name: "other", partitions: 1 });
  });
  after(() => broker.close());

  const describeTopic = async (name: string, keys: string[] | null = null) => {
    const r = await broker.call<Any>(ApiKey.DescribeConfigs, 4, {
      resources: [{ resourceType: TOPIC, resourceName: name, configurationKeys: keys }],
      includeSynonyms: true,
      includeDocumentation: false,
    });
    return r.results[0].configs as Any[];
  };

  it("IncrementalAlterConfigs sets, appends, subtracts and deletes; DescribeConfigs shows sources and synonyms", async () => {
    const r = await broker.call<Any>(ApiKey.IncrementalAlterConfigs, 1, {
      resources: [
        incremental("orders", [
          { name: "retention.ms", configOperation: SET, value: "86400000" },
          { name: "cleanup.policy", configOperation: APPEND, value: "compact" },
          { name: "min.cleanable.dirty.ratio", configOperation: SET, value: "0.2" },
        ]),
      ],
      validateOnly: false,
    });
    assert.deepEqual(
      r.responses.map((x: Any) => [x.resourceName, x.errorCode, x.errorMessage]),
      [["orders", 0, null]],
    );
    assert.deepEqual(broker.admin.topics.get("orders")!.configs, {
      "retention.ms": "86400000",
      "cleanup.policy": "delete,compact",
      "min.cleanable.dirty.ratio": "0.2",
    });
    const configs = await describeTopic("orders", [
      "retention.ms",
      "segment.ms",
      "min.cleanable.dirty.ratio",
    ]);
    assert.deepEqual(
      configs.map((c) => [c.name, c.value, c.configSource, c.configType]),
      [
        ["min.cleanable.dirty.ratio", "0.2", 1, 6],
        ["retention.ms", "86400000", 1, 5],
        ["segment.ms", "604800000", 5, 5],
      ],
    );
    assert.deepEqual(
      configs[1]!.synonyms.map((s: Any) => [s.name, s.value, s.source]),
      [
        ["retention.ms", "86400000", 1],
        ["log.retention.ms", "604800000", 5],
      ],
    );
    assert.deepEqual(
      configs[2]!.synonyms.map((s: Any) => [s.name, s.source]),
      [["log.roll.ms", 5]],
    );

    const back = await broker.call<Any>(ApiKey.IncrementalAlterConfigs, 0, {
      resources: [
        incremental("orders", [
          { name: "cleanup.policy", configOperation: SUBTRACT, value: "delete" },
          { name: "min.cleanable.dirty.ratio", configOperation: DELETE, value: null },
        ]),
      ],
      validateOnly: false,
    });
    assert.equal(back.responses[0].errorCode, 0);
    assert.deepEqual(broker.admin.topics.get("orders")!.configs, {
      "retention.ms": "86400000",
      "cleanup.policy": "compact",
    });
  });

  it("AlterConfigs replaces the whole set: keys not named fall back to their default", async () => {
    for (const version of [0, 1, 2]) {
      const r = await broker.call<Any>(ApiKey.AlterConfigs, version, {
        resources: [
          {
            resourceType: TOPIC,
            resourceName: "other",
            configs: [{ name: "max.message.bytes", value: `${2000 + version}` }],
          },
        ],
        validateOnly: false,
      });
      assert.equal(r.responses[0].errorCode, 0, `v${version}`);
      assert.deepEqual(broker.admin.topics.get("other")!.configs, {
        "max.message.bytes": `${2000 + version}`,
      });
    }
    const cleared = await broker.call<Any>(ApiKey.AlterConfigs, 2, {
      resources: [{ resourceType: TOPIC, resourceName: "other", configs: [] }],
      validateOnly: false,
    });
    assert.equal(cleared.responses[0].errorCode, 0);
    assert.deepEqual(broker.admin.topics.get("other")!.configs, {});
  });

  it("validateOnly checks everything and changes nothing", async () => {
    const before = { ...broker.admin.topics.get("orders")!.configs };
    const r = await broker.call<Any>(ApiKey.IncrementalAlterConfigs, 1, {
      resources: [incremental("orders", [{ name: "retention.ms", configOperation: SET, value: "5" }])],
      validateOnly: true,
    });
    assert.equal(r.responses[0].errorCode, 0);
    assert.equal(broker.admin.configCalls.at(-1)!.request.validateOnly, true);
    assert.deepEqual(broker.admin.topics.get("orders")!.configs, before);
    const bad = await broker.call<Any>(ApiKey.AlterConfigs, 1, {
      resources: [
        { resourceType: TOPIC, resourceName: "orders", configs: [{ name: "retention.ms", value: "x" }] },
      ],
      validateOnly: true,
    });
    assert.equal(bad.responses[0].errorCode, ErrorCode.INVALID_CONFIG);
  });

  it("answers each bad resource with Kafka's error and a message, forwarding nothing it refused", async () => {
    await broker.admin.createTopic({ name: "third", partitions: 1 });
    const calls = broker.admin.configCalls.length;
    const r = await broker.call<Any>(ApiKey.IncrementalAlterConfigs, 1, {
      resources: [
        incremental("orders", [{ name: "no.such.config", configOperation: SET, value: "1" }]),
        incremental("other", [{ name: "retention.ms", configOperation: APPEND, value: "1" }]),
        incremental("nope", [{ name: "retention.ms", configOperation: SET, value: "1" }]),
        incremental("bad name!", [{ name: "retention.ms", configOperation: SET, value: "1" }]),
        incremental("dup", []),
        incremental("dup", []),
        incremental("third", [{ name: "retention.ms", configOperation: 9, value: "1" }]),
        incremental("1", [{ name: "log.retention.ms", configOperation: SET, value: "1" }], BROKER),
        incremental("", [], BROKER),
        incremental("1", [{ name: "kafka.server", configOperation: SET, value: "DEBUG" }], BROKER_LOGGER),
        incremental("x", [], 77),
      ],
      validateOnly: false,
    });
    assert.deepEqual(
      r.responses.map((x: Any) => [x.resourceName, x.errorCode]),
      [
        ["orders", ErrorCode.INVALID_CONFIG],
        ["other", ErrorCode.INVALID_CONFIG],
        ["nope", ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
        ["bad name!", ErrorCode.INVALID_TOPIC_EXCEPTION],
        ["dup", ErrorCode.INVALID_REQUEST],
        ["dup", ErrorCode.INVALID_REQUEST],
        ["third", ErrorCode.INVALID_REQUEST],
        ["1", ErrorCode.INVALID_REQUEST],
        ["", ErrorCode.NONE],
        ["1", ErrorCode.INVALID_REQUEST],
        ["x", ErrorCode.INVALID_REQUEST],
      ],
    );
    const messages = r.responses.map((x: Any) => x.errorMessage);
    assert.match(messages[0], /Unknown topic config name: no\.such\.config/);
    assert.match(messages[1], /Config value append is not allowed for config key: retention\.ms/);
    assert.match(messages[6], /unknown config operation 9/);
    assert.match(messages[7], /Cannot update these configs dynamically: log\.retention\.ms/);
    assert.equal(broker.admin.configCalls.length, calls, "nothing refused reached the control plane");
  });

  it("a DELETE of a broker config succeeds (no dynamic override to remove); a SET next to it is refused", async () => {
    const throttles = ["leader.replication.throttled.rate", "follower.replication.throttled.rate"];
    const r = await broker.call<Any>(ApiKey.IncrementalAlterConfigs, 1, {
      resources: [
        incremental(
          "1",
          throttles.map((name) => ({ name, configOperation: DELETE, value: null })),
          BROKER,
        ),
        incremental(
          "2",
          [
            { name: throttles[0], configOperation: DELETE, value: null },
            { name: "log.retention.ms", configOperation: SET, value: "1" },
          ],
          BROKER,
        ),
      ],
      validateOnly: false,
    });
    assert.deepEqual(
      r.responses.map((x: Any) => [x.resourceName, x.errorCode]),
      [
        ["1", ErrorCode.NONE],
        ["2", ErrorCode.INVALID_REQUEST],
      ],
    );
    assert.match(
      r.responses[1].errorMessage,
      /Cannot update these configs dynamically: log\.retention\.ms \(/,
    );
  });

  it("CreateTopics accepts the standard configs it used to refuse", async () => {
    const r = await broker.call<Any>(ApiKey.CreateTopics, 5, {
      topics: [
        {
          name: "compacted",
          numPartitions: 1,
          replicationFactor: 1,
          assignments: [],
          configs: [
            { name: "cleanup.policy", value: "compact" },
            { name: "delete.retention.ms", value: "100" },
            { name: "min.cleanable.dirty.ratio", value: "0.01" },
            { name: "segment.ms", value: "100" },
          ],
        },
      ],
      timeoutMs: 1000,
      validateOnly: false,
    });
    assert.equal(r.topics[0].errorCode, 0, r.topics[0].errorMessage);
    assert.equal(broker.admin.topics.get("compacted")!.configs["delete.retention.ms"], "100");
  });
});
