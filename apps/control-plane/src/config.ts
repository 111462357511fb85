import { readFileSync } from "node:fs";
import { type Static, Type } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";

/** The control plane's configuration: one schema, defaults in one object. */
export const ConfigSchema = Type.Object(
  {
    /** postgres://… for PostgreSQL; "memory://" for in-memory PGlite; otherwise a PGlite folder. */
    databaseUrl: Type.String({ minLength: 1 }),
    /** PostgreSQL connections per replica (two are held for leadership and LISTEN). */
    databasePoolSize: Type.Integer({ minimum: 4, maximum: 1000 }),
    host: Type.String({ minLength: 1 }),
    port: Type.Integer({ minimum: 0, maximum: 65535 }),
    /** Largest accepted request body. */
    bodyLimitBytes: Type.Integer({ minimum: 1024 }),
    /** Requests per minute per token (or per IP when there is none). */
    rateLimitPerMinute: Type.Integer({ minimum: 1 }),
    /** Broker lease: a broker whose heartbeats stop for this long is fenced. */
    leaseMs: Type.Integer({ minimum: 100 }),
    /** How often the leader's controllers reconcile. */
    reconcileIntervalMs: Type.Integer({ minimum: 10 }),
    /**
     * For tests only, unset in production: `<operation type>:<step>` (e.g. `cluster.create:provision-resources`).
     * The controller runner stops for good right after that step's SUCCEEDED is written, before the next step
     * starts, so a test can kill or close the control plane at a known point of an operation and prove the next
     * one finishes it (controller-runner.ts). The API keeps serving; the runner never starts again in this process.
     */
    testHaltAfterStep: Type.Optional(Type.String({ pattern: "^[a-z][a-z.-]*:[a-z][a-z-]*$" })),
    /**
     * Spread partitions over new brokers on its own once the brokers were still this long (0: never; then
     * only `POST /v1/clusters/{id}/rebalance` moves partitions).
     */
    autoRebalanceSettleMs: Type.Integer({ minimum: 0 }),
    /** Partition moves in flight at once (source not closed yet) per broker (as source or target). */
    moveLimitPerBroker: Type.Integer({ minimum: 1 }),
    /** Partition moves in flight at once per topic. */
    moveLimitPerTopic: Type.Integer({ minimum: 1 }),
    /** Partition moves in flight at once in a cluster. */
    moveLimitPerCluster: Type.Integer({ minimum: 1 }),
    /**
     * A move's target that has not opened the partition this long after it was assigned it is fenced (a new
     * leader epoch) and the move rolled back: the partition goes back to its source, else another live broker.
     */
    moveOpenTimeoutMs: Type.Integer({ minimum: 100 }),
    /** How often automatic balancing plans a cluster whose brokers are settled (a cluster's spec may turn it off). */
    balancerIntervalMs: Type.Integer({ minimum: 100 }),
    /** A moved partition stays at least this long where it went (a cluster's spec may say otherwise). */
    balancerCooldownMs: Type.Integer({ minimum: 0 }),
    /** How long the partition moves of a finished operation are kept (then `GET /v1/operations/{id}` no longer lists them). */
    partitionMovesRetentionMs: Type.Integer({ minimum: 0 }),
    /** Each broker's sustained network capacity each way, bytes/s, where a cluster's spec does not say. */
    brokerNetworkBytesPerSec: Type.Integer({ minimum: 1 }),
    /** A broker below this load (bytes/s, each way) is within its band, where a cluster's spec does not say. */
    balancerUsageThresholdBytesPerSec: Type.Integer({ minimum: 0 }),
    /**
     * The local provider's folder: its brokers' folders, WAL volume files and state live under
     * `<dataDir>/cloud-local` (a relative path is taken from the working directory). Only clusters with
     * `provider: local` use it; one control plane per folder (the provider locks it).
     */
    dataDir: Type.String({ minLength: 1 }),
    /**
     * The control plane's URL as brokers reach it (http(s)://host:port, no path), given to every broker
     * at launch. Default: the address it listens on, which only brokers on this machine reach (local); set it
     * for brokers on aws or aliyun (a load balancer or the host's private address).
     */
    advertisedUrl: Type.Optional(Type.String({ pattern: "^https?://[^/]+$" })),
    /**
     * The broker bundle (tarball) aws/aliyun brokers on a stock image boot from, e.g. one built for arm64 with
     * `npm run build:broker-bundle -- --arch arm64 --node <arm64 node>`. Default: main.ts builds one at start for
     * this machine's architecture, cached under `<dataDir>/broker-bundles` by the content hash of its inputs.
     */
    brokerBundle: Type.Optional(Type.String({ minLength: 1 })),
    /**
     * How many built bundles `<dataDir>/broker-bundles` keeps (about 46 MB each, a new one per broker change):
     * the most recently used ones, and always the one this control plane serves.
     */
    brokerBundleCacheKeep: Type.Integer({ minimum: 1, maximum: 1000 }),
    /**
     * The AWS public certificates that verify instance identity signatures, as JSON {region: PEM} ("*": the
     * one most regions share), from AWS's "public certificates for instance identity document signatures"
     * (the RSA ones). Brokers on aws then need no credential in their user data. Also from `_FILE`.
     */
    awsInstanceIdentityCertificates: Type.Optional(Type.String({ minLength: 2 })),
    /**
     * The AWS account broker instances of aws clusters must run in (their signed sts:GetCallerIdentity must name
     * it). Default: the control plane's own account (its GetCallerIdentity, asked once).
     */
    awsBrokerAccountId: Type.Optional(Type.String({ pattern: "^[0-9]{12}$" })),
    /**
     * Where the control plane sends instances' signed sts:GetCallerIdentity requests (and its own). Default: the
     * cluster region's STS endpoint (https://sts.<region>.amazonaws.com/); set only to test against an emulator.
     */
    awsStsEndpoint: Type.Optional(Type.String({ pattern: "^https?://[^/?#]+/?$" })),
    /**
     * Alibaba Cloud's certificate that verifies instance identity PKCS#7 signatures (ECS user guide, "Use
     * instance identities"), as JSON {region: PEM} ("*": every region). Brokers on aliyun then need no
     * credential in their user data. Also from `_FILE`.
     */
    aliyunInstanceIdentityCertificates: Type.Optional(Type.String({ minLength: 2 })),
    /**
     * The web console's build folder (apps/console/dist: index.html and assets/), served at `/` with the
     * single-page app's fallback. Unset: `/` leads to the API docs. scripts/start.ts sets it.
     */
    consoleDir: Type.Optional(Type.String({ minLength: 1 })),
    /** How often live operation streams (`/v1/operations/events`) look for changed operations. */
    operationEventsIntervalMs: Type.Integer({ minimum: 50 }),
    /** How often a cluster's live stream (`/v1/clusters/{id}/events`) reads its brokers (one reader per cluster). */
    clusterEventsIntervalMs: Type.Integer({ minimum: 50 }),
    /** A comment line on every live stream at least this often, so proxies and clients see it is alive. */
    eventStreamHeartbeatMs: Type.Integer({ minimum: 100 }),
    /** Live streams one API token may hold open at once on a replica; beyond, 429 problem+json. */
    eventStreamsPerToken: Type.Integer({ minimum: 1 }),
    /** How often a live stream's token is read again: a revoked token's streams end within this. */
    eventStreamAuthCheckMs: Type.Integer({ minimum: 50 }),
    /**
     * The key (32 bytes, base64) that seals the secrets the control plane stores (its per-cluster Kafka super-user
     * credential...): see secrets/secret-keys.ts. Required with PostgreSQL; unset with the embedded database, a
     * key file is generated beside its folder. Also from `_FILE`.
     */
    secretsKey: Type.Optional(Type.String({ minLength: 1 })),
    /** Earlier keys (comma-separated): values they sealed still open and are re-sealed at start. Also `_FILE`. */
    secretsOldKeys: Type.Optional(Type.String({ minLength: 1 })),
    /** Create this admin token at first start instead of a random one (tests, automation). */
    bootstrapAdminToken: Type.Optional(Type.String({ minLength: 20 })),
    logLevel: Type.Union([
      Type.Literal("fatal"),
      Type.Literal("error"),
      Type.Literal("warn"),
      Type.Literal("info"),
      Type.Literal("debug"),
      Type.Literal("silent"),
    ]),
  },
  { additionalProperties: false },
);
export type Config = Static<typeof ConfigSchema>;

export const DEFAULT_CONFIG: Readonly<Config> = Object.freeze({
  databaseUrl: "./data/control-plane",
  databasePoolSize: 20,
  host: "127.0.0.1",
  port: 8080,
  bodyLimitBytes: 1024 * 1024,
  rateLimitPerMinute: 6000,
  leaseMs: 10_000,
  reconcileIntervalMs: 1_000,
  autoRebalanceSettleMs: 10_000,
  moveLimitPerBroker: 32,
  moveLimitPerTopic: 64,
  moveLimitPerCluster: 128,
  moveOpenTimeoutMs: 5_000,
  balancerIntervalMs: 5_000,
  balancerCooldownMs: 60_000,
  partitionMovesRetentionMs: 7 * 24 * 3600_000,
  brokerNetworkBytesPerSec: 125_000_000,
  balancerUsageThresholdBytesPerSec: 1_048_576,
  dataDir: "./data",
  operationEventsIntervalMs: 500,
  clusterEventsIntervalMs: 2_000,
  eventStreamHeartbeatMs: 15_000,
  eventStreamsPerToken: 8,
  eventStreamAuthCheckMs: 1_000,
  logLevel: "warn",
  brokerBundleCacheKeep: 3,
});

/** Environment variable of each option; secrets may also come from `<NAME>_FILE`. */
const ENV: Record<keyof Config, string> = {
  databaseUrl: "DATABASE_URL",
  databasePoolSize: "DATABASE_POOL_SIZE",
  host: "HOST",
  port: "PORT",
  bodyLimitBytes: "BODY_LIMIT_BYTES",
  rateLimitPerMinute: "RATE_LIMIT_PER_MINUTE",
  leaseMs: "BROKER_LEASE_MS",
  reconcileIntervalMs: "RECONCILE_INTERVAL_MS",
  testHaltAfterStep: "CIRRUS_TEST_HALT_AFTER_STEP",
  autoRebalanceSettleMs: "AUTO_REBALANCE_SETTLE_MS",
  moveLimitPerBroker: "MOVE_LIMIT_PER_BROKER",
  moveLimitPerTopic: "MOVE_LIMIT_PER_TOPIC",
  moveLimitPerCluster: "MOVE_LIMIT_PER_CLUSTER",
  moveOpenTimeoutMs: "MOVE_OPEN_TIMEOUT_MS",
  balancerIntervalMs: "BALANCER_INTERVAL_MS",
  balancerCooldownMs: "BALANCER_COOLDOWN_MS",
  partitionMovesRetentionMs: "PARTITION_MOVES_RETENTION_MS",
  brokerNetworkBytesPerSec: "BROKER_NETWORK_BYTES_PER_SEC",
  balancerUsageThresholdBytesPerSec: "BALANCER_USAGE_THRESHOLD_BYTES_PER_SEC",
  dataDir: "CIRRUS_DATA_DIR",
  advertisedUrl: "ADVERTISED_URL",
  brokerBundle: "CIRRUS_BROKER_BUNDLE",
  brokerBundleCacheKeep: "CIRRUS_BROKER_BUNDLE_CACHE_KEEP",
  awsInstanceIdentityCertificates: "AWS_INSTANCE_IDENTITY_CERTIFICATES",
  awsBrokerAccountId: "AWS_BROKER_ACCOUNT_ID",
  awsStsEndpoint: "AWS_STS_ENDPOINT",
  aliyunInstanceIdentityCertificates: "ALIYUN_INSTANCE_IDENTITY_CERTIFICATES",
  consoleDir: "CONSOLE_DIR",
  operationEventsIntervalMs: "OPERATION_EVENTS_INTERVAL_MS",
  clusterEventsIntervalMs: "CLUSTER_EVENTS_INTERVAL_MS",
  eventStreamHeartbeatMs: "EVENT_STREAM_HEARTBEAT_MS",
  eventStreamsPerToken: "EVENT_STREAMS_PER_TOKEN",
  eventStreamAuthCheckMs: "EVENT_STREAM_AUTH_CHECK_MS",
  secretsKey: "CIRRUS_SECRETS_KEY",
  secretsOldKeys: "CIRRUS_SECRETS_OLD_KEYS",
  bootstrapAdminToken: "BOOTSTRAP_ADMIN_TOKEN",
  logLevel: "LOG_LEVEL",
};

export class ConfigError extends Error {
  override readonly name = "ConfigError";
  readonly code = "INVALID_CONFIG";
  readonly retriable = false;
}

/** Defaults ← environment ← overrides, validated and frozen. Throws ConfigError naming the bad option. */
export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<Config> = {},
): Readonly<Config> {
  const raw: Record<string, unknown> = { ...DEFAULT_CONFIG };
  for (const [key, name] of Object.entries(ENV)) {
    const file = env[`${name}_FILE`];
    const value = file ? readFileSync(file, "utf8").trim() : env[name];
    if (value !== undefined && value !== "") raw[key] = value;
  }
  Object.assign(raw, overrides);
  const converted = Value.Convert(ConfigSchema, raw);
  const firstError = Value.Errors(ConfigSchema, converted).First();
  if (firstError) {
    const key = firstError.path.slice(1) as keyof Config;
    throw new ConfigError(`invalid config ${ENV[key] ?? key}: ${firstError.message}`);
  }
  return Object.freeze(converted as Config);
}
