// The broker's Prometheus metrics, on a registry of its own (several brokers can share a process in
// tests). The autoscaler reads cirrus_broker_network_in_bytes_total / _out_bytes_total: keep those names.
import { Counter, Gauge, Registry } from "prom-client";
import type { FetchSessionCacheStats } from "../fetch/fetch-session-cache.ts";
import type { LogCleanerStats } from "../partitions/log-cleaner-enforcer.ts";
import type { CheckpointTally } from "../partitions/partition-checkpointer.ts";
import { type CounterCell, type HistogramCell, HotCounter, HotHistogram } from "./hot-metrics.ts";
import { RuntimeMetrics } from "./runtime-metrics.ts";
import {
  registerCheckpointMetrics,
  registerFetchSessionMetrics,
  scrapedCounter,
  scrapedGauge,
} from "./scraped-metrics.ts";

export interface StorageStats {
  walBytes: number;
  walCapacityBytes: number;
  /** Appends that waited for WAL space so far (uploads behind the ingest rate: producers feel it). */
  walSpaceWaits: number;
  /** WAL uploads to object storage so far. */
  uploads: number;
  /** Object compaction rounds run so far. */
  compactions: number;
  /** Unreferenced objects this broker deleted from the object store so far. */
  objectsDeleted: number;
  /** How group commits become durable: one O_DSYNC write, or write + fdatasync (the fallback). */
  walDurability: "o_dsync" | "fdatasync";
  cacheBytes: number;
  objectStoreRequests: Record<string, number>;
}

/** One partition's cells: add to `.value` on the request path. */
export interface PartitionCounters {
  readonly bytesIn: CounterCell;
  readonly recordsIn: CounterCell;
  readonly bytesOut: CounterCell;
}

export interface ApiMeters {
  readonly requests: CounterCell;
  readonly seconds: HistogramCell;
}

export class BrokerMetrics {
  readonly registry = new Registry();
  readonly networkIn: HotCounter;
  readonly networkOut: HotCounter;
  readonly partitionBytesIn: HotCounter;
  readonly partitionBytesOut: HotCounter;
  readonly partitionRecordsIn: HotCounter;
  readonly requests: HotCounter;
  readonly requestErrors: Counter<"api" | "error">;
  readonly requestSeconds: HotHistogram;
  readonly connections: Gauge;
  readonly partitionsOpen: Gauge;
  readonly fetchWaiters: Gauge;
  /** Durable WAL group writes, observed by storage (StorageOptions.observeWalWrite). */
  readonly walWriteSeconds: HistogramCell;
  /**
   * Each step of a partition's hand-off (a move): closing on the source, opening on the target. The steps and
   * what they cover: see handoffStep().
   */
  readonly partitionHandoffSeconds: HotHistogram;
  readonly #runtime: RuntimeMetrics;
  #storageStats: (() => StorageStats | undefined) | undefined;
  #cleanerStats: (() => LogCleanerStats) | undefined;
  #fetchSessionStats: (() => FetchSessionCacheStats) | undefined;
  #checkpointStats: (() => Readonly<CheckpointTally>) | undefined;
  #brokerState: { readonly states: readonly string[]; readonly current: () => string } | undefined;
  readonly #partitionCounters = new WeakMap<object, PartitionCounters>();
  readonly #apiMeters = new Map<string, ApiMeters>();

  constructor(labels: Record<string, string> = {}) {
    const registers = [this.registry];
    this.registry.setDefaultLabels(labels);
    const hot = { registry: this.registry, defaultLabels: labels };
    this.networkIn = new HotCounter({
      ...hot,
      name: "cirrus_broker_network_in_bytes_total",
      help: "Bytes received from Kafka clients",
      unlabelled: true,
    });
    this.networkOut = new HotCounter({
      ...hot,
      name: "cirrus_broker_network_out_bytes_total",
      help: "Bytes sent to Kafka clients",
      unlabelled: true,
    });
    this.partitionBytesIn = new HotCounter({
      ...hot,
      name: "cirrus_broker_partition_in_bytes_total",
      help: "Record batch bytes appended per partition",
    });
    this.partitionBytesOut = new HotCounter({
      ...hot,
      name: "cirrus_broker_partition_out_bytes_total",
      help: "Record batch bytes fetched per partition",
    });
    this.partitionRecordsIn = new HotCounter({
      ...hot,
      name: "cirrus_broker_partition_in_records_total",
      help: "Records appended per partition",
    });
    this.requests = new HotCounter({
      ...hot,
      name: "cirrus_broker_requests_total",
      help: "Kafka requests handled, per API",
    });
    this.requestErrors = new Counter({
      name: "cirrus_broker_request_errors_total",
      help: "Kafka requests that closed the connection or failed inside the broker, per API",
      labelNames: ["api", "error"],
      registers,
    });
    this.requestSeconds = new HotHistogram({
      ...hot,
      name: "cirrus_broker_request_duration_seconds",
      help: "Time from a request's arrival to its response, per API",
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    });
    this.connections = new Gauge({
      name: "cirrus_broker_connections",
      help: "Open client connections",
      registers,
    });
    this.partitionsOpen = new Gauge({
      name: "cirrus_broker_partitions_open",
      help: "Partitions served",
      registers,
    });
    this.fetchWaiters = new Gauge({
      name: "cirrus_broker_fetch_waiters",
      help: "Fetch long polls waiting for data",
      registers,
    });
    this.walWriteSeconds = new HotHistogram({
      ...hot,
      name: "cirrus_broker_wal_write_seconds",
      help: "Time for one WAL group commit to be durable (write and device flush); every ack waits for one",
      buckets: [0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    }).cell();
    this.partitionHandoffSeconds = new HotHistogram({
      ...hot,
      name: "cirrus_broker_partition_handoff_seconds",
      help:
        "Steps of a partition moving between brokers. Source: close_checkpoint (producer-state catch-up), " +
        "close_settle (appends in flight), close_upload (WAL tail uploaded and committed), close_commit (stream " +
        "closed in the object index), close (the whole close). Target: open_stream (stream opened at the new " +
        "epoch), open_state (producer state loaded: what the first idempotent produce waits for)",
      buckets: [0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    });
    this.#runtime = new RuntimeMetrics(this.registry, labels);
    const storage = () => this.#storageStats?.();
    scrapedGauge(
      registers,
      "cirrus_broker_wal_used_bytes",
      "WAL bytes not yet uploaded to object storage",
      () => storage()?.walBytes,
    );
    scrapedGauge(
      registers,
      "cirrus_broker_wal_capacity_bytes",
      "WAL capacity",
      () => storage()?.walCapacityBytes,
    );
    scrapedCounter(
      registers,
      "cirrus_broker_wal_space_waits_total",
      "Appends that waited for WAL space because uploads were behind",
      () => storage()?.walSpaceWaits,
    );
    scrapedCounter(
      registers,
      "cirrus_broker_wal_uploads_total",
      "WAL uploads to object storage (stream set objects committed)",
      () => storage()?.uploads,
    );
    const cleaner = () => this.#cleanerStats?.();
    scrapedCounter(
      registers,
      "cirrus_broker_log_cleaner_passes_total",
      "Clean passes of compacted topics' partitions (cleanup.policy=compact)",
      () => cleaner()?.passes,
    );
    scrapedCounter(
      registers,
      "cirrus_broker_log_cleaner_failures_total",
      "Clean passes that failed (the next one retries)",
      () => cleaner()?.failures,
    );
    scrapedCounter(
      registers,
      "cirrus_broker_log_cleaner_records_removed_total",
      "Records the log cleaner removed (superseded, keyless, tombstones past delete.retention.ms)",
      () => cleaner()?.recordsRemoved,
    );
    scrapedCounter(
      registers,
      "cirrus_broker_log_cleaner_bytes_before_total",
      "Bytes of the objects the log cleaner rewrote, before",
      () => cleaner()?.bytesBefore,
    );
    scrapedCounter(
      registers,
      "cirrus_broker_log_cleaner_bytes_after_total",
      "Bytes of the objects the log cleaner rewrote, after",
      () => cleaner()?.bytesAfter,
    );
    scrapedCounter(
      registers,
      "cirrus_broker_object_compactions_total",
      "Object compaction rounds run (stream set and small stream objects merged, unreferenced ones deleted)",
      () => storage()?.compactions,
    );
    scrapedCounter(
      registers,
      "cirrus_broker_objects_deleted_total",
      "Unreferenced objects this broker deleted from the object store (only the controller broker deletes)",
      () => storage()?.objectsDeleted,
    );
    new Gauge({
      name: "cirrus_broker_wal_durability",
      help: "1 for how WAL group commits become durable: mode=o_dsync (one write) or mode=fdatasync (the fallback, a second thread-pool round trip)",
      labelNames: ["mode"],
      registers,
      collect() {
        const stats = storage();
        if (!stats) return;
        this.set({ mode: "o_dsync" }, stats.walDurability === "o_dsync" ? 1 : 0);
        this.set({ mode: "fdatasync" }, stats.walDurability === "fdatasync" ? 1 : 0);
      },
    });
    scrapedGauge(
      registers,
      "cirrus_broker_cache_used_bytes",
      "Bytes held by the log and block caches",
      () => storage()?.cacheBytes,
    );
    new Gauge({
      name: "cirrus_broker_object_store_requests",
      help: "Object store requests made by this broker, per operation (monotonic)",
      labelNames: ["operation"],
      registers,
      collect() {
        const stats = storage();
        if (!stats) return;
        for (const [operation, count] of Object.entries(stats.objectStoreRequests))
          this.set({ operation }, count);
      },
    });
    const lifecycle = () => this.#brokerState;
    new Gauge({
      name: "cirrus_broker_state",
      help: "1 for the broker's lifecycle state (starting, registered, serving, fenced, re-registering, draining, stopped), 0 for the others",
      labelNames: ["state"],
      registers,
      collect() {
        const source = lifecycle();
        if (!source) return;
        const current = source.current();
        for (const state of source.states) this.set({ state }, state === current ? 1 : 0);
      },
    });
    registerFetchSessionMetrics(registers, () => this.#fetchSessionStats?.());
    registerCheckpointMetrics(registers, () => this.#checkpointStats?.());
  }

  /**
   * The per-partition cells of one partition, resolved once per `owner` (the broker's Partition object), so the
   * produce and fetch paths only add numbers (see hot-metrics.ts).
   */
  partitionCounters(owner: object, topic: string, partition: number): PartitionCounters {
    let counters = this.#partitionCounters.get(owner);
    if (counters === undefined) {
      const labels = { topic, partition: String(partition) };
      counters = {
        bytesIn: this.partitionBytesIn.cell(labels),
        recordsIn: this.partitionRecordsIn.cell(labels),
        bytesOut: this.partitionBytesOut.cell(labels),
      };
      this.#partitionCounters.set(owner, counters);
    }
    return counters;
  }

  /** The request counter and latency histogram of one API, resolved once. */
  apiMeters(api: string): ApiMeters {
    let meters = this.#apiMeters.get(api);
    if (meters === undefined) {
      meters = { requests: this.requests.cell({ api }), seconds: this.requestSeconds.cell({ api }) };
      this.#apiMeters.set(api, meters);
    }
    return meters;
  }

  /** Wires the storage gauges to a source read at scrape time. */
  setLogCleanerStats(source: () => LogCleanerStats): void {
    this.#cleanerStats = source;
  }

  setStorageStats(source: () => StorageStats | undefined): void {
    this.#storageStats = source;
  }

  /** Wires the fetch session metrics to the broker's cache (read at scrape time). */
  setFetchSessionStats(source: () => FetchSessionCacheStats): void {
    this.#fetchSessionStats = source;
  }

  /** Wires the checkpoint counters to the broker's tally (read at scrape time). */
  setCheckpointStats(source: () => Readonly<CheckpointTally>): void {
    this.#checkpointStats = source;
  }

  /** Wires cirrus_broker_state (one series per state, 1 for the current one) to the lifecycle, read at scrape time. */
  setBrokerState(states: readonly string[], current: () => string): void {
    this.#brokerState = { states, current };
  }

  /** Detaches the runtime observers (event-loop delay, GC); the registry can still be scraped. */
  close(): void {
    this.#runtime.close();
  }

  /** Prometheus text exposition. */
  scrape(): Promise<string> {
    return this.registry.metrics();
  }
}
