// The contract between the dispatcher and the per-API handlers. A handler receives the decoded request
// body (field names as in Kafka's JSON specs, lowerCamelCase, int64 as bigint) and returns the response
// body; the dispatcher owns the header, the encoding and the response order. Handlers of other files
// (groups, offsets, admin, SASL, InitProducerId) export a HandlerMap that handlers/registry.ts merges.
import type { ClusterMetadata } from "@cirrus/broker-api";
import type { RecordBatchHeader } from "@cirrus/kafka-protocol";
import type { BrokerConfig } from "../config.ts";
import type { FetchSessionCache } from "../fetch/fetch-session-cache.ts";
import type { BrokerMetrics } from "../metrics/broker-metrics.ts";
import type { LoadMeter } from "../metrics/load-meter.ts";
import type { Partition } from "../partitions/partition.ts";
import type { PartitionRegistry } from "../partitions/partition-registry.ts";
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
  /** Cluster metadata from the control plane, cached (fresh=true bypasses the cache). */
  metadata(fresh?: boolean): Promise<ClusterMetadata>;
  /** The control plane's topic admin (auto-create, CreateTopics...). */
  readonly controlPlane: TopicAdmin;
  readonly metrics: BrokerMetrics;
  readonly load: LoadMeter;
  /** The broker's fetch sessions (KIP-227), sized from config.fetchSession*; shared by all connections. */
  readonly fetchSessions: FetchSessionCache;
  /** Idempotent-producer sequence checks (src/producers); absent: batches are appended unchecked. */
  readonly producers?: ProducerBatchGate;
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

/**
 * Returns the response body, or null for "no response" (Produce with acks=0). A handler answers every
 * per-topic/partition failure with a Kafka error code in the body; a throw becomes UNKNOWN_SERVER_ERROR
 * for requests whose response has a top-level errorCode, and closes the connection otherwise.
 */
export type KafkaApiHandler = (request: never, context: RequestContext) => Promise<object | null>;

/** Handlers by API key. The versions served are the codec's (apiSpec(key).request.validVersions). */
export type HandlerMap = ReadonlyMap<number, KafkaApiHandler>;

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
}
