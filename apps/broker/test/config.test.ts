import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { brokerConfigDefaults, describeConfig, envNameOf, loadBrokerConfig } from "../src/config.ts";
import { isBrokerError } from "../src/errors.ts";

test("env names follow CIRRUS_UPPER_SNAKE, matching what the local provider passes", () => {
  assert.equal(envNameOf("kafkaPort"), "CIRRUS_KAFKA_PORT");
  assert.equal(envNameOf("controlPlaneUrl"), "CIRRUS_CONTROL_PLANE_URL");
  assert.equal(envNameOf("brokerToken"), "CIRRUS_BROKER_TOKEN");
  assert.equal(envNameOf("instanceId"), "CIRRUS_INSTANCE_ID");
});

test("defaults apply, derived paths fill in, and the result is frozen", () => {
  const config = loadBrokerConfig({}, {});
  assert.equal(config.kafkaPort, brokerConfigDefaults.kafkaPort);
  assert.equal(config.volumePath, join(brokerConfigDefaults.dataDir, "wal"));
  assert.equal(config.objectStore, `file://${join(brokerConfigDefaults.dataDir, "objects")}`);
  assert.equal(config.advertisedHost, "127.0.0.1");
  assert.ok(Object.isFrozen(config));
  assert.throws(() => {
    (config as { kafkaPort: number }).kafkaPort = 1;
  });
});

test("env vars parse by type and overrides win over env", () => {
  const env = {
    CIRRUS_KAFKA_PORT: "19092",
    CIRRUS_AUTO_CREATE_TOPICS: "false",
    CIRRUS_ADVERTISED_HOST: "broker-1.internal",
    CIRRUS_ZONE: "z1",
  };
  const config = loadBrokerConfig({ zone: "z2" }, env);
  assert.equal(config.kafkaPort, 19092);
  assert.equal(config.autoCreateTopics, false);
  assert.equal(config.advertisedHost, "broker-1.internal");
  assert.equal(config.zone, "z2");
});

test("invalid values and unknown options are CONFIG_INVALID errors", () => {
  for (const env of [
    { CIRRUS_KAFKA_PORT: "70000" },
    { CIRRUS_KAFKA_PORT: "12ab" },
    { CIRRUS_AUTO_CREATE_TOPICS: "yes" },
  ]) {
    assert.throws(
      () => loadBrokerConfig({}, env),
      (e) => isBrokerError(e, "CONFIG_INVALID"),
    );
  }
  assert.throws(
    () => loadBrokerConfig({ nope: 1 } as never, {}),
    (e) => isBrokerError(e, "CONFIG_INVALID"),
  );
  assert.throws(
    () => loadBrokerConfig({ controlPlaneUrl: "ftp://x" }, {}),
    (e) => isBrokerError(e, "CONFIG_INVALID"),
  );
});

test("secrets read from *_FILE and are masked in descriptions", () => {
  const dir = mkdtempSync(join(tmpdir(), "cirrus-config-"));
  try {
    const file = join(dir, "token");
    writeFileSync(file, "s3cret\n");
    const config = loadBrokerConfig({}, { CIRRUS_BROKER_TOKEN_FILE: file });
    assert.equal(config.brokerToken, "s3cret");
    assert.equal(describeConfig(config).brokerToken, "***");
    assert.throws(
      () => loadBrokerConfig({}, { CIRRUS_BROKER_TOKEN_FILE: join(dir, "missing") }),
      (e) => isBrokerError(e, "CONFIG_INVALID"),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
