// The broker's log cleaner thread (Kafka's LogCleaner, log.cleaner.backoff.ms): every `intervalMs` it runs a
// clean pass (log-cleaner.ts) over each partition it leads whose topic's cleanup.policy includes `compact`,
// one partition after another. Only the leader cleans (it is the one writer of the stream); a pass racing a
// move is refused by the object index (the rewrite's source objects are gone, or the stream is no longer
// open here) and the new owner cleans from the stored clean offset. Internal topics are left to their own
// coordinators' compaction.
import {
  type CleanerState,
  type CleanerStateStore,
  type CleanerStorage,
  type CleanLimits,
  type CleanOutcome,
  cleanPartition,
} from "./log-cleaner.ts";
import type { LiveTxnIndexes } from "./log-cleaner-aborts.ts";
import type { CleanerPolicy } from "./log-cleaner-policy.ts";
import type { Partition } from "./partition.ts";
import { PeriodicRounds } from "./periodic-rounds.ts";

/** Totals since start, for metrics. */
export interface LogCleanerStats {
  /** Passes that cleaned a partition. */
  passes: number;
  /** Passes that failed (read, rewrite or commit refused). */
  failures: number;
  recordsRemoved: number;
  /** Sizes of the objects rewritten, before and after. */
  bytesBefore: number;
  bytesAfter: number;
}

export interface LogCleanerOptions {
  readonly intervalMs: number;
  readonly partitions: () => readonly Partition[];
  /** Once per round: each topic's compaction settings from fresh metadata; undefined for an unknown topic. */
  readonly policies: () => Promise<(topic: string) => CleanerPolicy | undefined>;
  /** The storage open now; undefined skips the round. */
  readonly storage: () => CleanerStorage | undefined;
  readonly store: CleanerStateStore;
  readonly limits: CleanLimits;
  /** False while the broker may not write (lease lost, shutting down): the round is skipped. */
  readonly canWrite: () => boolean;
  readonly now?: () => number;
  /** The live transaction indexes (ProducerStateManager); without them abort markers are never removed. */
  readonly liveTxns?: LiveTxnIndexes;
  readonly log: (message: string, error?: unknown) => void;
}

export class LogCleaner {
  readonly #options: LogCleanerOptions;
  readonly stats: LogCleanerStats = {
    passes: 0,
    failures: 0,
    recordsRemoved: 0,
    bytesBefore: 0,
    bytesAfter: 0,
  };
  /** What the last pass on each opened partition stored: read once per open, not once per round. */
  readonly #states = new WeakMap<Partition, CleanerState | undefined>();
  readonly #rounds: PeriodicRounds<Map<string, CleanOutcome>>;

  constructor(options: LogCleanerOptions) {
    this.#options = options;
    this.#rounds = new PeriodicRounds(options.intervalMs, () => this.#clean());
  }

  start(): void {
    this.#rounds.start();
  }

  /** Runs one round now, or joins the one running: each partition's outcome. Never rejects. */
  cleanNow(): Promise<Map<string, CleanOutcome>> {
    return this.#rounds.runNow();
  }

  /** Stops the timer and waits at most `waitMs` for a running round (one left running starts no partition). */
  stop(waitMs = 1_000): Promise<void> {
    return this.#rounds.stop(waitMs);
  }

  /** The state store, remembering per partition object (a reopen reads the store again). */
  #cachedStore(partition: Partition): CleanerStateStore {
    const store = this.#options.store;
    const states = this.#states;
    return {
      async get(streamId) {
        if (states.has(partition)) return states.get(partition);
        const state = await store.get(streamId);
        states.set(partition, state);
        return state;
      },
      async put(streamId, state) {
        await store.put(streamId, state);
        states.set(partition, state);
      },
    };
  }

  async #clean(): Promise<Map<string, CleanOutcome>> {
    const outcomes = new Map<string, CleanOutcome>();
    let policyOf: (topic: string) => CleanerPolicy | undefined;
    try {
      policyOf = await this.#options.policies();
    } catch (error) {
      this.#options.log("log cleaning skipped: topic configs unavailable", error);
      return outcomes;
    }
    const now = this.#options.now ?? Date.now;
    for (const partition of this.#options.partitions()) {
      const storage = this.#options.storage();
      if (this.#rounds.stopped || !storage || !this.#options.canWrite()) break;
      const policy = policyOf(partition.topic);
      if (partition.closed || partition.topic.startsWith("__") || !policy?.compacts) continue;
      try {
        const outcome = await cleanPartition(
          partition,
          storage,
          this.#cachedStore(partition),
          policy,
          now(),
          this.#options.limits,
          this.#options.liveTxns,
        );
        outcomes.set(partition.key, outcome);
        if (!outcome.cleaned) continue;
        this.stats.passes++;
        this.stats.recordsRemoved += outcome.recordsRemoved;
        this.stats.bytesBefore += outcome.rewrite.bytesBefore;
        this.stats.bytesAfter += outcome.rewrite.bytesAfter;
        if (outcome.rewrite.objectsRewritten > 0) {
          this.#options.log(
            `log cleaner: ${partition.key} [${outcome.from}, ${outcome.to}) ${outcome.recordsRemoved} records removed, ${outcome.rewrite.bytesBefore} → ${outcome.rewrite.bytesAfter} bytes`,
          );
        }
      } catch (error) {
        // A partition closed or moved meanwhile is not a failure: its next owner cleans it.
        if (!partition.closed) {
          this.stats.failures++;
          this.#options.log(`log cleaning of ${partition.key} failed`, error);
        }
      }
    }
    return outcomes;
  }
}
