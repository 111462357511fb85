// The contract between the dispatcher and the per-API handlers. A handler receives the decoded request
// body (field names as in Kafka's JSON specs, lowerCamelCase, int64 as bigint) and returns the response
// body, both typed by the codec's own message types (RequestBodies / EncodableResponseBodies of
// @cirrus/kafka-protocol, keyed by API key); the dispatcher owns the header, the encoding and the response
// order. Handlers of other files (groups, offsets, admin, SASL, InitProducerId) export a HandlerMap that
// handlers/registry.ts merges.
import type {
  AlterScramCredentialsRequest,
  AlterScramCredentialsResponse,
  AlterTopicConfigsRequest,
  CancelReassignmentsRequest,
  CancelReassignmentsResponse,
  ClusterMetadata,
  CreateAclsRequest,
  CreateAclsResponse,
  DeleteAclsRequest,
  DeleteAclsResponse,
  InterBrokerCredential,
  ReassignmentsInFlight,
  ReassignPartitionsRequest,
  ReassignPartitionsResponse,
  SecuritySnapshot,
} from "@cirrus/broker-api";
import type {
  ApiKey,
  EncodableResponseBodies,
  RecordBatchHeader,
  RequestBodies,
} from "@cirrus/kafka-protocol";
import type { MetadataView } from "../cluster/metadata-cache.ts";
import type { BrokerConfig } from "../config.ts";
import type { FetchSessionCache } from "../fetch/fetch-session-cache.ts";
import type { BrokerMetrics } from "../metrics/broker-metrics.ts";
import type { LoadMeter } from "../metrics/load-meter.ts";
import type { Partition } from "../partitions/partition.ts";
import type { PartitionRegistry } from "../partitions/partition-registry.ts";
import type { PartitionTxnIndex } from "../producers/partition-txn-index.ts";
import type { ClusterSecurity } from "../security/cluster-security.ts";
import type { ConnectionInfo } from "../server/connection.ts";

/** What the broker is, as far as handlers are concerned. */
export interface BrokerServices {
  readonly config: BrokerConfig;
  /** This broker's id; -1 until registered. */
  brokerId(): number;
  /** This broker's registration epoch; -1 until registered. */
  brokerEpoch(): number;
  /** True while the lease is valid: only then may a write be acknowledged. */
  canAck(): boolean;
  /** True once shutdown began: no new writes are taken. */
  shuttingDown(): boolean;
  readonly partitions: PartitionRegistry;
  /**
   * A topic's configs from the last cached metadata, without waiting (a stale view starts a refresh in the
   * background); undefined when the topic is unknown to it. Absent: every topic has Kafka's defaults.
   */
  topicConfigs?(topic: string): Readonly<Record<string, string>> | undefined;
  /**
   * Cluster metadata from the control plane, cached (fresh=true bypasses the cache; with waitAtMostStaleWait
   * the cached view still answers if the control plane is slow).
   */
  metadata(fresh?: boolean, options?: { waitAtMostStaleWait?: boolean }): Promise<ClusterMetadata>;
  /**
   * While this broker hands a partition it no longer serves to its successor: resolves once the cached
   * metadata names the successor, or the wait gave up (never rejects). Undefined otherwise (or absent).
   */
  handoffOf?(topic: string, partition: number): Promise<void> | undefined;
  /**
   * The cached cluster metadata with its topic indexes, without waiting (undefined before the first load, or
   * absent).
   */
  cachedMetadata?(): MetadataView | undefined;
  /** The control plane's topic admin (auto-create, CreateTopics...). */
  readonly controlPlane: TopicAdmin;
  readonly metrics: BrokerMetrics;
  readonly load: LoadMeter;
  /** The broker's fetch sessions (KIP-227), sized from config.fetchSession*; shared by all connections. */
  readonly fetchSessions: FetchSessionCache;
  /** Idempotent-producer sequence checks (src/producers); absent: batches are appended unchecked. */
  readonly producers?: ProducerBatchGate;
  /**
   * The cluster's ACLs and SCRAM credentials (src/security), when this broker authorizes requests or requires
   * SASL; absent: no cluster users, and the ACL APIs answer SECURITY_DISABLED.
   */
  readonly security?: ClusterSecurity;
  /** The control plane's security API (ACL and SCRAM changes); absent where no control plane is reachable. */
  readonly securityAdmin?: SecurityAdmin;
  /** The API version ranges this broker advertises (ApiVersions). */
  apiVersions(): { apiKey: number; minVersion: number; maxVersion: number }[];
  /** Host and port clients should use for this broker. */
  advertised(): { host: string; port: number };
}

/** The control-plane calls handlers may make (a subset of ControlPlaneClient). */
export interface TopicAdmin {
  createTopic(request: {
    name: string;
    partitions: number;
    configs?: Record<string, string>;
    validateOnly?: boolean;
  }): Promise<unknown>;
  deleteTopic(name: string): Promise<unknown>;
  addPartitions(name: string, request: { totalCount: number; validateOnly?: boolean }): Promise<unknown>;
  /** AlterConfigs / IncrementalAlterConfigs of a topic, applied by the control plane to its stored set. */
  alterTopicConfigs(name: string, request: AlterTopicConfigsRequest): Promise<unknown>;
  /**
   * AlterPartitionReassignments: one outcome per move, from the control plane's move executor. `signal`
   * aborts the call (the request's timeoutMs).
   */
  reassignPartitions(
    request: ReassignPartitionsRequest,
    options?: { signal?: AbortSignal },
  ): Promise<ReassignPartitionsResponse>;
  /** AlterPartitionReassignments with null replicas: cancels the moves still queued, an outcome per partition. */
  cancelReassignments(
    request: CancelReassignmentsRequest,
    options?: { signal?: AbortSignal },
  ): Promise<CancelReassignmentsResponse>;
  /** ListPartitionReassignments: the cluster's moves not finished yet. */
  partitionReassignments(): Promise<ReassignmentsInFlight>;
}

/** The control-plane calls behind CreateAcls, DeleteAcls and AlterUserScramCredentials (ControlPlaneClient). */
export interface SecurityAdmin {
  security(): Promise<SecuritySnapshot>;
  createAcls(request: CreateAclsRequest): Promise<CreateAclsResponse>;
  deleteAcls(request: DeleteAclsRequest): Promise<DeleteAclsResponse>;
  alterScramCredentials(request: AlterScramCredentialsRequest): Promise<AlterScramCredentialsResponse>;
  /** The cluster's inter-broker credential (what this broker logs in to other brokers with). */
  interBrokerCredential?(): Promise<InterBrokerCredential>;
}

export interface RequestContext {
  readonly apiKey: number;
  readonly apiVersion: number;
  readonly correlationId: number;
  readonly clientId: string | null;
  readonly connection: ConnectionInfo;
  readonly services: BrokerServices;
  /** performance.now() when the frame was complete. */
  readonly receivedAt: number;
}

/** The API keys the codec has message schemas for: the ones a handler can serve. */
export type KafkaApiKey = keyof RequestBodies;
/** The decoded request of API K: every field of every version (absent ones hold their defaults). */
export type RequestOf<K extends KafkaApiKey> = RequestBodies[K];
/** The response of API K as the codec encodes it (fields with a usable default may be left out). */
export type ResponseOf<K extends KafkaApiKey> = EncodableResponseBodies[K];

/**
 * Answers one request of API K. Contract:
 * - Resolves with the response body, written at the request's version (fields of other versions are
 *   ignored). Only Produce may resolve with null: acks=0, no response is sent.
 * - Failures a client can act on go in the body: per topic/partition/group/resource error codes, or the
 *   top-level errorCode, as Kafka answers them. Nothing a client sends should make a handler throw.
 * - A throw (a bug, or a failure nobody mapped) is answered, not fatal: the dispatcher counts it
 *   (cirrus_broker_request_errors_total), logs it, and sends the API's error response built from the request
 *   (`ErrorResponder`: every topic/partition/group/resource the request names, and the top-level errorCode
 *   where the version has one, get kafkaErrorCodeOf(error): UNKNOWN_SERVER_ERROR, or the code of a known
 *   broker/storage error such as NOT_LEADER_OR_FOLLOWER). Only where no error response can be built (the
 *   ErrorResponder returns null: Produce with acks=0, Metadata for all topics) is the connection closed.
 */
export type KafkaApiHandler<K extends KafkaApiKey> = (
  request: RequestOf<K>,
  context: RequestContext,
) => Promise<K extends typeof ApiKey.Produce ? ResponseOf<K> | null : ResponseOf<K>>;

/** The response of API K to a request whose handler threw, every error code set to `errorCode`; null: none can be built. */
export type ErrorResponder<K extends KafkaApiKey> = (
  request: RequestOf<K>,
  errorCode: number,
) => ResponseOf<K> | null;

/** What serves one API: its handler and its error response. */
export interface ApiHandler<K extends KafkaApiKey> {
  readonly handle: KafkaApiHandler<K>;
  readonly errorResponse: ErrorResponder<K>;
}

/** Handlers by API key, each checked against its API's request and response types. */
export type HandlerTable = { readonly [K in KafkaApiKey]?: ApiHandler<K> };

/** An ApiHandler with its API key erased (the dispatcher finds it by the key of a decoded request). */
export interface AnyApiHandler {
  readonly handle: (request: never, context: RequestContext) => Promise<object | null>;
  readonly errorResponse: (request: never, errorCode: number) => object | null;
}

/** Handlers by API key. The versions served are the codec's (apiSpec(key).request.validVersions). */
export type HandlerMap = ReadonlyMap<number, AnyApiHandler>;

/**
 * The map of a typed table: the table's type pairs each key with the request and response types of its
 * API, which is what lets the dispatcher pass a decoded body of that key to the handler found under it.
 */
export function handlerMap(table: HandlerTable): HandlerMap {
  const map = new Map<number, AnyApiHandler>();
  for (const [key, handler] of Object.entries(table)) map.set(Number(key), handler as AnyApiHandler);
  return map;
}

export type ProducerVerdict =
  | { readonly kind: "append" }
  /** Already appended (a retry): answer NONE with the original base offset, append nothing. */
  | { readonly kind: "duplicate"; readonly baseOffset: number }
  /** DUPLICATE_SEQUENCE_NUMBER, OUT_OF_ORDER_SEQUENCE_NUMBER, INVALID_PRODUCER_EPOCH, ... */
  | { readonly kind: "reject"; readonly errorCode: number; readonly message?: string };

/**
 * Idempotent-producer state, implemented in src/producers. For every batch with producerId >= 0 the produce
 * handler calls `admit` synchronously right before the append, with the base offset the batch will get (so
 * admit + offset assignment are atomic per partition); then `settle` once the append is durable (ok) or failed
 * (not ok: undo what admit recorded). Batches of one request are admitted in order.
 */
export interface ProducerBatchGate {
  admit(partition: Partition, batch: RecordBatchHeader, baseOffset: number): ProducerVerdict;
  settle(partition: Partition, batch: RecordBatchHeader, baseOffset: number, ok: boolean): void;
  /**
   * The partition's transactions (last stable offset, aborted transactions) for read_committed fetches;
   * undefined while the partition's state loads (a fetch then reads nothing past the log start).
   */
  transactions?(partition: Partition): PartitionTxnIndex | undefined;
  /**
   * Undefined once the partition's producer state is loaded; until then the load (started if none runs),
   * which settles (never rejects) when it ended, loaded or failed. A produce waits for it rather than
   * answering a retriable error: right after a move every first produce would otherwise cost the client a
   * retry backoff.
   */
  loading?(partition: Partition): Promise<void> | undefined;
}
