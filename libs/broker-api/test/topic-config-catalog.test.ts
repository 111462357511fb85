import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkTopicConfigs, TopicRule, topicConfigSpecs } from "../src/index.ts";

// Apache Kafka 3.9's TopicConfig keys: every one is accepted (tools, operators and Terraform set them).
const KAFKA_TOPIC_CONFIGS = [
  "cleanup.policy",
  "compression.gzip.level",
  "compression.lz4.level",
  "compression.type",
  "compression.zstd.level",
  "delete.retention.ms",
  "file.delete.delay.ms",
  "flush.messages",
  "flush.ms",
  "follower.replication.throttled.replicas",
  "index.interval.bytes",
  "leader.replication.throttled.replicas",
  "local.retention.bytes",
  "local.retention.ms",
  "max.compaction.lag.ms",
  "max.message.bytes",
  "message.downconversion.enable",
  "message.format.version",
  "message.timestamp.after.max.ms",
  "message.timestamp.before.max.ms",
  "message.timestamp.difference.max.ms",
  "message.timestamp.type",
  "min.cleanable.dirty.ratio",
  "min.compaction.lag.ms",
  "min.insync.replicas",
  "preallocate",
  "remote.log.copy.disable",
  "remote.log.delete.on.disable",
  "remote.storage.enable",
  "retention.bytes",
  "retention.ms",
  "segment.bytes",
  "segment.index.bytes",
  "segment.jitter.ms",
  "segment.ms",
  "unclean.leader.election.enable",
];

describe("topic config catalog (every config Kafka defines)", () => {
  it("knows exactly Kafka's topic config keys", () => {
    assert.deepEqual([...topicConfigSpecs.keys()].sort(), [...KAFKA_TOPIC_CONFIGS].sort());
  });

  it("each default passes its own check, and all defaults together are one valid config set", () => {
    const all: Record<string, string> = {};
    for (const [name, spec] of topicConfigSpecs) {
      assert.equal(spec.check(spec.defaultValue), null, `${name}=${spec.defaultValue}`);
      all[name] = spec.defaultValue;
    }
    assert.equal(checkTopicConfigs(all), null);
  });

  it("standard configs that CreateTopics used to refuse are accepted", () => {
    assert.equal(
      checkTopicConfigs({
        "delete.retention.ms": "86400000",
        "min.cleanable.dirty.ratio": "0.1",
        "min.compaction.lag.ms": "1000",
        "max.compaction.lag.ms": "2000",
        "message.timestamp.before.max.ms": "3600000",
        "compression.zstd.level": "-5",
        "leader.replication.throttled.replicas": "0:1, 1:2",
        "follower.replication.throttled.replicas": "*",
        "message.format.version": "2.8",
      }),
      null,
    );
  });

  it("values are typed and ranged as LogConfig validates them, with Kafka's wording", () => {
    const invalid: Record<string, string[]> = {
      "min.cleanable.dirty.ratio": ["1.5", "-0.1", "half", ""],
      "compression.gzip.level": ["0", "10", "-2", "x"],
      "compression.lz4.level": ["0", "18"],
      "compression.zstd.level": ["23", "-131073"],
      "delete.retention.ms": ["-1"],
      "flush.messages": ["0"],
      "max.compaction.lag.ms": ["0"],
      "segment.index.bytes": ["3"],
      "local.retention.ms": ["-3"],
      "leader.replication.throttled.replicas": ["all", "0-1", "0:1,x"],
      "message.format.version": ["latest", "3"],
      preallocate: ["yes"],
    };
    for (const [name, values] of Object.entries(invalid))
      for (const value of values)
        assert.equal(checkTopicConfigs({ [name]: value })?.rule, TopicRule.CONFIG, `${name}=${value}`);
    assert.match(
      checkTopicConfigs({ "min.cleanable.dirty.ratio": "2" })!.message,
      /Invalid value 2 for configuration min\.cleanable\.dirty\.ratio: Value must be no more than 1 and at least 0/,
    );
    assert.match(
      checkTopicConfigs({ "compression.gzip.level": "0" })!.message,
      /Value must be -1 or in the range \[1, 9\]/,
    );
  });

  it("refuses min.compaction.lag.ms above max.compaction.lag.ms, as LogConfig.validateValues does", () => {
    const v = checkTopicConfigs({ "min.compaction.lag.ms": "5000", "max.compaction.lag.ms": "1000" });
    assert.equal(v?.rule, TopicRule.CONFIG);
    assert.match(
      v!.message,
      /min\.compaction\.lag\.ms should be less than or equal to max\.compaction\.lag\.ms/,
    );
  });

  it("names the broker config each default comes from (DescribeConfigs synonyms)", () => {
    assert.equal(topicConfigSpecs.get("retention.ms")!.brokerSynonym, "log.retention.ms");
    assert.equal(topicConfigSpecs.get("max.message.bytes")!.brokerSynonym, "message.max.bytes");
    assert.equal(topicConfigSpecs.get("remote.storage.enable")!.brokerSynonym, null);
  });
});
