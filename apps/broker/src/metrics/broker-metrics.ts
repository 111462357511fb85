// The broker's Prometheus metrics, on a registry of its own (several brokers can share a process in
// tests). The autoscaler reads cirrus_broker_network_in_bytes_total / _out_bytes_total: keep those names.
import { Counter, Gauge, Histogram, Registry } from "prom-client";

export interface StorageStats {
  walBytes: number;
  walCapacityBytes: number;
  cacheBytes: number;
  objectStoreRequests: Record<string, number>;
}

export class BrokerMetrics {
  readonly registry = new Registry();
  readonly networkIn: Counter;
  readonly networkOut: Counter;
  readonly partitionBytesIn: Counter<"topic" | "partition">;
  readonly partitionBytesOut: Counter<"topic" | "partition">;
  readonly partitionRecordsIn: Counter<"topic" | "partition">;
  readonly requests: Counter<"api">;
  readonly requestErrors: Counter<"api" | "error">;
  readonly requestSeconds: Histogram<"api">;
  readonly connections: Gauge;
  readonly partitionsOpen: Gauge;
  readonly fetchWaiters: Gauge;
  #storageStats: (() => StorageStats | undefined) | undefined;

  constructor(labels: Record<string, string> = {}) {
    const registers = [this.registry];
    this.registry.setDefaultLabels(labels);
    this.networkIn = new Counter({
      name: "cirrus_broker_network_in_bytes_total",
      help: "Bytes received from Kafka clients",
      registers,
    });
    this.networkOut = new Counter({
      name: "cirrus_broker_network_out_bytes_total",
      help: "Bytes sent to Kafka clients",
      registers,
    });
    this.partitionBytesIn = new Counter({
      name: "cirrus_broker_partition_in_bytes_total",
      help: "Record batch bytes appended per partition",
      labelNames: ["topic", "partition"],
      registers,
    });
    this.partitionBytesOut = new Counter({
      name: "cirrus_broker_partition_out_bytes_total",
      help: "Record batch bytes fetched per partition",
      labelNames: ["topic", "partition"],
      registers,
    });
    this.partitionRecordsIn = new Counter({
      name: "cirrus_broker_partition_in_records_total",
      help: "Records appended per partition",
      labelNames: ["topic", "partition"],
      registers,
    });
    this.requests = new Counter({
      name: "cirrus_broker_requests_total",
      help: "Kafka requests handled, per API",
      labelNames: ["api"],
      registers,
    });
    this.requestErrors = new Counter({
      name: "cirrus_broker_request_errors_total",
      help: "Kafka requests that closed the connection or failed inside the broker, per API",
      labelNames: ["api", "error"],
      registers,
    });
    this.requestSeconds = new Histogram({
      name: "cirrus_broker_request_duration_seconds",
      help: "Time from a request's arrival to its response, per API",
      labelNames: ["api"],
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
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
    const storage = () => this.#storageStats?.();
    new Gauge({
      name: "cirrus_broker_wal_used_bytes",
      help: "WAL bytes not yet uploaded to object storage",
      registers,
      collect() {
        const stats = storage();
        if (stats) this.set(stats.walBytes);
      },
    });
    new Gauge({
      name: "cirrus_broker_wal_capacity_bytes",
      help: "WAL capacity",
      registers,
      collect() {
        const stats = storage();
        if (stats) this.set(stats.walCapacityBytes);
      },
    });
    new Gauge({
      name: "cirrus_broker_cache_used_bytes",
      help: "Bytes held by the log and block caches",
      registers,
      collect() {
        const stats = storage();
        if (stats) this.set(stats.cacheBytes);
      },
    });
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
  }

  /** Wires the storage gauges to a source read at scrape time. */
  setStorageStats(source: () => StorageStats | undefined): void {
    this.#storageStats = source;
  }

  /** Prometheus text exposition. */
  scrape(): Promise<string> {
    return this.registry.metrics();
  }
}
