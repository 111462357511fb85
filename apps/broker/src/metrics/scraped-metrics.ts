// Metrics whose values live elsewhere (storage, the fetch session cache, the checkpoint tally) and are read
// at scrape time through prom-client's collect callbacks: nothing on the request path, and a source that is
// not ready yet (undefined) leaves the last exposed value unchanged.
import { Counter, Gauge, type Registry } from "prom-client";
import type { FetchSessionCacheStats } from "../fetch/fetch-session-cache.ts";
import type { CheckpointTally } from "../partitions/partition-checkpointer.ts";

/** A gauge set from `read` at each scrape; an undefined reading (source not ready) leaves it unchanged. */
export function scrapedGauge(
  registers: Registry[],
  name: string,
  help: string,
  read: () => number | undefined,
): void {
  new Gauge({
    name,
    help,
    registers,
    collect() {
      const value = read();
      if (value !== undefined) this.set(value);
    },
  });
}

/** A counter equal to the monotonic total `read` returns at each scrape (its source does the counting). */
export function scrapedCounter(
  registers: Registry[],
  name: string,
  help: string,
  read: () => number | undefined,
): void {
  new Counter({
    name,
    help,
    registers,
    collect() {
      const value = read();
      if (value === undefined) return;
      this.reset();
      this.inc(value);
    },
  });
}

/** Fetch sessions (KIP-227), as Kafka's FetchSessionCache metrics, read from the cache at scrape time. */
export function registerFetchSessionMetrics(
  registers: Registry[],
  sessions: () => FetchSessionCacheStats | undefined,
): void {
  scrapedGauge(
    registers,
    "cirrus_broker_fetch_session_sessions",
    "Fetch sessions cached (Kafka: NumIncrementalFetchSessions)",
    () => sessions()?.sessions,
  );
  scrapedGauge(
    registers,
    "cirrus_broker_fetch_session_partitions_cached",
    "Partitions cached over all fetch sessions (Kafka: NumIncrementalFetchPartitionsCached)",
    () => sessions()?.partitions,
  );
  scrapedCounter(
    registers,
    "cirrus_broker_fetch_session_created_total",
    "Fetch sessions created",
    () => sessions()?.created,
  );
  scrapedCounter(
    registers,
    "cirrus_broker_fetch_session_evicted_total",
    "Fetch sessions evicted for a new one (Kafka: IncrementalFetchSessionEvictionsPerSec)",
    () => sessions()?.evicted,
  );
  scrapedCounter(
    registers,
    "cirrus_broker_fetch_session_expired_total",
    "Fetch sessions dropped after fetchSessionIdleExpiryMs unused",
    () => sessions()?.expired,
  );
  scrapedCounter(
    registers,
    "cirrus_broker_fetch_session_refused_total",
    "Fetch sessions not created: no slot or partition room (the client keeps sending full fetches)",
    () => sessions()?.refused,
  );
  scrapedCounter(
    registers,
    "cirrus_broker_fetch_session_incremental_fetches_total",
    "Fetch requests answered incrementally within a session",
    () => sessions()?.incrementalFetches,
  );
}

/** Partition checkpoints (producer state + time index), summed over every partition this broker opened. */
export function registerCheckpointMetrics(
  registers: Registry[],
  tally: () => Readonly<CheckpointTally> | undefined,
): void {
  scrapedCounter(
    registers,
    "cirrus_broker_checkpoint_written_total",
    "Partition checkpoints stored",
    () => tally()?.written,
  );
  scrapedCounter(
    registers,
    "cirrus_broker_checkpoint_write_failures_total",
    "Partition checkpoint writes the object store failed (the next open replays more)",
    () => tally()?.writeFailures,
  );
  new Counter({
    name: "cirrus_broker_checkpoint_loads_total",
    help: "Partition opens, by what their state was loaded from (kind=checkpoint or full_scan)",
    labelNames: ["kind"],
    registers,
    collect() {
      const stats = tally();
      if (!stats) return;
      this.reset();
      this.inc({ kind: "checkpoint" }, stats.loadsFromCheckpoint);
      this.inc({ kind: "full_scan" }, stats.loadsFullScan);
    },
  });
  scrapedCounter(
    registers,
    "cirrus_broker_checkpoint_replayed_offsets_total",
    "Offsets replayed when opening partitions (after the checkpoint, or all of them on a full scan)",
    () => tally()?.replayedOffsets,
  );
}
