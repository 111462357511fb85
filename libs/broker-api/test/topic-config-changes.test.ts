import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { applyTopicConfigChanges, TopicRule } from "../src/index.ts";

const current = { "retention.ms": "1000", "cleanup.policy": "delete" };

describe("topic config changes (AlterConfigs / IncrementalAlterConfigs)", () => {
  it("replace starts from nothing: keys not named go back to their default", () => {
    assert.deepEqual(
      applyTopicConfigChanges(current, [{ name: "segment.ms", op: "set", value: "5" }], true),
      { configs: { "segment.ms": "5" } },
    );
  });

  it("set and delete change only the keys named", () => {
    assert.deepEqual(
      applyTopicConfigChanges(
        current,
        [
          { name: "retention.ms", op: "delete", value: null },
          { name: "max.message.bytes", op: "set", value: "2000" },
        ],
        false,
      ),
      { configs: { "cleanup.policy": "delete", "max.message.bytes": "2000" } },
    );
  });

  it("append and subtract work on LIST configs from the current value, or Kafka's default", () => {
    assert.deepEqual(
      applyTopicConfigChanges(
        current,
        [{ name: "cleanup.policy", op: "append", value: "compact,delete" }],
        false,
      ),
      { configs: { ...current, "cleanup.policy": "delete,compact" } },
    );
    assert.deepEqual(
      applyTopicConfigChanges({}, [{ name: "cleanup.policy", op: "append", value: "compact" }], false),
      { configs: { "cleanup.policy": "delete,compact" } },
    );
    assert.deepEqual(
      applyTopicConfigChanges(
        { "leader.replication.throttled.replicas": "0:1,1:2" },
        [{ name: "leader.replication.throttled.replicas", op: "subtract", value: "0:1" }],
        false,
      ),
      { configs: { "leader.replication.throttled.replicas": "1:2" } },
    );
  });

  it("refuses append/subtract on a non-LIST config, unknown keys, null values and duplicate keys", () => {
    const refused = (changes: Parameters<typeof applyTopicConfigChanges>[1]) => {
      const out = applyTopicConfigChanges(current, changes, false);
      assert.ok("rule" in out, JSON.stringify(changes));
      return out;
    };
    const append = refused([{ name: "retention.ms", op: "append", value: "1" }]);
    assert.equal(append.rule, TopicRule.CONFIG);
    assert.match(append.message, /Config value append is not allowed for config key: retention\.ms/);
    assert.match(
      refused([{ name: "no.such", op: "delete", value: null }]).message,
      /Unknown topic config name: no\.such/,
    );
    assert.match(refused([{ name: "retention.ms", op: "set", value: null }]).message, /Null value/);
    const dup = refused([
      { name: "retention.ms", op: "set", value: "1" },
      { name: "retention.ms", op: "delete", value: null },
    ]);
    assert.equal(dup.rule, TopicRule.DUPLICATE_CONFIG);
  });

  it("checks the resulting set: a bad value, or subtracting cleanup.policy to nothing", () => {
    const bad = applyTopicConfigChanges(current, [{ name: "retention.ms", op: "set", value: "-7" }], false);
    assert.ok("rule" in bad && bad.rule === TopicRule.CONFIG);
    const empty = applyTopicConfigChanges(
      current,
      [{ name: "cleanup.policy", op: "subtract", value: "delete" }],
      false,
    );
    assert.ok("rule" in empty && empty.rule === TopicRule.CONFIG);
  });
});
