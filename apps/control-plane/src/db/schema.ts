// The whole database schema, in one place. drizzle-kit generates migrations/ from this file
// (`npm run db:generate` in apps/control-plane); start-up applies them.
// Ids, offsets and epochs are bigint columns read as JS numbers (safe integers: 2^53 is far away).
import { sql } from "drizzle-orm";
import {
  bigint,
  bigserial,
  boolean,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgSequence,
  pgTable,
  primaryKey,
  text,
  uniqueIndex,
} from "drizzle-orm/pg-core";

const big = (name: string) => bigint(name, { mode: "number" });
/** Times are ms since the Unix epoch: one clock format for leases, JSON and comparisons. */
const millis = (name: string) => bigint(name, { mode: "number" });

export const clusters = pgTable("clusters", {
  id: text("id").primaryKey(),
  name: text("name").notNull().unique(),
  /** The desired state as the user wrote it (ClusterSpec in the API). */
  spec: jsonb("spec").notNull(),
  state: text("state").notNull(),
  conditions: jsonb("conditions").notNull().default(sql`'[]'::jsonb`),
  /** Optimistic concurrency: every update must name the version it read. */
  version: integer("version").notNull().default(1),
  deletionProtection: boolean("deletion_protection").notNull().default(true),
  /** SHA-256 of the cluster's broker credential (internal API). */
  brokerTokenHash: text("broker_token_hash").notNull().unique(),
  bootstrap: text("bootstrap"),
  /** Grows on every change of brokers/topics/partitions: brokers cache metadata by it. */
  metadataVersion: big("metadata_version").notNull().default(0),
  createdAt: millis("created_at").notNull(),
  updatedAt: millis("updated_at").notNull(),
});

/**
 * Per-instance broker credentials, issued to a cloud instance that proved who it is with the identity its cloud
 * signed (auth/instance-identity.ts): no secret travels in user data. Bound to the instance: a broker using it
 * registers as that instance only. A new proof from the same instance replaces it.
 */
export const instanceCredentials = pgTable(
  "instance_credentials",
  {
    clusterId: text("cluster_id")
      .notNull()
      .references(() => clusters.id, { onDelete: "cascade" }),
    instanceId: text("instance_id").notNull(),
    /** SHA-256 of the credential. */
    tokenHash: text("token_hash").notNull().unique(),
    issuedAt: millis("issued_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.clusterId, t.instanceId] })],
);

/**
 * Challenges a cloud instance signs into its identity proof (aliyun: the `audience` of its PKCS#7 signature),
 * so that a proof is good once, for this control plane and cluster, and only until `expiresAt`
 * (services/instance-challenges.ts). Only the nonce's SHA-256 is kept. `usedAt` is set by the one proof that
 * spends it; expired rows are deleted when new challenges are issued.
 */
export const instanceChallenges = pgTable("instance_challenges", {
  nonceHash: text("nonce_hash").primaryKey(),
  clusterId: text("cluster_id")
    .notNull()
    .references(() => clusters.id, { onDelete: "cascade" }),
  expiresAt: millis("expires_at").notNull(),
  usedAt: millis("used_at"),
});

export const brokers = pgTable(
  "brokers",
  {
    clusterId: text("cluster_id")
      .notNull()
      .references(() => clusters.id, { onDelete: "cascade" }),
    brokerId: integer("broker_id").notNull(),
    instanceId: text("instance_id").notNull(),
    zone: text("zone").notNull(),
    host: text("host").notNull(),
    port: integer("port").notNull(),
    volumeId: text("volume_id"),
    /** The broker's admin HTTP port (Prometheus /metrics, health), as it registered; null if it did not say. */
    adminPort: integer("admin_port"),
    spot: boolean("spot").notNull().default(false),
    /** The instance type as the provider lists the broker's instance (the balancer's capacity); null: not yet known. */
    instanceType: text("instance_type"),
    epoch: big("epoch").notNull(),
    state: text("state").notNull(),
    leaseUntil: millis("lease_until").notNull(),
    assignmentVersion: big("assignment_version").notNull().default(0),
    bytesInPerSec: doublePrecision("bytes_in_per_sec").notNull().default(0),
    bytesOutPerSec: doublePrecision("bytes_out_per_sec").notNull().default(0),
    registeredAt: millis("registered_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.clusterId, t.brokerId] }), uniqueIndex().on(t.clusterId, t.instanceId)],
);

export const topics = pgTable(
  "topics",
  {
    id: text("id").primaryKey(),
    clusterId: text("cluster_id")
      .notNull()
      .references(() => clusters.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    configs: jsonb("configs").notNull().default(sql`'{}'::jsonb`),
    createdAt: millis("created_at").notNull(),
  },
  (t) => [uniqueIndex().on(t.clusterId, t.name)],
);

export const partitions = pgTable(
  "partitions",
  {
    topicId: text("topic_id")
      .notNull()
      .references(() => topics.id, { onDelete: "cascade" }),
    partition: integer("partition").notNull(),
    clusterId: text("cluster_id").notNull(),
    streamId: big("stream_id").notNull(),
    /** -1: no leader (unassigned, or its broker was fenced and recovery has not finished). */
    leaderBrokerId: integer("leader_broker_id").notNull().default(-1),
    leaderEpoch: big("leader_epoch").notNull().default(0),
    /**
     * A move in progress: the previous leader, which must upload its tail and close the stream before
     * a new leader is assigned (-1: none). Moving copies no data, and never fences unflushed writes.
     */
    closingBrokerId: integer("closing_broker_id").notNull().default(-1),
    /**
     * The broker a planned move goes to (-1: none, the least loaded ACTIVE broker is chosen). Honoured when
     * the partition is next assigned, if that broker is still ACTIVE; cleared once it is assigned.
     */
    targetBrokerId: integer("target_broker_id").notNull().default(-1),
  },
  (t) => [
    primaryKey({ columns: [t.topicId, t.partition] }),
    index().on(t.clusterId, t.leaderBrokerId),
    // A stream's open reads its partition's leader epoch (the fence of DbObjectManager.openStream).
    index().on(t.streamId),
  ],
);

export const streams = pgTable(
  "streams",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    clusterId: text("cluster_id").notNull(),
    epoch: big("epoch").notNull().default(0),
    startOffset: big("start_offset").notNull().default(0),
    endOffset: big("end_offset").notNull().default(0),
    state: text("state").notNull().default("CLOSED"),
    nodeId: integer("node_id").notNull().default(-1),
    tags: jsonb("tags").notNull().default(sql`'{}'::jsonb`),
    deleted: boolean("deleted").notNull().default(false),
  },
  (t) => [index().on(t.clusterId, t.nodeId, t.state)],
);

/** Every object id ever handed out: PREPARED → COMMITTED → UNREFERENCED → (forgotten: row deleted). */
export const objects = pgTable(
  "objects",
  {
    id: big("id").primaryKey(),
    clusterId: text("cluster_id").notNull(),
    state: text("state").notNull(),
    type: text("type"),
    objectSize: big("object_size").notNull().default(0),
    nodeId: integer("node_id").notNull().default(-1),
    orderId: big("order_id").notNull().default(0),
    preparedUntil: millis("prepared_until").notNull(),
    committedAt: millis("committed_at").notNull().default(0),
    unreferencedSince: millis("unreferenced_since"),
  },
  (t) => [index().on(t.clusterId, t.state, t.nodeId), index().on(t.state, t.unreferencedSince)],
);

/** The object index: where each stream's offsets lie. Half-open [start_offset, end_offset). */
export const objectRanges = pgTable(
  "object_ranges",
  {
    streamId: big("stream_id").notNull(),
    objectId: big("object_id").notNull(),
    streamEpoch: big("stream_epoch").notNull(),
    startOffset: big("start_offset").notNull(),
    endOffset: big("end_offset").notNull(),
    position: big("position").notNull(),
    length: big("length").notNull(),
  },
  (t) => [primaryKey({ columns: [t.streamId, t.startOffset, t.objectId] }), index().on(t.objectId)],
);

/** Commit order of stream set objects: a sequence, so concurrent commits never wait on each other for it. */
export const objectOrderSeq = pgSequence("object_order_seq", { startWith: 0, minValue: 0 });

/** Single-row counters handed out in blocks (consecutive object ids). */
export const counters = pgTable("counters", {
  name: text("name").primaryKey(),
  next: big("next").notNull(),
});

export const volumes = pgTable("volumes", {
  id: text("id").primaryKey(),
  clusterId: text("cluster_id")
    .notNull()
    .references(() => clusters.id, { onDelete: "cascade" }),
  zone: text("zone").notNull(),
  sizeGiB: integer("size_gib").notNull(),
  /** The broker whose WAL it holds; -1 when detached. */
  ownerBrokerId: integer("owner_broker_id").notNull().default(-1),
  ownerEpoch: big("owner_epoch").notNull().default(0),
  /** A broker asked to replay it (failover), -1 when none. */
  recoveringBrokerId: integer("recovering_broker_id").notNull().default(-1),
  state: text("state").notNull(),
  /**
   * The instance the provisioner created and attached it for: the control plane's own record of whose WAL
   * it is, which failover goes by (never by what a broker reports). Null for rows from before it was kept.
   */
  instanceId: text("instance_id"),
});

export const operations = pgTable(
  "operations",
  {
    id: text("id").primaryKey(),
    clusterId: text("cluster_id"),
    type: text("type").notNull(),
    status: text("status").notNull(),
    input: jsonb("input").notNull().default(sql`'{}'::jsonb`),
    steps: jsonb("steps").notNull().default(sql`'[]'::jsonb`),
    progress: doublePrecision("progress").notNull().default(0),
    error: jsonb("error"),
    attempts: integer("attempts").notNull().default(0),
    createdBy: text("created_by"),
    createdAt: millis("created_at").notNull(),
    updatedAt: millis("updated_at").notNull(),
    finishedAt: millis("finished_at"),
  },
  (t) => [
    index().on(t.status, t.type),
    index().on(t.clusterId, t.createdAt),
    // The operation feed's "changed since its last look" (the unfinished half uses the status index).
    index().on(t.updatedAt),
  ],
);

export const apiTokens = pgTable("api_tokens", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  scope: text("scope").notNull(),
  /** SHA-256 of the secret: the secret itself is shown once and never stored. */
  hash: text("hash").notNull().unique(),
  createdAt: millis("created_at").notNull(),
  lastUsedAt: millis("last_used_at"),
  revokedAt: millis("revoked_at"),
  /** Null: never expires. Checked at every use (auth/api-tokens.ts). */
  expiresAt: millis("expires_at"),
});

export const auditLog = pgTable(
  "audit_log",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    at: millis("at").notNull(),
    tokenId: text("token_id"),
    action: text("action").notNull(),
    resource: text("resource").notNull(),
    status: integer("status").notNull(),
    requestId: text("request_id").notNull(),
    details: jsonb("details").notNull().default(sql`'{}'::jsonb`),
  },
  (t) => [index().on(t.at)],
);

export const idempotencyKeys = pgTable(
  "idempotency_keys",
  {
    tokenId: text("token_id").notNull(),
    key: text("key").notNull(),
    requestHash: text("request_hash").notNull(),
    statusCode: integer("status_code").notNull(),
    response: jsonb("response"),
    createdAt: millis("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tokenId, t.key] })],
);

/**
 * Each partition's traffic as its leader last reported it in a heartbeat, and a moving average of it (time
 * constant 60 s, so a partition's load over the last minute or so): one row per partition, upserted, not a
 * row per sample. What the balancer and the API read.
 */
export const partitionLoad = pgTable(
  "partition_load",
  {
    clusterId: text("cluster_id").notNull(),
    topicId: text("topic_id").notNull(),
    partition: integer("partition").notNull(),
    brokerId: integer("broker_id").notNull(),
    at: millis("at").notNull(),
    bytesInPerSec: doublePrecision("bytes_in_per_sec").notNull(),
    bytesOutPerSec: doublePrecision("bytes_out_per_sec").notNull(),
    avgBytesInPerSec: doublePrecision("avg_bytes_in_per_sec").notNull(),
    avgBytesOutPerSec: doublePrecision("avg_bytes_out_per_sec").notNull(),
  },
  (t) => [primaryKey({ columns: [t.topicId, t.partition] }), index().on(t.clusterId)],
);

export const metricSamples = pgTable(
  "metric_samples",
  {
    clusterId: text("cluster_id").notNull(),
    brokerId: integer("broker_id").notNull(),
    at: millis("at").notNull(),
    bytesInPerSec: doublePrecision("bytes_in_per_sec").notNull(),
    bytesOutPerSec: doublePrecision("bytes_out_per_sec").notNull(),
  },
  (t) => [primaryKey({ columns: [t.clusterId, t.brokerId, t.at] })],
);

/**
 * Interruption notices from the clouds (spot reclaim, termination lifecycle action, rebalance
 * recommendation), one row per notice id: written when a notice arrives and marked handled once acted on,
 * so a notice is handled once and one that arrived before a control-plane restart is still handled after.
 */
export const cloudNotices = pgTable("cloud_notices", {
  /** The provider's stable id of the notice (the same event polled twice has the same id). */
  id: text("id").primaryKey(),
  kind: text("kind").notNull(),
  fleet: text("fleet").notNull(),
  instanceId: text("instance_id").notNull(),
  /** When the instance will be gone (epoch ms), if the cloud says. */
  deadline: millis("deadline"),
  /** lifecycle-terminate: { hookName, token } to heartbeat and complete the action with. */
  lifecycle: jsonb("lifecycle"),
  receivedAt: millis("received_at").notNull(),
  /** The broker.drain started for it, if any. */
  drainOperationId: text("drain_operation_id"),
  /** Last RecordLifecycleActionHeartbeat sent while the drain runs. */
  heartbeatAt: millis("heartbeat_at"),
  handledAt: millis("handled_at"),
  /** What was done: drained, completed, no-broker, ignored… */
  outcome: text("outcome"),
});

/**
 * Each move an operation started (rebalance, named moves, drain), with its timings: requested (the source
 * was told to release the partition), closed (the control plane saw the source's close), assigned (the new
 * leader was chosen, epoch bumped), opened (the new leader opened the stream: the end of the
 * write-unavailable window). Null while that step has not happened.
 */
export const partitionMoves = pgTable(
  "partition_moves",
  {
    operationId: text("operation_id")
      .notNull()
      .references(() => operations.id, { onDelete: "cascade" }),
    clusterId: text("cluster_id").notNull(),
    topicId: text("topic_id").notNull(),
    partition: integer("partition").notNull(),
    fromBroker: integer("from_broker").notNull(),
    /** The planned target (-1: none named); once assigned, the broker that got the partition. */
    toBroker: integer("to_broker").notNull(),
    requestedAt: millis("requested_at").notNull(),
    closedAt: millis("closed_at"),
    assignedAt: millis("assigned_at"),
    openedAt: millis("opened_at"),
    /**
     * The move failed and was rolled back (its target did not open the partition within the open timeout, or
     * lost it before opening): when, the broker the partition went to instead, and why. Null while it runs or
     * once it is done.
     */
    rolledBackAt: millis("rolled_back_at"),
    rolledBackTo: integer("rolled_back_to"),
    failure: text("failure"),
  },
  (t) => [
    primaryKey({ columns: [t.operationId, t.topicId, t.partition] }),
    index().on(t.clusterId, t.openedAt),
    index().on(t.topicId, t.partition),
  ],
);

/**
 * Kafka ACL bindings of a cluster (CreateAcls/DeleteAcls through any broker, or the REST API): every broker of
 * the cluster authorizes with them. Enum columns hold Kafka's names (TOPIC, PREFIXED, READ, ALLOW...).
 */
export const kafkaAcls = pgTable(
  "kafka_acls",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    clusterId: text("cluster_id")
      .notNull()
      .references(() => clusters.id, { onDelete: "cascade" }),
    resourceType: text("resource_type").notNull(),
    resourceName: text("resource_name").notNull(),
    patternType: text("pattern_type").notNull(),
    principal: text("principal").notNull(),
    host: text("host").notNull(),
    operation: text("operation").notNull(),
    permission: text("permission").notNull(),
    createdAt: millis("created_at").notNull(),
  },
  (t) => [
    uniqueIndex("kafka_acls_binding").on(
      t.clusterId,
      t.resourceType,
      t.resourceName,
      t.patternType,
      t.principal,
      t.host,
      t.operation,
      t.permission,
    ),
  ],
);

/**
 * SCRAM credentials of a cluster's Kafka users (AlterUserScramCredentials): RFC 5802's salt, iterations,
 * StoredKey and ServerKey (base64), never a password or a salted password. One row per user and mechanism.
 */
export const scramCredentials = pgTable(
  "scram_credentials",
  {
    clusterId: text("cluster_id")
      .notNull()
      .references(() => clusters.id, { onDelete: "cascade" }),
    userName: text("user_name").notNull(),
    mechanism: text("mechanism").notNull(),
    iterations: integer("iterations").notNull(),
    salt: text("salt").notNull(),
    storedKey: text("stored_key").notNull(),
    serverKey: text("server_key").notNull(),
    updatedAt: millis("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.clusterId, t.userName, t.mechanism] })],
);

/**
 * The control plane's own Kafka credentials for a cluster (users CONTROL_PLANE_KAFKA_USER and INTER_BROKER_KAFKA_USER of @cirrus/broker-api):
 * a random secret generated once, which the control plane needs to answer SCRAM challenges (stored sealed under
 * the control plane's secrets key, bound to the row: src/secrets/), and the
 * SCRAM credentials (salt, iterations, StoredKey, ServerKey per mechanism) brokers verify it with. Kept apart from
 * scram_credentials so that no API lists, alters or deletes it.
 */
export const controlPlaneKafkaCredentials = pgTable(
  "control_plane_kafka_credentials",
  {
    clusterId: text("cluster_id")
      .notNull()
      .references(() => clusters.id, { onDelete: "cascade" }),
    /** CONTROL_PLANE_KAFKA_USER or INTER_BROKER_KAFKA_USER (the brokers' own user, handed to them only). */
    userName: text("user_name").notNull().default("cirrus-control-plane"),
    secret: text("secret").notNull(),
    scram: jsonb("scram").notNull(),
    createdAt: millis("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.clusterId, t.userName] })],
);
