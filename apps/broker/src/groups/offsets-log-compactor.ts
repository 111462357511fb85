// Compaction of one offsets partition's stream. Every commit and group change is appended and nothing
// is ever rewritten, so without this the stream grows forever and a coordinator move replays all of it.
//
// One run: note `cut` = the stream's next offset (or the first TxnOffsetCommit record still waiting for its
// transaction's marker, if lower: those must be replayed as pending, so no trim passes them); append, at the end of the stream, the latest record of
// every key whose latest record lies below `cut` (tombstones below `cut` are dropped: everything they
// delete lies below `cut` too); once those are durable, trim the stream's start to `cut`.
//
// Why it is safe:
// - Crash before the trim: the stream holds the old records plus copies of the latest ones. Replay is
//   last-record-wins per key (GroupShard.replay), so the copies change nothing.
// - Crash after the trim: everything live below `cut` was copied above it before the trim.
// - A commit racing the run: each batch of copies is built from the index and appended in one
//   synchronous step (offsets are taken within PartitionGroupLog.append), so a copy is the newest record
//   of its key at the moment it takes its offset; a commit appended later gets a higher offset and wins
//   on replay. Records at or above `cut` are kept by the trim and never copied.
// - An open transaction's offsets: a key with a TxnOffsetCommit record still waiting for its marker is not
//   copied (a copy after that record would replay as a later plain write and win over it, but it is older);
//   its latest record stays in place and the trim stops at it (held, at most until the marker).
// - A failed append (the stream rejects everything queued behind it) stops the run before the trim.
// The work per event-loop turn is bounded by batchRecords: the coordinator keeps serving meanwhile.
import { CoordinatorError, CoordinatorErrorCode } from "../errors.ts";
import type { GroupLog } from "./group-context.ts";
import type { OffsetsPartition } from "./offsets-log.ts";
import type { IndexedRecord, OffsetsLogIndex } from "./offsets-log-index.ts";
import type { OffsetsLogRecord } from "./offsets-log-record.ts";

/** Index entries a run may look at per copied record in one turn (skipped entries and tombstones included). */
const VISITS_PER_COPY = 8;

export interface CompactionPolicy {
  /** No compaction while the stream holds fewer records than this since its start. */
  readonly minRecords: number;
  /** Compact once at least this share (percent) of the records since the start is superseded. */
  readonly minSupersededPercent: number;
  /** Records per appended batch of copies, and per event-loop turn of work. */
  readonly batchRecords: number;
}

export interface CompactionResult {
  /** The stream's start before the run. */
  readonly previousStart: number;
  /** The new start: every record below it was superseded or copied above it. */
  readonly trimmedTo: number;
  /** Latest records copied above the cut. */
  readonly copied: number;
  /** Tombstones below the cut that were dropped. */
  readonly droppedTombstones: number;
}

export class OffsetsLogCompactor {
  readonly #partition: OffsetsPartition;
  readonly #log: GroupLog;
  readonly #index: OffsetsLogIndex;
  readonly #policy: CompactionPolicy;
  #running: Promise<CompactionResult> | undefined;
  #stopped = false;

  constructor(partition: OffsetsPartition, log: GroupLog, index: OffsetsLogIndex, policy: CompactionPolicy) {
    if (
      !Number.isInteger(policy.batchRecords) ||
      policy.batchRecords < 1 ||
      !(policy.minSupersededPercent > 0 && policy.minSupersededPercent < 100)
    ) {
      throw new CoordinatorError(
        CoordinatorErrorCode.CONFIG_INVALID,
        "offsets compaction: batchRecords must be an integer >= 1 and minSupersededPercent in (0, 100)",
      );
    }
    this.#partition = partition;
    this.#log = log;
    this.#index = index;
    this.#policy = policy;
  }

  /** Records since the stream's start (the replay length of a move). */
  get recordsSinceStart(): number {
    return this.#partition.nextOffset - this.#partition.logStartOffset;
  }

  /** Whether the superseded share of the stream reached the policy's threshold. */
  isDue(): boolean {
    const records = this.recordsSinceStart;
    if (records < this.#policy.minRecords || records === 0) return false;
    const superseded = records - this.#index.liveKeys;
    return superseded * 100 >= records * this.#policy.minSupersededPercent;
  }

  /** The run in progress, if any. */
  get running(): Promise<CompactionResult> | undefined {
    return this.#running;
  }

  /** Starts a run when one is due and none is running; returns it (undefined when none started). */
  compactIfDue(): Promise<CompactionResult> | undefined {
    if (this.#running || this.#stopped || this.#index.broken || !this.isDue()) return undefined;
    // An open transaction at the start holds the whole log: nothing could be trimmed.
    if ((this.#index.firstOpenTxnOffset ?? Number.POSITIVE_INFINITY) <= this.#partition.logStartOffset)
      return undefined;
    return this.compact();
  }

  /**
   * Runs one compaction (or joins the one running). Rejects with CoordinatorError PARTITION_UNLOADED
   * after stop(), LOG_APPEND_FAILED when an append failed (this run's or, before it, one that left the
   * index naming records that are not stored), or the partition's error when the trim failed. In every
   * case the stream still replays to the live state (at worst it holds extra copies).
   */
  compact(): Promise<CompactionResult> {
    this.#running ??= this.#run().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  /** No batch is started and no trim is done after this (the partition is being unloaded). */
  stop(): void {
    this.#stopped = true;
  }

  async #run(): Promise<CompactionResult> {
    this.#checkUsable();
    const previousStart = this.#partition.logStartOffset;
    const cut = Math.min(
      this.#partition.nextOffset,
      this.#index.firstOpenTxnOffset ?? Number.POSITIVE_INFINITY,
    );
    const tombstones: IndexedRecord[] = [];
    let copied = 0;
    // The lowest record left in place because an open transaction holds its key: the trim stops there.
    let held = Number.POSITIVE_INFINITY;
    // A live iterator, not a copy: keys noted meanwhile are at or above `cut` and are skipped.
    const entries = this.#index.entries();
    // Per event-loop turn: at most batchRecords copies and VISITS_PER_COPY × that many index entries.
    const visitBudget = this.#policy.batchRecords * VISITS_PER_COPY;
    for (let done = false; !done; ) {
      const batch: OffsetsLogRecord[] = [];
      for (let visited = 0; batch.length < this.#policy.batchRecords && visited < visitBudget; visited++) {
        const next = entries.next();
        if (next.done) {
          done = true;
          break;
        }
        const entry = next.value;
        if (entry.offset >= cut) continue;
        if (entry.record.value === null) tombstones.push(entry);
        else if (this.#index.hasOpenTxnRecord(entry.key)) held = Math.min(held, entry.offset);
        else batch.push(entry.record);
      }
      if (batch.length > 0) {
        // Built and appended in the same synchronous step: see the header.
        await this.#log.append(batch);
        copied += batch.length;
      } else if (!done) {
        await new Promise((resolve) => setImmediate(resolve));
      }
      this.#checkUsable();
    }
    // Trim no further than what is durable: below `cut` only in-flight records of keys already copied
    // (or tombstones) can be missing, and a failed one rejects our copies too.
    const trimmedTo = Math.min(cut, this.#partition.highWatermark, held);
    this.#checkUsable();
    if (trimmedTo > previousStart) await this.#partition.trim(trimmedTo);
    let droppedTombstones = 0;
    for (const entry of tombstones) {
      if (entry.offset < trimmedTo && this.#index.forgetTombstone(entry)) droppedTombstones++;
    }
    return { previousStart, trimmedTo, copied, droppedTombstones };
  }

  #checkUsable(): void {
    if (this.#stopped)
      throw new CoordinatorError(
        CoordinatorErrorCode.PARTITION_UNLOADED,
        "offsets log compaction stopped: the partition is unloading",
      );
    if (this.#index.broken)
      throw new CoordinatorError(
        CoordinatorErrorCode.LOG_APPEND_FAILED,
        "offsets log compaction refused: an append failed, the partition must be reloaded first",
      );
  }
}
