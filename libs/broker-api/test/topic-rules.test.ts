import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  checkNewTopic,
  checkPartitionGrowth,
  checkTopicConfigs,
  checkTopicDeletion,
  checkTopicName,
  MAX_TOPIC_CONFIGS_BYTES,
  TopicRule,
} from "../src/index.ts";

const ruleOf = (v: { rule: string } | null) => v?.rule ?? null;
const configRule = (configs: Record<string, string | null>) => ruleOf(checkTopicConfigs(configs));

describe("topic rules (Kafka's, shared by the control plane and the broker)", () => {
  it("names follow Kafka's Topic.validate", () => {
    for (const ok of ["orders", "a.b_c-D9", "x".repeat(249), "...", "_x"])
      assert.equal(checkTopicName(ok), null, ok);
    for (const bad of ["", ".", "..", "x".repeat(250), "bad name!", "t/1", "é", "a\u0000"])
      assert.equal(ruleOf(checkTopicName(bad)), TopicRule.NAME, JSON.stringify(bad));
    assert.match(checkTopicName("..")!.message, /'\.\.' is not allowed/);
  });

  it("internal topics cannot be created by users, deleted or grown; a broker may create them", () => {
    for (const name of ["__consumer_offsets", "__transaction_state"]) {
      assert.equal(ruleOf(checkNewTopic({ name, partitions: 50 })), TopicRule.INTERNAL_TOPIC);
      assert.equal(checkNewTopic({ name, partitions: 50 }, { byBroker: true }), null);
      assert.equal(ruleOf(checkTopicDeletion(name)), TopicRule.INTERNAL_TOPIC);
      assert.equal(ruleOf(checkPartitionGrowth(name, 60)), TopicRule.INTERNAL_TOPIC);
    }
    assert.equal(checkTopicDeletion("__mine"), null, "only the cluster's own topics are internal");
    assert.equal(checkNewTopic({ name: "__mine", partitions: 1 }), null);
  });

  it("partition counts are 1..10000", () => {
    for (const bad of [0, -1, 10_001, 1.5])
      assert.equal(ruleOf(checkNewTopic({ name: "t", partitions: bad })), TopicRule.PARTITIONS, String(bad));
    assert.equal(ruleOf(checkPartitionGrowth("t", 10_001)), TopicRule.PARTITIONS);
    assert.equal(checkPartitionGrowth("t", 10_000), null);
  });

  it("config keys must be known topic configs, and values are never null", () => {
    assert.equal(configRule({ "no.such.config": "1" }), TopicRule.CONFIG);
    assert.equal(configRule({ "retention.ms": null }), TopicRule.CONFIG);
    assert.match(checkTopicConfigs({ "x.y": "1" })!.message, /Unknown topic config name: x\.y/);
    assert.equal(checkTopicConfigs({}), null);
  });

  it("config values are typed and ranged as in Kafka's LogConfig", () => {
    const valid: Record<string, string[]> = {
      "retention.ms": ["-1", "0", "604800000", "9223372036854775807", " 5 "],
      "retention.bytes": ["-1", "-5", "1073741824"],
      "max.message.bytes": ["0", "2147483647"],
      "segment.bytes": ["14", "1073741824"],
      "segment.ms": ["1"],
      "min.insync.replicas": ["1", "2"],
      "cleanup.policy": ["delete", "compact", "compact,delete", "delete,compact", "compact, delete"],
      "compression.type": ["producer", "uncompressed", "gzip", "snappy", "lz4", "zstd"],
      "message.timestamp.type": ["CreateTime", "LogAppendTime"],
      "unclean.leader.election.enable": ["true", "false", "TRUE"],
    };
    const invalid: Record<string, string[]> = {
      "retention.ms": ["banana", "-2", "1.5", "", "9223372036854775808", "1e3"],
      "retention.bytes": ["x", "-9223372036854775809"],
      "max.message.bytes": ["-1", "2147483648"],
      "segment.bytes": ["13"],
      "segment.ms": ["0"],
      "min.insync.replicas": ["0", "-1"],
      "cleanup.policy": ["shred", "", "compact,shred", "compact,"],
      "compression.type": ["brotli", "GZIP"],
      "message.timestamp.type": ["createtime"],
      "unclean.leader.election.enable": ["maybe", "1"],
    };
    for (const [name, values] of Object.entries(valid))
      for (const value of values)
        assert.equal(checkTopicConfigs({ [name]: value }), null, `${name}=${value}`);
    for (const [name, values] of Object.entries(invalid))
      for (const value of values)
        assert.equal(configRule({ [name]: value }), TopicRule.CONFIG, `${name}=${value}`);
    assert.match(
      checkTopicConfigs({ "retention.ms": "banana" })!.message,
      /Invalid value banana for configuration retention\.ms: Not a number of type LONG/,
    );
    assert.match(checkTopicConfigs({ "retention.ms": "-2" })!.message, /at least -1/);
  });

  it("all configs together are bounded, checked before anything else", () => {
    const huge = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`k${i}`, "x".repeat(4000)]));
    const v = checkTopicConfigs(huge);
    assert.equal(v?.rule, TopicRule.CONFIG);
    assert.match(v!.message, new RegExp(`at most ${MAX_TOPIC_CONFIGS_BYTES}`));
    const padded = { "retention.ms": `${"0".repeat(MAX_TOPIC_CONFIGS_BYTES)}1` };
    assert.equal(configRule(padded), TopicRule.CONFIG, "a value that parses but is huge is still refused");
  });

  it("checks a new topic in Kafka's order: name, internal, partitions, configs", () => {
    assert.equal(ruleOf(checkNewTopic({ name: "..", partitions: 0, configs: { x: "1" } })), TopicRule.NAME);
    assert.equal(
      ruleOf(checkNewTopic({ name: "t", partitions: 0, configs: { x: "1" } })),
      TopicRule.PARTITIONS,
    );
    assert.equal(ruleOf(checkNewTopic({ name: "t", partitions: 1, configs: { x: "1" } })), TopicRule.CONFIG);
  });
});
