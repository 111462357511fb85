import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { isCoordinatorError } from "../../src/errors.ts";
import { coordinatorConfigDefaults, loadCoordinatorConfig } from "../../src/groups/group-config.ts";

describe("coordinator config", () => {
  it("defaults without environment, frozen", () => {
    const config = loadCoordinatorConfig({});
    assert.equal(config.initialRebalanceDelayMs, coordinatorConfigDefaults.initialRebalanceDelayMs);
    assert.equal(config.offsetsTopicPartitions, 16);
    assert.ok(Object.isFrozen(config));
  });

  it("reads every option from the environment, users also from a file", async () => {
    const dir = await mkdtemp(join(tmpdir(), "cirrus-sasl-"));
    try {
      const file = join(dir, "users");
      writeFileSync(file, "alice:a:b\nbob:pw\n");
      const config = loadCoordinatorConfig({
        CIRRUS_GROUP_INITIAL_REBALANCE_DELAY_MS: "0",
        CIRRUS_OFFSETS_TOPIC_PARTITIONS: "50",
        CIRRUS_OFFSETS_COMPACTION_MIN_RECORDS: "5000",
        CIRRUS_OFFSETS_COMPACTION_MIN_SUPERSEDED_PERCENT: "80",
        CIRRUS_OFFSETS_COMPACTION_BATCH_RECORDS: "250",
        CIRRUS_SASL_MECHANISMS: "plain, scram-sha-256",
        CIRRUS_SASL_USERS_FILE: file,
      });
      assert.equal(config.initialRebalanceDelayMs, 0);
      assert.equal(config.offsetsTopicPartitions, 50);
      assert.equal(config.offsetsCompactionMinRecords, 5000);
      assert.equal(config.offsetsCompactionMinSupersededPercent, 80);
      assert.equal(config.offsetsCompactionBatchRecords, 250);
      assert.deepEqual(config.saslMechanisms, ["PLAIN", "SCRAM-SHA-256"]);
      assert.equal(config.saslUsers.get("alice"), "a:b");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("refuses bad values with CONFIG_INVALID", () => {
    const bad = [
      { CIRRUS_OFFSETS_TOPIC_PARTITIONS: "0" },
      { CIRRUS_GROUP_MAX_SIZE: "many" },
      { CIRRUS_OFFSETS_COMPACTION_MIN_SUPERSEDED_PERCENT: "100" },
      { CIRRUS_OFFSETS_COMPACTION_BATCH_RECORDS: "0" },
      { CIRRUS_SASL_MECHANISMS: "GSSAPI", CIRRUS_SASL_USERS: "a:b" },
      { CIRRUS_SASL_MECHANISMS: "PLAIN" },
      { CIRRUS_SASL_MECHANISMS: "PLAIN", CIRRUS_SASL_USERS: "nopassword" },
      { CIRRUS_GROUP_MIN_SESSION_TIMEOUT_MS: "9000", CIRRUS_GROUP_MAX_SESSION_TIMEOUT_MS: "8000" },
    ];
    for (const env of bad) {
      assert.throws(
        () => loadCoordinatorConfig(env),
        (e) => isCoordinatorError(e, "CONFIG_INVALID"),
        JSON.stringify(env),
      );
    }
  });
});
