// In-memory seams for coordinator tests: a transaction log that keeps its records (and can be told to
// fail), a marker writer that records what it was asked to write (and can be told to fail), and a
// shard factory over them on a manual clock.
import { ManualClock } from "../../src/groups/clock.ts";
import type { TxnLog } from "../../src/transactions/txn-log.ts";
import type { TxnLogRecord } from "../../src/transactions/txn-log-record.ts";
import {
  type MarkerRequest,
  type MarkerWriter,
  TxnShard,
  type TxnShardOptions,
} from "../../src/transactions/txn-shard.ts";

export class MemoryTxnLog implements TxnLog {
  readonly records: TxnLogRecord[] = [];
  failNext = 0;
  async append(records: readonly TxnLogRecord[]): Promise<void> {
    await Promise.resolve();
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error("log append failed (test)");
    }
    this.records.push(...records);
  }
}

export class RecordingMarkers implements MarkerWriter {
  readonly written: MarkerRequest[] = [];
  failures = 0;
  attempts = 0;
  async write(request: MarkerRequest): Promise<void> {
    this.attempts++;
    await Promise.resolve();
    if (this.failures > 0) {
      this.failures--;
      throw new Error("partition leader unavailable (test)");
    }
    this.written.push(request);
  }
}

export interface ShardKit {
  readonly shard: TxnShard;
  readonly log: MemoryTxnLog;
  readonly markers: RecordingMarkers;
  readonly clock: ManualClock;
  readonly errors: unknown[];
}

let nextProducerId = 1000n;

export function shardKit(overrides: Partial<TxnShardOptions> & { log?: MemoryTxnLog } = {}): ShardKit {
  const log = overrides.log ?? new MemoryTxnLog();
  const markers = new RecordingMarkers();
  const clock = (overrides.clock as ManualClock | undefined) ?? new ManualClock();
  const errors: unknown[] = [];
  const shard = new TxnShard({
    partition: 0,
    coordinatorEpoch: 3,
    clock,
    log,
    markers,
    allocateProducerId: () => nextProducerId++,
    maxTimeoutMs: 900_000,
    idExpirationMs: 7 * 24 * 3600_000,
    markerRetryMs: 100,
    onBackgroundError: (e) => errors.push(e),
    ...overrides,
  });
  shard.startServing();
  return { shard, log, markers, clock, errors };
}

/** Lets queued microtasks and promise chains run (marker writes and completions are background work). */
export async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Waits (real time, for real storage) until `check` holds; fails after `timeoutMs`. */
export async function eventually(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
