// Kafka's log compaction settings of a topic, and the cleaner's decision to clean a partition now, pure.
// A partition is cleaned when its topic's cleanup.policy includes `compact` and either the dirty part of the
// cleanable log (written since the last clean pass) is at least min.cleanable.dirty.ratio of it, or its oldest
// dirty records are older than max.compaction.lag.ms (KIP-354), or a tombstone kept by an earlier pass has
// reached its delete horizon (Kafka 3.x cleans such a log even below the ratio, so tombstones do not outlive
// delete.retention.ms for long).
import {
  cleanupPolicies,
  numericConfig,
  policyPerConfigs,
  type TopicConfigs,
} from "./topic-config-reader.ts";

export interface CleanerPolicy {
  /** cleanup.policy includes `compact`. */
  readonly compacts: boolean;
  readonly minCleanableDirtyRatio: number;
  /** Records younger than this (by their batch's max timestamp) are not cleaned yet. */
  readonly minCompactionLagMs: number;
  /** How long a tombstone stays after the clean pass that first kept it. */
  readonly deleteRetentionMs: number;
  /** Dirty records older than this are cleaned whatever the dirty ratio (Infinity: never forced). */
  readonly maxCompactionLagMs: number;
}

// Longs up to 2^63-1 mean "forever": anything past a thousand years is one.
const FOREVER_MS = 1000 * 365 * 86_400_000;
const millis = (configs: TopicConfigs | undefined, name: string): number => {
  const n = numericConfig(configs, name, "0");
  return Number.isFinite(n) && n >= 0 ? Math.min(n, FOREVER_MS) : 0;
};

/** max.compaction.lag.ms: Long.MAX (the default) and anything past a thousand years mean never. */
const forcedLagOf = (configs: TopicConfigs | undefined): number => {
  const n = numericConfig(configs, "max.compaction.lag.ms", "0");
  return Number.isFinite(n) && n >= 0 && n < FOREVER_MS ? n : Number.POSITIVE_INFINITY;
};

/** The compaction settings of a topic's configs (validated by the control plane), Kafka's defaults otherwise. */
export const cleanerPolicyOf: (configs: TopicConfigs | undefined) => CleanerPolicy = policyPerConfigs(
  (configs) => {
    const ratio = numericConfig(configs, "min.cleanable.dirty.ratio", "0");
    return Object.freeze({
      compacts: cleanupPolicies(configs).includes("compact"),
      minCleanableDirtyRatio: Number.isFinite(ratio) ? Math.min(Math.max(ratio, 0), 1) : 0.5,
      minCompactionLagMs: millis(configs, "min.compaction.lag.ms"),
      deleteRetentionMs: millis(configs, "delete.retention.ms"),
      maxCompactionLagMs: forcedLagOf(configs),
    });
  },
);

/** What the cleaner knows of a partition before reading it. */
export interface CleanerView {
  /** Bytes of the cleanable log already cleaned (as the last pass left them). */
  readonly cleanBytes: number;
  /** Bytes written since the last pass, up to the cleanable end. */
  readonly dirtyBytes: number;
  /** The earliest delete horizon of a tombstone the last pass kept; undefined when none. */
  readonly deleteHorizonMs: number | undefined;
  /**
   * The max timestamp of the time-index granule holding the first dirty offset (undefined: unknown). When even
   * that is older than max.compaction.lag.ms, the oldest dirty records certainly are.
   */
  readonly firstDirtyMaxTimestamp?: number | undefined;
}

export type CleanVerdict =
  | { readonly clean: true; readonly why: "dirty-ratio" | "max-compaction-lag" | "delete-horizon" }
  | { readonly clean: false; readonly why: "not-compacted" | "below-dirty-ratio" };

/** Whether to clean now. The dirty ratio is dirty / (clean + dirty), Kafka's LogToClean.cleanableRatio. */
export function decideCleaning(policy: CleanerPolicy, view: CleanerView, nowMs: number): CleanVerdict {
  if (!policy.compacts) return { clean: false, why: "not-compacted" };
  const total = view.cleanBytes + view.dirtyBytes;
  if (view.dirtyBytes > 0 && view.dirtyBytes / total >= policy.minCleanableDirtyRatio) {
    return { clean: true, why: "dirty-ratio" };
  }
  if (
    view.dirtyBytes > 0 &&
    view.firstDirtyMaxTimestamp !== undefined &&
    nowMs - view.firstDirtyMaxTimestamp > policy.maxCompactionLagMs
  ) {
    return { clean: true, why: "max-compaction-lag" };
  }
  if (view.deleteHorizonMs !== undefined && view.deleteHorizonMs <= nowMs) {
    return { clean: true, why: "delete-horizon" };
  }
  return { clean: false, why: "below-dirty-ratio" };
}
