// Partition checkpoints, as AutoMQ keeps producer snapshots and indexes beside each stream: a partition's
// producer state, time index and transaction index (open and aborted transactions, marker epochs) are
// saved now and then as a small object, so that opening the partition
// (restart, move, failover) reads the newest checkpoint and replays only the records after it instead of the
// whole log.
//
// One per open partition. It keeps a PartitionLogState that follows the durable log by reading back what
// was stored (from the log cache: recent data), off the produce path: a timer catches up every `tickMs`, and
// writes a checkpoint when `everyBytes` were folded in or `everyMs` passed since the last one. Closing the
// partition gracefully writes a last one. Checkpoints cover offsets below the high watermark only (durable),
// and a failed write or read is reported and otherwise ignored: the next open just replays more.

import { BrokerError, BrokerErrorCode } from "../errors.ts";
import {
  PartitionProducerState,
  type PartitionProducerStateOptions,
} from "../producers/partition-producer-state.ts";
import type { AbortedTxn } from "../producers/partition-txn-index.ts";
import type { RebuiltTxns } from "../producers/rebuild-txn-index.ts";
import { dropAbortedFromStored } from "./checkpoint-aborted-drop.ts";
import { encodeCheckpoint } from "./checkpoint-codec.ts";
import { type CheckpointedLog, type LogStateOptions, loadNewestCheckpoint } from "./checkpoint-loader.ts";
import type { CheckpointStore } from "./checkpoint-store.ts";
import { contiguousRecords } from "./contiguous-records.ts";
import type { PartitionLogState } from "./partition-log-state.ts";
import { maxTimestampOffset, offsetForTimestamp, type TimestampAndOffset } from "./timestamp-lookup.ts";

export interface CheckpointOptions extends LogStateOptions {
  /** Where checkpoints go; absent: none are written or read (every open scans the whole log). */
  readonly store: CheckpointStore | undefined;
  /** Write a checkpoint once this many payload bytes were appended since the last one. */
  readonly everyBytes: number;
  /** ...or once this much time passed since the last one, if anything was appended. */
  readonly everyMs: number;
  /** How often the state catches up with the log (and checks whether a checkpoint is due). */
  readonly tickMs: number;
  /** Bytes per read while replaying. */
  readonly readBytes: number;
  /** Checkpoints kept per stream (older ones are deleted after each write). */
  readonly keep: number;
  /** Upper bound on the final catch-up and write when the partition closes. */
  readonly closeTimeoutMs: number;
  readonly now: () => number;
  /** Failures that were absorbed (the store, a corrupt checkpoint, a read while catching up). */
  readonly onError: (message: string, error?: unknown) => void;
  /** Broker-wide counts this checkpointer adds to (the metrics read them); absent: nothing is counted. */
  readonly tally: CheckpointTally | undefined;
}

/**
 * Monotonic counts over every checkpointer sharing the object (one per broker, so partitions that closed
 * still count). `writeFailures` counts failed puts only (a failed prune of old checkpoints is not one); a
 * load counts once, when it succeeds, by what it started from.
 */
export interface CheckpointTally {
  written: number;
  writeFailures: number;
  loadsFromCheckpoint: number;
  loadsFullScan: number;
  /** Offsets replayed by loads, from the checkpoint (or the log start) to the end at open. */
  replayedOffsets: number;
}

export function newCheckpointTally(): CheckpointTally {
  return { written: 0, writeFailures: 0, loadsFromCheckpoint: 0, loadsFullScan: 0, replayedOffsets: 0 };
}

export const defaultCheckpointOptions: CheckpointOptions = Object.freeze({
  store: undefined,
  granuleBytes: 1024 * 1024,
  everyBytes: 64 * 1024 * 1024,
  everyMs: 60_000,
  tickMs: 1_000,
  readBytes: 4 * 1024 * 1024,
  keep: 2,
  closeTimeoutMs: 2_000,
  producerIdleExpiryMs: 86_400_000,
  maxProducers: 100_000,
  now: () => Date.now(),
  onError: () => {},
  tally: undefined,
});

export interface CheckpointerStats {
  /** Offset of the checkpoint the state was loaded from; undefined: the whole log was replayed. */
  readonly loadedFrom: number | undefined;
  /** Offsets replayed on open (from the checkpoint or the log start up to the end at open). */
  readonly replayedOffsets: number;
  /**
   * Offsets scanned from the log start to rebuild the transactions of the checkpoint loaded (0: it carried
   * them; undefined: no checkpoint, the whole replay rebuilt them).
   */
  readonly txnScannedOffsets: number | undefined;
  readonly checkpointsWritten: number;
  readonly lastCheckpointOffset: number | undefined;
}

export class PartitionCheckpointer {
  readonly #log: CheckpointedLog;
  readonly #options: CheckpointOptions;
  #loading: Promise<PartitionLogState> | undefined;
  #state: PartitionLogState | undefined;
  /** Serialises catch-ups and writes: both read and change the state. */
  #queue: Promise<unknown> = Promise.resolve();
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  #lastWrittenOffset: number | undefined;
  #lastWrittenAt = 0;
  #bytesAtLastWrite = 0;
  #stats = {
    loadedFrom: undefined as number | undefined,
    replayedOffsets: 0,
    txnScannedOffsets: undefined as number | undefined,
    checkpointsWritten: 0,
  };

  constructor(log: CheckpointedLog, options: Partial<CheckpointOptions> = {}) {
    this.#log = log;
    this.#options = { ...defaultCheckpointOptions, ...options };
  }

  get stats(): CheckpointerStats {
    return { ...this.#stats, lastCheckpointOffset: this.#lastWrittenOffset };
  }

  /**
   * Loads the newest usable checkpoint and replays the log after it up to the high watermark; concurrent
   * calls share one load, a failed one (the log could not be read) is retried by the next call. Starts the
   * periodic catch-up and checkpointing.
   */
  ready(): Promise<PartitionLogState> {
    this.#loading ??= this.#load().catch((error: unknown) => {
      this.#loading = undefined;
      throw error;
    });
    return this.#loading;
  }

  /** The state caught up with everything durable now. */
  catchUp(): Promise<PartitionLogState> {
    return this.#serially(async () => {
      const state = await this.ready();
      await this.#replay(state, this.#log.highWatermark);
      return state;
    });
  }

  /** A fresh, independent producer state equal to the log's up to the high watermark (the live one starts here). */
  async producerState(options: PartitionProducerStateOptions): Promise<PartitionProducerState> {
    const state = await this.catchUp();
    return PartitionProducerState.fromSnapshot(state.producers.snapshot(), options);
  }

  /**
   * Fresh, independent producer state and transactions equal to the log's up to the high watermark, both as
   * of the same offset (what ProducerStateManager starts a partition's live state from).
   */
  async openState(
    options: PartitionProducerStateOptions,
  ): Promise<{ producers: PartitionProducerState; txns: RebuiltTxns }> {
    const state = await this.catchUp();
    return {
      producers: PartitionProducerState.fromSnapshot(state.producers.snapshot(), options),
      txns: state.txns.rebuilt(),
    };
  }

  async offsetForTimestamp(timestamp: number): Promise<TimestampAndOffset> {
    return offsetForTimestamp((await this.catchUp()).index, this.#log, timestamp);
  }

  async maxTimestampOffset(): Promise<TimestampAndOffset> {
    return maxTimestampOffset((await this.catchUp()).index, this.#log);
  }

  /**
   * The lowest offset a stored checkpoint of this partition covers up to: a later open may fold the log from
   * there. Undefined when none is stored (or no store: every open then reads the log from its start). Waits
   * for a checkpoint write in progress; rejects when the store cannot be listed.
   */
  oldestStoredOffset(): Promise<number | undefined> {
    return this.#serially(async () => {
      const store = this.#options.store;
      if (!store) return undefined;
      const offsets = await store.list(this.#log.streamId);
      return offsets.length === 0 ? undefined : Math.min(...offsets);
    });
  }

  /**
   * Forgets these aborted transactions in every stored checkpoint, then in the state, so that no later open
   * of the partition lists them (the log cleaner removes their abort markers next). Rejects as
   * dropAbortedFromStored does (the state still holds them: a later pass retries), and with
   * PARTITION_NOT_OWNED once the partition closes: the final checkpoint is written outside the queue, from
   * the state as it was when it closed, so only a drop that ends before the close can be sure it is seen.
   */
  dropAborted(entries: readonly AbortedTxn[]): Promise<void> {
    const closed = () =>
      new BrokerError(BrokerErrorCode.PARTITION_NOT_OWNED, `stream ${this.#log.streamId} closed`);
    return this.#serially(async () => {
      if (this.#stopped) throw closed();
      const state = await this.ready();
      const store = this.#options.store;
      if (store) await dropAbortedFromStored(store, this.#log.streamId, entries);
      state.txns.dropAborted(entries);
      if (this.#stopped) throw closed();
    });
  }

  /** Catches up and writes a checkpoint now if anything new was folded in (never rejects). */
  checkpointNow(): Promise<void> {
    return this.#serially(async () => {
      if (!this.#state || this.#stopped) return;
      await this.#replay(this.#state, this.#log.highWatermark);
      await this.#write(this.#state);
    }).catch((error: unknown) =>
      this.#options.onError(`checkpoint of stream ${this.#log.streamId} failed`, error),
    );
  }

  /**
   * The partition is closing gracefully (no more appends). Catches up, then returns `written`, the final
   * checkpoint's write, which needs the log no more (so the caller may close the stream meanwhile). Both
   * steps are bounded by closeTimeoutMs and never reject.
   */
  async close(): Promise<{ written: Promise<void> }> {
    this.#stopTimer();
    if (!this.#loading || this.#stopped) {
      this.#stopped = true;
      return { written: Promise.resolve() };
    }
    const deadline = this.#options.now() + this.#options.closeTimeoutMs;
    const caughtUp = this.#serially(async () => {
      const state = await this.ready();
      await this.#replay(state, this.#log.highWatermark);
      return state;
    });
    const state = await bounded(caughtUp, this.#options.closeTimeoutMs).catch((error: unknown) => {
      this.#options.onError(`final catch-up of stream ${this.#log.streamId} failed`, error);
      return undefined;
    });
    this.#stopped = true;
    if (!state) return { written: Promise.resolve() };
    const left = Math.max(0, deadline - this.#options.now());
    const written = bounded(this.#write(state), left).catch((error: unknown) =>
      this.#options.onError(`final checkpoint of stream ${this.#log.streamId} failed`, error),
    );
    return { written };
  }

  /** Stops for good without writing (fenced: another broker owns the stream now). */
  abandon(): void {
    this.#stopped = true;
    this.#stopTimer();
  }

  async #load(): Promise<PartitionLogState> {
    const loaded = await loadNewestCheckpoint(
      this.#options.store,
      this.#log,
      this.#options,
      this.#options.onError,
    );
    if (loaded.beyondEnd.length > 0 && this.#options.store) {
      this.#options.store
        .delete(this.#log.streamId, loaded.beyondEnd)
        .catch((error: unknown) =>
          this.#options.onError("deleting checkpoints beyond the stream end failed", error),
        );
    }
    const state = loaded.state;
    const from = state.coveredOffset;
    await this.#replay(state, this.#log.highWatermark);
    this.#stats = {
      loadedFrom: loaded.checkpointOffset,
      replayedOffsets: state.coveredOffset - from,
      txnScannedOffsets: loaded.txnScannedOffsets,
      checkpointsWritten: this.#stats.checkpointsWritten,
    };
    const tally = this.#options.tally;
    if (tally) {
      if (loaded.checkpointOffset === undefined) tally.loadsFullScan++;
      else tally.loadsFromCheckpoint++;
      tally.replayedOffsets += this.#stats.replayedOffsets;
    }
    this.#state = state;
    this.#lastWrittenOffset = loaded.checkpointOffset;
    this.#lastWrittenAt = this.#options.now();
    this.#bytesAtLastWrite = state.bytesApplied;
    if (!this.#stopped && !this.#timer) {
      this.#timer = setInterval(() => void this.#tick(), this.#options.tickMs);
      this.#timer.unref();
    }
    return state;
  }

  async #tick(): Promise<void> {
    const state = this.#state;
    if (!state || this.#stopped) return;
    await this.#serially(async () => {
      await this.#replay(state, this.#log.highWatermark);
      const bytes = state.bytesApplied - this.#bytesAtLastWrite;
      const due =
        bytes >= this.#options.everyBytes ||
        (bytes > 0 && this.#options.now() - this.#lastWrittenAt >= this.#options.everyMs);
      if (due) await this.#write(state);
    }).catch((error: unknown) =>
      this.#options.onError(`checkpointing stream ${this.#log.streamId} failed`, error),
    );
  }

  /** Folds in the stored records from the state's covered offset up to `end` (exclusive). */
  async #replay(state: PartitionLogState, end: number): Promise<void> {
    if (state.coveredOffset < this.#log.logStartOffset) state.forgetBelow(this.#log.logStartOffset);
    const reads = contiguousRecords(this.#log, state.coveredOffset, end, this.#options.readBytes);
    for await (const records of reads) {
      if (this.#stopped) return;
      for (const record of records) state.apply(record);
    }
  }

  async #write(state: PartitionLogState): Promise<void> {
    const store = this.#options.store;
    const offset = state.coveredOffset;
    if (!store || offset === this.#lastWrittenOffset || !state.lastBatch) return;
    const now = this.#options.now();
    state.expire(now);
    // Aborted transactions and markers wholly below the log start are no use to any reader any more.
    state.txns.forgetBelow(this.#log.logStartOffset, offset);
    const body = encodeCheckpoint({
      streamId: this.#log.streamId,
      leaderEpoch: this.#log.leaderEpoch,
      offset,
      writtenAtMs: now,
      granuleBytes: state.index.granuleBytes,
      lastBatch: state.lastBatch,
      producers: state.producers.snapshot(),
      granules: state.index.granules,
      txns: state.txns.snapshot(),
    });
    const bytesApplied = state.bytesApplied;
    const tally = this.#options.tally;
    try {
      await store.put(this.#log.streamId, offset, body);
    } catch (error) {
      if (tally) tally.writeFailures++;
      throw error;
    }
    this.#lastWrittenOffset = offset;
    this.#lastWrittenAt = now;
    this.#bytesAtLastWrite = bytesApplied;
    this.#stats.checkpointsWritten++;
    if (tally) tally.written++;
    const stored = await store.list(this.#log.streamId);
    const older = stored.filter((o) => o <= offset).slice(0, -this.#options.keep);
    await store.delete(this.#log.streamId, older);
  }

  #serially<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  #stopTimer(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}

/** `promise`, or a rejection after `ms` (the work itself goes on; its result is then ignored). */
function bounded<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
