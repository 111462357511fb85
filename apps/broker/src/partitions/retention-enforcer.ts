// The broker's retention check (Kafka's log.retention.check.interval.ms): every `intervalMs` it applies each
// served partition's topic retention (retention.ts), one partition after another so that a check never
// competes with produce and fetch for more than one read at a time. A broker serves only the partitions it
// leads (the one writer of their streams), so exactly one broker trims each partition. Cirrus's internal
// logs (`__consumer_offsets`, `__transaction_state`) are compacted by their own coordinators and skipped,
// as Kafka's compacted internal topics are never deleted by time or size.
import type { Partition } from "./partition.ts";
import { PeriodicRounds } from "./periodic-rounds.ts";
import { applyRetention, type RetentionOutcome } from "./retention.ts";
import type { RetentionPolicy } from "./retention-policy.ts";

export interface RetentionEnforcerOptions {
  readonly intervalMs: number;
  /** The partitions this broker serves now. */
  readonly partitions: () => readonly Partition[];
  /**
   * Once per round: the retention of each topic from fresh cluster metadata; undefined for a topic the
   * metadata does not name (its configs unknown: never guess them, nothing is deleted).
   */
  readonly policies: () => Promise<(topic: string) => RetentionPolicy | undefined>;
  /** False while the broker may not write (lease lost, shutting down): the round is skipped. */
  readonly canTrim: () => boolean;
  readonly now?: () => number;
  readonly log: (message: string, error?: unknown) => void;
}

export interface RetentionRound {
  readonly checked: number;
  /** Partitions whose log start moved, with the move. */
  readonly trimmed: { readonly key: string; readonly from: number; readonly to: number }[];
  readonly failed: number;
}

export class RetentionEnforcer {
  readonly #options: RetentionEnforcerOptions;
  readonly #rounds: PeriodicRounds<RetentionRound>;

  constructor(options: RetentionEnforcerOptions) {
    this.#options = options;
    this.#rounds = new PeriodicRounds(
      options.intervalMs,
      () => this.#check(),
      (round) => void round.then((r) => this.#logRound(r)),
    );
  }

  /** Checks every intervalMs from now on (the first check one interval after start, as Kafka's scheduler). */
  start(): void {
    this.#rounds.start();
  }

  /** Runs one round now, or joins the one running. Never rejects: failures are logged and counted. */
  checkNow(): Promise<RetentionRound> {
    return this.#rounds.runNow();
  }

  /**
   * Stops the timer and waits for a running round to end, at most `waitMs`: a round may be loading a long
   * log and must not hold a shutdown up. One left running starts no further partition, and its trim fails
   * harmlessly on a partition closed meanwhile (Partition.trim refuses; nothing is logged for it).
   */
  stop(waitMs = 1_000): Promise<void> {
    return this.#rounds.stop(waitMs);
  }

  /** A timer's round: says what it deleted (one line a round, however many partitions). */
  #logRound(round: RetentionRound): void {
    if (round.trimmed.length === 0) return;
    const moves = round.trimmed.slice(0, 10).map((t) => `${t.key} ${t.from}→${t.to}`);
    const more = round.trimmed.length > 10 ? ` and ${round.trimmed.length - 10} more` : "";
    this.#options.log(`retention moved the log start of ${moves.join(", ")}${more}`);
  }

  async #check(): Promise<RetentionRound> {
    const trimmed: RetentionRound["trimmed"][number][] = [];
    let checked = 0;
    let failed = 0;
    const now = this.#options.now ?? Date.now;
    let policyOf: (topic: string) => RetentionPolicy | undefined;
    try {
      policyOf = await this.#options.policies();
    } catch (error) {
      this.#options.log("retention check skipped: topic configs unavailable", error);
      return { checked: 0, trimmed, failed: 1 };
    }
    for (const partition of this.#options.partitions()) {
      if (this.#rounds.stopped || !this.#options.canTrim()) break;
      const policy = policyOf(partition.topic);
      if (partition.closed || partition.topic.startsWith("__") || !policy) continue;
      checked++;
      let outcome: RetentionOutcome;
      try {
        outcome = await applyRetention(partition, policy, now());
      } catch (error) {
        // A partition closed or moved meanwhile is not a failure: its next owner checks it.
        if (!partition.closed) {
          failed++;
          this.#options.log(`retention of ${partition.key} failed`, error);
        }
        continue;
      }
      if (outcome.toOffset > outcome.fromOffset) {
        trimmed.push({ key: partition.key, from: outcome.fromOffset, to: outcome.toOffset });
      }
    }
    return { checked, trimmed, failed };
  }
}
