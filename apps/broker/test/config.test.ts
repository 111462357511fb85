import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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

test("fetch session and checkpoint settings: defaults, env names, env values and overrides", () => {
  const defaults = loadBrokerConfig({}, {});
  assert.deepEqual(
    {
      slots: defaults.fetchSessionCacheSlots,
      evictionMs: defaults.fetchSessionEvictionMs,
      idleMs: defaults.fetchSessionIdleExpiryMs,
      partitions: defaults.fetchSessionMaxCachedPartitions,
      everyBytes: defaults.checkpointEveryBytes,
      everyMs: defaults.checkpointEveryMs,
      granule: defaults.checkpointGranuleBytes,
      keep: defaults.checkpointKeep,
    },
    {
      slots: 1000,
      evictionMs: 120_000,
      idleMs: 300_000,
      partitions: 1_000_000,
      everyBytes: 64 * 1024 * 1024,
      everyMs: 60_000,
      granule: 1024 * 1024,
      keep: 2,
    },
  );
  assert.equal(envNameOf("fetchSessionCacheSlots"), "CIRRUS_FETCH_SESSION_CACHE_SLOTS");
  assert.equal(envNameOf("checkpointGranuleBytes"), "CIRRUS_CHECKPOINT_GRANULE_BYTES");
  const config = loadBrokerConfig(
    { checkpointKeep: 5 },
    {
      CIRRUS_FETCH_SESSION_CACHE_SLOTS: "0",
      CIRRUS_FETCH_SESSION_EVICTION_MS: "0",
      CIRRUS_FETCH_SESSION_IDLE_EXPIRY_MS: "1000",
      CIRRUS_FETCH_SESSION_MAX_CACHED_PARTITIONS: "50000",
      CIRRUS_CHECKPOINT_EVERY_BYTES: String(1024 * 1024),
      CIRRUS_CHECKPOINT_EVERY_MS: "86400000",
      CIRRUS_CHECKPOINT_GRANULE_BYTES: "65536",
      CIRRUS_CHECKPOINT_KEEP: "9",
    },
  );
  assert.deepEqual(
    [
      config.fetchSessionCacheSlots,
      config.fetchSessionEvictionMs,
      config.fetchSessionIdleExpiryMs,
      config.fetchSessionMaxCachedPartitions,
      config.checkpointEveryBytes,
      config.checkpointEveryMs,
      config.checkpointGranuleBytes,
      config.checkpointKeep,
    ],
    [0, 0, 1000, 50_000, 1024 * 1024, 86_400_000, 65_536, 5],
  );
});

test("each bad fetch session or checkpoint value is CONFIG_INVALID naming the setting", () => {
  const bad: [keyof typeof brokerConfigDefaults, string][] = [
    ["fetchSessionCacheSlots", "-1"],
    ["fetchSessionCacheSlots", "1000001"],
    ["fetchSessionCacheSlots", "many"],
    ["fetchSessionEvictionMs", "-5"],
    ["fetchSessionEvictionMs", "86400001"],
    ["fetchSessionIdleExpiryMs", "999"],
    ["fetchSessionIdleExpiryMs", "1.5"],
    ["fetchSessionMaxCachedPartitions", "0"],
    ["fetchSessionMaxCachedPartitions", "100000001"],
    ["checkpointEveryBytes", "1048575"],
    ["checkpointEveryBytes", String(64 * 1024 ** 3 + 1)],
    ["checkpointEveryMs", "999"],
    ["checkpointEveryMs", "86400001"],
    ["checkpointGranuleBytes", "65535"],
    ["checkpointGranuleBytes", String(1024 ** 3 + 1)],
    ["checkpointKeep", "0"],
    ["checkpointKeep", "101"],
    ["checkpointKeep", ""],
  ];
  for (const [key, value] of bad) {
    // "" from the environment means unset: give it as an override to reach the parser.
    const attempt = () =>
      value === ""
        ? loadBrokerConfig({ [key]: value } as never, {})
        : loadBrokerConfig({}, { [envNameOf(key)]: value });
    assert.throws(
      attempt,
      (e) => isBrokerError(e, "CONFIG_INVALID") && e.message.startsWith(`config ${key}:`),
      `${key}=${JSON.stringify(value)}`,
    );
  }
});

test("every option's environment variable is documented in the README", () => {
  const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
  const undocumented = (Object.keys(brokerConfigDefaults) as (keyof typeof brokerConfigDefaults)[])
    .map(envNameOf)
    .filter((name) => !readme.includes(`\`${name}\``));
  assert.deepEqual(undocumented, []);
});
