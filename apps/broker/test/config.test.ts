import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
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
      (e) => isBrokerError(e, "CONFIG_INVALID") && e.message.startsWith(`config ${envNameOf(key)} (${key}):`),
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

/** One bad value per family of options: each stops the start with CONFIG_INVALID naming its variable. */
const badValueByFamily: { family: string; env: Record<string, string>; names: string }[] = [
  { family: "listeners", env: { CIRRUS_KAFKA_PORT: "70000" }, names: "CIRRUS_KAFKA_PORT" },
  { family: "connections", env: { CIRRUS_MAX_CONNECTIONS: "0" }, names: "CIRRUS_MAX_CONNECTIONS" },
  { family: "storage", env: { CIRRUS_WAL_CAPACITY_BYTES: "1000" }, names: "CIRRUS_WAL_CAPACITY_BYTES" },
  {
    family: "control plane",
    env: { CIRRUS_CONTROL_PLANE_URL: "ftp://cp" },
    names: "CIRRUS_CONTROL_PLANE_URL",
  },
  {
    family: "node identity (an STS endpoint with a path)",
    env: { CIRRUS_AWS_STS_ENDPOINT: "https://sts.example/vault" },
    names: "CIRRUS_AWS_STS_ENDPOINT",
  },
  { family: "topics", env: { CIRRUS_AUTO_CREATE_TOPICS: "yes" }, names: "CIRRUS_AUTO_CREATE_TOPICS" },
  { family: "fetch", env: { CIRRUS_MAX_FETCH_WAIT_MS: "-1" }, names: "CIRRUS_MAX_FETCH_WAIT_MS" },
  {
    family: "fetch sessions",
    env: { CIRRUS_FETCH_SESSION_CACHE_SLOTS: "lots" },
    names: "CIRRUS_FETCH_SESSION_CACHE_SLOTS",
  },
  { family: "checkpoints", env: { CIRRUS_CHECKPOINT_KEEP: "0" }, names: "CIRRUS_CHECKPOINT_KEEP" },
  { family: "groups", env: { CIRRUS_GROUP_MAX_SIZE: "many" }, names: "CIRRUS_GROUP_MAX_SIZE" },
  {
    family: "groups (contradicting limits)",
    env: { CIRRUS_GROUP_MIN_SESSION_TIMEOUT_MS: "9000", CIRRUS_GROUP_MAX_SESSION_TIMEOUT_MS: "8000" },
    names: "CIRRUS_GROUP_MIN_SESSION_TIMEOUT_MS",
  },
  {
    family: "offsets",
    env: { CIRRUS_OFFSETS_COMPACTION_MIN_SUPERSEDED_PERCENT: "100" },
    names: "CIRRUS_OFFSETS_COMPACTION_MIN_SUPERSEDED_PERCENT",
  },
  {
    family: "offsets topic",
    env: { CIRRUS_OFFSETS_TOPIC_PARTITIONS: "0" },
    names: "CIRRUS_OFFSETS_TOPIC_PARTITIONS",
  },
  {
    family: "SASL mechanisms",
    env: { CIRRUS_SASL_MECHANISMS: "BOGUS", CIRRUS_SASL_USERS: "alice:pw" },
    names: "CIRRUS_SASL_MECHANISMS",
  },
  {
    family: "SASL mechanisms without users",
    env: { CIRRUS_SASL_MECHANISMS: "PLAIN" },
    names: "CIRRUS_SASL_USERS",
  },
  {
    family: "SASL users",
    env: { CIRRUS_SASL_MECHANISMS: "PLAIN", CIRRUS_SASL_USERS: "alice:pw,nopassword" },
    names: "CIRRUS_SASL_USERS",
  },
  {
    family: "producers",
    env: { CIRRUS_PRODUCER_IDLE_EXPIRY_MS: "10" },
    names: "CIRRUS_PRODUCER_IDLE_EXPIRY_MS",
  },
  {
    family: "producers per partition",
    env: { CIRRUS_MAX_PRODUCERS_PER_PARTITION: "0" },
    names: "CIRRUS_MAX_PRODUCERS_PER_PARTITION",
  },
];

for (const { family, env, names } of badValueByFamily) {
  test(`${family}: a bad value is a start-up error naming ${names}`, () => {
    assert.throws(
      () => loadBrokerConfig({}, env),
      (e) => isBrokerError(e, "CONFIG_INVALID") && e.message.startsWith(`config ${names} (`),
    );
  });
}

test("SASL: mechanisms normalised, users from CIRRUS_SASL_USERS_FILE, never shown", () => {
  const dir = mkdtempSync(join(tmpdir(), "cirrus-config-"));
  try {
    const file = join(dir, "users");
    writeFileSync(file, "alice:a:b\nbob:pw\n");
    const config = loadBrokerConfig(
      {},
      { CIRRUS_SASL_MECHANISMS: "plain, scram-sha-256,PLAIN", CIRRUS_SASL_USERS_FILE: file },
    );
    assert.deepEqual(config.saslMechanisms, ["PLAIN", "SCRAM-SHA-256"]);
    assert.deepEqual(Object.fromEntries(config.saslUsers), { alice: "a:b", bob: "pw" });
    assert.ok(Object.isFrozen(config.saslMechanisms));
    assert.equal(describeConfig(config).saslUsers, "***");
    assert.ok(!JSON.stringify(describeConfig(config)).includes("pw"));
    // The variable itself wins over the file; a bad entry's error does not echo the secret.
    const direct = loadBrokerConfig({}, { CIRRUS_SASL_USERS: "carol:c", CIRRUS_SASL_USERS_FILE: file });
    assert.deepEqual([...direct.saslUsers.keys()], ["carol"]);
    assert.throws(
      () => loadBrokerConfig({}, { CIRRUS_SASL_USERS: "s3cret-without-user" }),
      (e) => isBrokerError(e, "CONFIG_INVALID") && !e.message.includes("s3cret"),
    );
    assert.throws(
      () => loadBrokerConfig({}, { CIRRUS_SASL_USERS_FILE: join(dir, "missing") }),
      (e) =>
        isBrokerError(e, "CONFIG_INVALID") &&
        e.message.startsWith("config CIRRUS_SASL_USERS_FILE (saslUsers)"),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("groups, offsets and producers: defaults and environment values", () => {
  const defaults = loadBrokerConfig({}, {});
  assert.equal(defaults.groupInitialRebalanceDelayMs, 3_000);
  assert.equal(defaults.offsetsTopicPartitions, 16);
  assert.equal(defaults.producerIdleExpiryMs, 86_400_000);
  assert.equal(defaults.maxProducersPerPartition, 100_000);
  const config = loadBrokerConfig(
    { maxProducersPerPartition: 7 },
    {
      CIRRUS_GROUP_INITIAL_REBALANCE_DELAY_MS: "0",
      CIRRUS_PRODUCER_IDLE_EXPIRY_MS: "60000",
      CIRRUS_MAX_PRODUCERS_PER_PARTITION: "5",
    },
  );
  assert.equal(config.groupInitialRebalanceDelayMs, 0);
  assert.equal(config.producerIdleExpiryMs, 60_000);
  assert.equal(config.maxProducersPerPartition, 7, "an override wins over the environment");
});

test("a bad option stops the broker process at start, before it listens, naming the variable", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "cirrus-config-"));
  try {
    const run = spawnSync(process.execPath, [new URL("../src/main.ts", import.meta.url).pathname], {
      env: {
        ...process.env,
        CIRRUS_SASL_MECHANISMS: "BOGUS",
        CIRRUS_SASL_USERS: "alice:pw",
        CIRRUS_KAFKA_PORT: "0",
        CIRRUS_ADMIN_PORT: "0",
        CIRRUS_DATA_DIR: dataDir,
        CIRRUS_CONTROL_PLANE_URL: "http://127.0.0.1:9",
      },
      encoding: "utf8",
      timeout: 20_000,
    });
    assert.equal(run.status, 1, run.stderr);
    assert.match(
      run.stderr,
      /failed to start: .*config CIRRUS_SASL_MECHANISMS \(saslMechanisms\): BOGUS is not one of/,
    );
    assert.doesNotMatch(run.stdout, /bootstrap:/);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
