// One schema for the broker's configuration, every option of the app (listeners, storage, control plane,
// fetch sessions, checkpoints, consumer groups and offsets, SASL, idempotent producers): defaults in one
// object, every option settable by an environment variable (CIRRUS_<UPPER_SNAKE>), secrets also from
// <NAME>_FILE, validated and frozen at start-up. Nothing else in the broker reads the environment.
import { hostname } from "node:os";
import { join } from "node:path";
import { configError, envNameOf, type OptionSpec, parseValue, readEnv } from "./config-values.ts";
import { BrokerError, BrokerErrorCode } from "./errors.ts";
import { NodeIdentityProviders } from "./node-identity/node-identity.ts";

export { envNameOf } from "./config-values.ts";

export interface BrokerConfig {
  /** Stable id of the machine/process; the control plane maps it to a broker id. */
  readonly instanceId: string;
  readonly zone: string;
  readonly clusterId: string;
  /** Address the Kafka listener binds to. */
  readonly kafkaHost: string;
  /** 0 picks an ephemeral port (tests). */
  readonly kafkaPort: number;
  /** Host clients are told to connect to (Metadata); defaults to kafkaHost unless that is a wildcard. */
  readonly advertisedHost: string;
  /** Port clients are told to connect to; 0 means "the port actually bound". */
  readonly advertisedPort: number;
  readonly adminHost: string;
  readonly adminPort: number;
  readonly dataDir: string;
  /** WAL block volume (a file or device path); empty means `<dataDir>/wal`. */
  readonly volumePath: string;
  /** The provider's id of the WAL volume (sent at registration so failover can attach it elsewhere). */
  readonly volumeId: string;
  /** Size of the WAL file created at volumePath (fixed for the life of the file). */
  readonly walCapacityBytes: number;
  /**
   * Where the broker learns who it is (node-identity/): `local` (this config), `aws` (IMDSv2) or `aliyun`
   * (ECS metadata). On a cloud the metadata service names the instance, zone and advertised address, and the
   * WAL volume `volumeId` is found among the block devices under `volumeByIdRoot`.
   */
  readonly nodeIdentity: "local" | "aws" | "aliyun";
  /** The metadata service's base URL; empty: the cloud's own (169.254.169.254 / 100.100.100.200). */
  readonly metadataUrl: string;
  /**
   * aws: the only STS endpoint the broker signs its proof of identity for besides its own region's
   * (https://sts.<region>.amazonaws.com/); empty in production, an emulator's origin in tests. The broker refuses a
   * challenge naming any other: the signed request vouches for its instance role wherever it is presented.
   */
  readonly awsStsEndpoint: string;
  /** Folder of the machine's block devices by id (a folder of symlinks to block files in emulated instances). */
  readonly volumeByIdRoot: string;
  /** How long a starting broker waits for its WAL volume to appear under volumeByIdRoot. */
  readonly volumeAttachWaitMs: number;
  /** Period of the interruption-notice poll on a cloud (spot reclaim, rebalance recommendation). */
  readonly interruptionPollMs: number;
  readonly controlPlaneUrl: string;
  readonly brokerToken: string;
  /** Object store URI (file://, s3://, mem://); empty means `file://<dataDir>/objects`. */
  readonly objectStore: string;
  readonly autoCreateTopics: boolean;
  readonly defaultPartitions: number;
  /** Largest request frame accepted; a bigger declared size closes the connection (Kafka: socket.request.max.bytes). */
  readonly maxFrameBytes: number;
  /** Request bytes a connection may have in flight before the broker stops reading from it. */
  readonly maxInflightBytesPerConnection: number;
  readonly maxConnections: number;
  /** A connection with no traffic for this long is closed (Kafka: connections.max.idle.ms). */
  readonly idleConnectionMs: number;
  /** Longest fetch long poll the broker honours, whatever the client asks. */
  readonly maxFetchWaitMs: number;
  /** Most partitions one DescribeTopicPartitions answer holds, whatever the client asks (Kafka: max.request.partition.size.limit). */
  readonly maxRequestPartitionSizeLimit: number;
  /** Bound on a graceful shutdown; past it the process exits anyway (the WAL keeps acked data). */
  readonly shutdownTimeoutMs: number;
  /** Fetch sessions (KIP-227) the broker keeps; 0 disables them (Kafka: max.incremental.fetch.session.cache.slots). */
  readonly fetchSessionCacheSlots: number;
  /**
   * A fetch session younger than this is never evicted for a new one; unused this long it may be
   * (Kafka: min.incremental.fetch.session.eviction.ms).
   */
  readonly fetchSessionEvictionMs: number;
  /** A fetch session unused this long is dropped even when the cache has room. */
  readonly fetchSessionIdleExpiryMs: number;
  /** Partitions cached over all fetch sessions (a memory bound; past it sessions are refused or closed). */
  readonly fetchSessionMaxCachedPartitions: number;
  /** A partition checkpoint is written once this many payload bytes were appended since the last one... */
  readonly checkpointEveryBytes: number;
  /** ...or once this much time passed since the last one, if anything was appended. */
  readonly checkpointEveryMs: number;
  /** Appended bytes per time-index granule: ListOffsets by timestamp reads about one granule. */
  readonly checkpointGranuleBytes: number;
  /** Checkpoints kept per partition (older ones are deleted after each write). */
  readonly checkpointKeep: number;
  /** Kafka's group.min.session.timeout.ms. */
  readonly groupMinSessionTimeoutMs: number;
  /** Kafka's group.max.session.timeout.ms. */
  readonly groupMaxSessionTimeoutMs: number;
  /** Kafka's group.initial.rebalance.delay.ms: an Empty group waits this long for more members. */
  readonly groupInitialRebalanceDelayMs: number;
  /** Kafka's group.max.size. */
  readonly groupMaxSize: number;
  /** How long a new member may wait in a rebalance before it is dropped (Kafka: 5 minutes). */
  readonly groupNewMemberJoinTimeoutMs: number;
  /** Kafka's offset.metadata.max.bytes. */
  readonly offsetMetadataMaxBytes: number;
  /** Kafka's offsets.retention.ms: an Empty group idle this long loses its offsets and metadata. */
  readonly offsetsRetentionMs: number;
  /** Kafka's offsets.retention.check.interval.ms. */
  readonly offsetsRetentionCheckIntervalMs: number;
  /**
   * How often the partitions this broker leads apply their topics' retention.ms / retention.bytes (Kafka:
   * log.retention.check.interval.ms).
   */
  readonly logRetentionCheckIntervalMs: number;
  /**
   * How often s3stream's object compactor runs on this broker: it merges this broker's stream set objects and
   * the small stream objects of the streams it has open, and (on the broker the control plane names
   * controller only) deletes objects left unreferenced by retention, DeleteRecords, compaction or topic
   * deletion.
   */
  readonly objectCompactionIntervalMs: number;
  /** Bytes per second the object compactor may read plus write. */
  readonly objectCompactionBytesPerSecond: number;
  /**
   * An unreferenced object's bytes are deleted only after this long (Kafka: file.delete.delay.ms), so that a
   * read that looked up the object index before the object left it still finds the bytes.
   */
  readonly objectDeleteGracePeriodMs: number;
  /**
   * How often the log cleaner looks at the partitions this broker leads whose topic's cleanup.policy includes
   * compact (Kafka: log.cleaner.backoff.ms).
   */
  readonly logCleanerBackoffMs: number;
  /** Most distinct keys one clean pass maps (Kafka's log.cleaner.dedupe.buffer.size, counted in keys). */
  readonly logCleanerMaxKeysPerPass: number;
  /** Offsets-log compaction: never for a stream holding fewer records than this since its start. */
  readonly offsetsCompactionMinRecords: number;
  /** Offsets-log compaction: once this share (percent) of the records since the start is superseded. */
  readonly offsetsCompactionMinSupersededPercent: number;
  /** Offsets-log compaction: records copied per batch (and per event-loop turn). */
  readonly offsetsCompactionBatchRecords: number;
  /** Partitions of __consumer_offsets when this broker has to create it (fixed afterwards). */
  readonly offsetsTopicPartitions: number;
  /** SASL mechanisms offered (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512); empty: no authentication. */
  readonly saslMechanisms: readonly string[];
  /** SASL users, user → password (secret: also from CIRRUS_SASL_USERS_FILE). */
  readonly saslUsers: ReadonlyMap<string, string>;
  /**
   * Kafka's ACL authorizer on this broker: every request is checked against the cluster's ACLs (kept by the
   * control plane), super users and allowEveryoneIfNoAclFound. Off: every authenticated client may do anything.
   */
  readonly authorizerEnabled: boolean;
  /** Kafka's `super.users`: principals (`User:<name>`) allowed everything, whatever the ACLs say. */
  readonly superUsers: readonly string[];
  /** Kafka's `allow.everyone.if.no.acl.found`: a resource no ACL names is open to everyone. */
  readonly allowEveryoneIfNoAclFound: boolean;
  /** How often the cluster's ACLs and SCRAM credentials are read again from the control plane. */
  readonly securityRefreshMs: number;
  /** An idempotent producer silent this long is forgotten by a partition (Kafka: producer.id.expiration.ms). */
  readonly producerIdleExpiryMs: number;
  /** Partitions of __transaction_state when this broker has to create it (fixed afterwards). */
  readonly transactionStateTopicPartitions: number;
  /** The longest transaction timeout a producer may ask for (Kafka: transaction.max.timeout.ms). */
  readonly transactionMaxTimeoutMs: number;
  /** A transactional id unused this long is forgotten (Kafka: transactional.id.expiration.ms). */
  readonly transactionalIdExpirationMs: number;
  /** Producers remembered per partition; the longest idle are forgotten first. */
  readonly maxProducersPerPartition: number;
}

export const brokerConfigDefaults: BrokerConfig = Object.freeze({
  instanceId: `${hostname()}-${process.pid}`,
  zone: "local",
  clusterId: "local",
  kafkaHost: "0.0.0.0",
  kafkaPort: 9092,
  advertisedHost: "",
  advertisedPort: 0,
  adminHost: "0.0.0.0",
  adminPort: 9644,
  dataDir: "./data/broker",
  volumePath: "",
  volumeId: "",
  walCapacityBytes: 512 * 1024 * 1024,
  nodeIdentity: "local",
  metadataUrl: "",
  awsStsEndpoint: "",
  volumeByIdRoot: "/dev/disk/by-id",
  volumeAttachWaitMs: 120_000,
  interruptionPollMs: 5_000,
  controlPlaneUrl: "http://127.0.0.1:8080",
  brokerToken: "",
  objectStore: "",
  autoCreateTopics: true,
  defaultPartitions: 1,
  maxFrameBytes: 100 * 1024 * 1024,
  maxInflightBytesPerConnection: 64 * 1024 * 1024,
  maxConnections: 20_000,
  idleConnectionMs: 600_000,
  maxFetchWaitMs: 30_000,
  maxRequestPartitionSizeLimit: 2000,
  shutdownTimeoutMs: 10_000,
  fetchSessionCacheSlots: 1000,
  fetchSessionEvictionMs: 120_000,
  fetchSessionIdleExpiryMs: 300_000,
  fetchSessionMaxCachedPartitions: 1_000_000,
  checkpointEveryBytes: 64 * 1024 * 1024,
  checkpointEveryMs: 60_000,
  checkpointGranuleBytes: 1024 * 1024,
  checkpointKeep: 2,
  groupMinSessionTimeoutMs: 6_000,
  groupMaxSessionTimeoutMs: 1_800_000,
  groupInitialRebalanceDelayMs: 3_000,
  groupMaxSize: 1_000,
  groupNewMemberJoinTimeoutMs: 300_000,
  offsetMetadataMaxBytes: 4_096,
  offsetsRetentionMs: 7 * 86_400_000,
  offsetsRetentionCheckIntervalMs: 600_000,
  logRetentionCheckIntervalMs: 300_000,
  objectCompactionIntervalMs: 300_000,
  objectCompactionBytesPerSecond: 64 * 1024 * 1024,
  objectDeleteGracePeriodMs: 60_000,
  logCleanerBackoffMs: 15_000,
  logCleanerMaxKeysPerPass: 1_000_000,
  offsetsCompactionMinRecords: 10_000,
  offsetsCompactionMinSupersededPercent: 50,
  offsetsCompactionBatchRecords: 1_000,
  offsetsTopicPartitions: 16,
  saslMechanisms: Object.freeze([]),
  saslUsers: new Map<string, string>(),
  authorizerEnabled: false,
  superUsers: Object.freeze([]),
  allowEveryoneIfNoAclFound: false,
  securityRefreshMs: 2_000,
  producerIdleExpiryMs: 86_400_000,
  maxProducersPerPartition: 100_000,
  transactionStateTopicPartitions: 16,
  transactionMaxTimeoutMs: 900_000,
  transactionalIdExpirationMs: 7 * 86_400_000,
});

const port = { kind: "int", min: 0, max: 65535 } as const;
const DAY_MS = 86_400_000;
const MiB = 1024 * 1024;
const schema: { readonly [K in keyof BrokerConfig]: OptionSpec } = {
  instanceId: { kind: "string" },
  zone: { kind: "string" },
  clusterId: { kind: "string" },
  kafkaHost: { kind: "string" },
  kafkaPort: port,
  advertisedHost: { kind: "string" },
  advertisedPort: port,
  adminHost: { kind: "string" },
  adminPort: port,
  dataDir: { kind: "string" },
  volumePath: { kind: "string" },
  volumeId: { kind: "string" },
  walCapacityBytes: { kind: "int", min: 1024 * 1024 },
  nodeIdentity: { kind: "string" },
  metadataUrl: { kind: "string" },
  awsStsEndpoint: { kind: "string" },
  volumeByIdRoot: { kind: "string" },
  volumeAttachWaitMs: { kind: "int", min: 0, max: DAY_MS },
  interruptionPollMs: { kind: "int", min: 100, max: 600_000 },
  controlPlaneUrl: { kind: "string" },
  brokerToken: { kind: "string", secret: true },
  objectStore: { kind: "string" },
  autoCreateTopics: { kind: "bool" },
  defaultPartitions: { kind: "int", min: 1, max: 10_000 },
  maxFrameBytes: { kind: "int", min: 1024, max: 2 ** 31 - 1 },
  maxInflightBytesPerConnection: { kind: "int", min: 1024 },
  maxConnections: { kind: "int", min: 1 },
  idleConnectionMs: { kind: "int", min: 100 },
  maxFetchWaitMs: { kind: "int", min: 0 },
  maxRequestPartitionSizeLimit: { kind: "int", min: 1, max: 1_000_000 },
  shutdownTimeoutMs: { kind: "int", min: 100 },
  fetchSessionCacheSlots: { kind: "int", min: 0, max: 1_000_000 },
  fetchSessionEvictionMs: { kind: "int", min: 0, max: DAY_MS },
  fetchSessionIdleExpiryMs: { kind: "int", min: 1_000, max: DAY_MS },
  fetchSessionMaxCachedPartitions: { kind: "int", min: 1, max: 100_000_000 },
  // Below ~1 MiB checkpoints would cost more object-store writes than the replay they save.
  checkpointEveryBytes: { kind: "int", min: MiB, max: 64 * 1024 * MiB },
  checkpointEveryMs: { kind: "int", min: 1_000, max: DAY_MS },
  // The index holds one granule per granuleBytes of log: too small and it (and every checkpoint) grows large.
  checkpointGranuleBytes: { kind: "int", min: 64 * 1024, max: 1024 * MiB },
  checkpointKeep: { kind: "int", min: 1, max: 100 },
  groupMinSessionTimeoutMs: { kind: "int", min: 1, max: DAY_MS },
  groupMaxSessionTimeoutMs: { kind: "int", min: 1, max: DAY_MS },
  groupInitialRebalanceDelayMs: { kind: "int", min: 0, max: 600_000 },
  groupMaxSize: { kind: "int", min: 1, max: 1_000_000 },
  groupNewMemberJoinTimeoutMs: { kind: "int", min: 1, max: DAY_MS },
  offsetMetadataMaxBytes: { kind: "int", min: 0, max: MiB },
  offsetsRetentionMs: { kind: "int", min: 1, max: 365 * DAY_MS },
  offsetsRetentionCheckIntervalMs: { kind: "int", min: 1_000, max: DAY_MS },
  logRetentionCheckIntervalMs: { kind: "int", min: 100, max: DAY_MS },
  objectCompactionIntervalMs: { kind: "int", min: 100, max: DAY_MS },
  objectCompactionBytesPerSecond: { kind: "int", min: 64 * 1024, max: 2 ** 40 },
  objectDeleteGracePeriodMs: { kind: "int", min: 0, max: DAY_MS },
  logCleanerBackoffMs: { kind: "int", min: 100, max: DAY_MS },
  logCleanerMaxKeysPerPass: { kind: "int", min: 1_000, max: 100_000_000 },
  offsetsCompactionMinRecords: { kind: "int", min: 1, max: 1_000_000_000 },
  offsetsCompactionMinSupersededPercent: { kind: "int", min: 1, max: 99 },
  offsetsCompactionBatchRecords: { kind: "int", min: 1, max: 100_000 },
  offsetsTopicPartitions: { kind: "int", min: 1, max: 1_000 },
  saslMechanisms: { kind: "list", allowed: ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] },
  saslUsers: { kind: "users", secret: true },
  authorizerEnabled: { kind: "bool" },
  superUsers: { kind: "principals" },
  allowEveryoneIfNoAclFound: { kind: "bool" },
  securityRefreshMs: { kind: "int", min: 100, max: 600_000 },
  producerIdleExpiryMs: { kind: "int", min: 1_000, max: 365 * DAY_MS },
  maxProducersPerPartition: { kind: "int", min: 1, max: 10_000_000 },
  transactionStateTopicPartitions: { kind: "int", min: 1, max: 1_000 },
  transactionMaxTimeoutMs: { kind: "int", min: 1_000, max: DAY_MS },
  transactionalIdExpirationMs: { kind: "int", min: 1_000, max: 365 * DAY_MS },
};

/**
 * Builds the frozen config: defaults, then environment variables, then `overrides` (what a caller of
 * `startBroker` passes; an option given there is not read from the environment). Unknown override keys,
 * invalid values and contradicting options throw CONFIG_INVALID naming the environment variable.
 */
export function loadBrokerConfig(
  overrides: Partial<BrokerConfig> = {},
  env: NodeJS.ProcessEnv = process.env,
): BrokerConfig {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(schema) as (keyof BrokerConfig)[]) {
    const spec = schema[key];
    const raw = overrides[key] ?? readEnv(key, spec, env) ?? brokerConfigDefaults[key];
    out[key] = parseValue(key, spec, raw);
  }
  for (const key of Object.keys(overrides)) {
    if (!(key in schema))
      throw new BrokerError(BrokerErrorCode.CONFIG_INVALID, `config: unknown option ${key}`);
  }
  const config = out as unknown as { -readonly [K in keyof BrokerConfig]: BrokerConfig[K] };
  if (!(NodeIdentityProviders as readonly string[]).includes(config.nodeIdentity)) {
    throw configError(
      "nodeIdentity",
      `${JSON.stringify(config.nodeIdentity)} is not one of ${NodeIdentityProviders.join(", ")}`,
    );
  }
  const onCloud = config.nodeIdentity !== "local";
  if (config.metadataUrl !== "" && !/^https?:\/\//.test(config.metadataUrl)) {
    throw configError("metadataUrl", `expected an http(s) URL (got ${JSON.stringify(config.metadataUrl)})`);
  }
  if (config.awsStsEndpoint !== "" && !/^https?:\/\/[^/?#]+\/?$/.test(config.awsStsEndpoint)) {
    throw configError(
      "awsStsEndpoint",
      `expected an http(s) origin such as https://sts.example:4566 (got ${JSON.stringify(config.awsStsEndpoint)})`,
    );
  }
  // On a cloud the WAL is the volume found by its id (the configured one, else the one the control plane
  // attached for the instance: node-identity/resolve-node.ts), unless a path is given; never the root disk.
  if (config.volumePath === "" && !onCloud) {
    config.volumePath = join(config.dataDir, "wal");
  }
  if (config.objectStore === "") config.objectStore = `file://${join(config.dataDir, "objects")}`;
  // On a cloud an empty advertisedHost means "the instance's private address" (node-identity/).
  if (config.advertisedHost === "" && !onCloud) {
    config.advertisedHost =
      config.kafkaHost === "0.0.0.0" || config.kafkaHost === "::" ? "127.0.0.1" : config.kafkaHost;
  }
  if (!/^https?:\/\//.test(config.controlPlaneUrl)) {
    throw configError(
      "controlPlaneUrl",
      `expected an http(s) URL (got ${JSON.stringify(config.controlPlaneUrl)})`,
    );
  }
  // SCRAM users may all live in the cluster (AlterUserScramCredentials); PLAIN knows only the configured ones.
  const scramOffered = config.saslMechanisms.some((m) => m.startsWith("SCRAM-"));
  if (config.saslMechanisms.length > 0 && !scramOffered && config.saslUsers.size === 0) {
    throw configError("saslUsers", `${envNameOf("saslMechanisms")} is set but there are no users`);
  }
  if (config.groupMinSessionTimeoutMs > config.groupMaxSessionTimeoutMs) {
    throw configError(
      "groupMinSessionTimeoutMs",
      `is above ${envNameOf("groupMaxSessionTimeoutMs")} (${config.groupMaxSessionTimeoutMs})`,
    );
  }
  return Object.freeze(config);
}

/** The config with secrets masked, for start-up logs. */
export function describeConfig(config: BrokerConfig): Record<string, unknown> {
  const out: Record<string, unknown> = { ...config };
  for (const key of Object.keys(schema) as (keyof BrokerConfig)[]) {
    const spec = schema[key];
    const empty = out[key] === "" || (out[key] instanceof Map && out[key].size === 0);
    if ("secret" in spec && spec.secret && !empty) out[key] = "***";
  }
  return out;
}
