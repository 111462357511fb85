import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { brokerConfigDefaults, loadBrokerConfig } from "../../src/config.ts";
import { coordinatorConfigDefaults, coordinatorConfigOf } from "../../src/groups/group-config.ts";
import { defaultGroupConfig } from "../../src/groups/group-context.ts";

describe("coordinator config (a view of the broker config)", () => {
  it("the defaults are the broker config's, frozen", () => {
    const config = coordinatorConfigOf(loadBrokerConfig({}, {}));
    assert.deepEqual(config, coordinatorConfigDefaults);
    assert.equal(config.initialRebalanceDelayMs, brokerConfigDefaults.groupInitialRebalanceDelayMs);
    assert.equal(defaultGroupConfig.maxSessionTimeoutMs, brokerConfigDefaults.groupMaxSessionTimeoutMs);
    assert.equal(config.offsetsTopicPartitions, 16);
    assert.deepEqual(config.saslMechanisms, []);
    assert.ok(Object.isFrozen(config));
  });

  it("maps every group, offsets and SASL option of the environment under the coordinator's names", () => {
    const config = coordinatorConfigOf(
      loadBrokerConfig(
        {},
        {
          CIRRUS_GROUP_MIN_SESSION_TIMEOUT_MS: "1000",
          CIRRUS_GROUP_MAX_SESSION_TIMEOUT_MS: "60000",
          CIRRUS_GROUP_INITIAL_REBALANCE_DELAY_MS: "0",
          CIRRUS_GROUP_MAX_SIZE: "10",
          CIRRUS_GROUP_NEW_MEMBER_JOIN_TIMEOUT_MS: "2000",
          CIRRUS_OFFSET_METADATA_MAX_BYTES: "100",
          CIRRUS_OFFSETS_RETENTION_MS: "3600000",
          CIRRUS_OFFSETS_RETENTION_CHECK_INTERVAL_MS: "5000",
          CIRRUS_OFFSETS_TOPIC_PARTITIONS: "50",
          CIRRUS_OFFSETS_COMPACTION_MIN_RECORDS: "5000",
          CIRRUS_OFFSETS_COMPACTION_MIN_SUPERSEDED_PERCENT: "80",
          CIRRUS_OFFSETS_COMPACTION_BATCH_RECORDS: "250",
          CIRRUS_PRODUCER_IDLE_EXPIRY_MS: "120000",
          CIRRUS_SASL_MECHANISMS: "plain, scram-sha-256",
          CIRRUS_SASL_USERS: "alice:a:b,bob:pw",
        },
      ),
    );
    assert.deepEqual(
      { ...config, saslUsers: Object.fromEntries(config.saslUsers) },
      {
        minSessionTimeoutMs: 1000,
        maxSessionTimeoutMs: 60_000,
        initialRebalanceDelayMs: 0,
        maxGroupSize: 10,
        newMemberJoinTimeoutMs: 2000,
        offsetMetadataMaxBytes: 100,
        offsetsRetentionMs: 3_600_000,
        offsetsRetentionCheckIntervalMs: 5000,
        offsetsTopicPartitions: 50,
        offsetsCompactionMinRecords: 5000,
        offsetsCompactionMinSupersededPercent: 80,
        offsetsCompactionBatchRecords: 250,
        producerIdleExpiryMs: 120_000,
        saslMechanisms: ["PLAIN", "SCRAM-SHA-256"],
        saslUsers: { alice: "a:b", bob: "pw" },
      },
    );
  });
});
