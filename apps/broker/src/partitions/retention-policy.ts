// Kafka's log retention (UnifiedLog.deleteOldSegments), decided over a partition's stored units instead of
// segments: a unit is either one stored batch (one stream append) or a time-index granule (a run of them, the
// nearest thing we have to a segment). Pure: no I/O, no clock.
//
// As Kafka does, in this order, each walk deleting a prefix of what is left:
// 1. time: units whose max timestamp is more than retention.ms before now (Kafka: segment.largestTimestamp);
// 2. size: while the partition would still hold at least retention.bytes without the oldest unit, drop it
//    (Kafka: `diff - segment.size >= 0`), so at least retention.bytes stay;
// and never a unit that ends above `limitOffset`. Kafka's bound is the high watermark; ours is the last stable
// offset (at most the high watermark, see retention.ts for why). `cleanup.policy` without `delete` (compact
// only) deletes nothing (Kafka's rule); -1 (any negative value) means no limit for either config.
import {
  cleanupPolicies,
  numericConfig,
  policyPerConfigs,
  type TopicConfigs,
} from "./topic-config-reader.ts";

export interface RetentionPolicy {
  /** Kafka's retention.ms; Infinity: kept forever. */
  readonly retentionMs: number;
  /** Kafka's retention.bytes per partition; Infinity: no limit. */
  readonly retentionBytes: number;
  /** cleanup.policy includes `delete`: retention applies at all. */
  readonly deletes: boolean;
}

/** One stretch of the log in offset order: [baseOffset, endOffset), its bytes and its largest timestamp. */
export interface RetentionUnit {
  readonly baseOffset: number;
  readonly endOffset: number;
  readonly bytes: number;
  readonly maxTimestamp: number;
}

export interface RetentionDecision {
  /** The new log start: the end of the last unit deleted, or undefined when nothing is. */
  readonly newStartOffset: number | undefined;
  /** Index of the first unit kept (units.length when all are deleted). */
  readonly firstKept: number;
  /** Units deleted by each rule. */
  readonly byTime: number;
  readonly bySize: number;
}

/** A long config: negative (or absent and defaulting to negative) means no limit. */
function limitOf(configs: TopicConfigs | undefined, name: string): number {
  const n = numericConfig(configs, name, "-1");
  return Number.isFinite(n) && n >= 0 ? n : Number.POSITIVE_INFINITY;
}

/**
 * The retention a topic's configs ask for (validated by the control plane); keys the topic does not set take
 * Kafka's defaults from the shared catalog (retention.ms 7 days, retention.bytes -1, cleanup.policy delete).
 */
export const retentionPolicyOf: (configs: TopicConfigs | undefined) => RetentionPolicy = policyPerConfigs(
  (configs) =>
    Object.freeze({
      retentionMs: limitOf(configs, "retention.ms"),
      retentionBytes: limitOf(configs, "retention.bytes"),
      deletes: cleanupPolicies(configs).includes("delete"),
    }),
);

/**
 * Which prefix of `units` (offset order, contiguous, the first holding the log start) retention deletes at
 * `nowMs`; units ending above `limitOffset` are never deleted.
 */
export function decideRetention(
  units: readonly RetentionUnit[],
  policy: RetentionPolicy,
  nowMs: number,
  limitOffset: number,
): RetentionDecision {
  const none = { newStartOffset: undefined, firstKept: 0, byTime: 0, bySize: 0 };
  if (!policy.deletes || units.length === 0) return none;
  const deletable = (u: RetentionUnit) => u.endOffset <= limitOffset;
  let at = 0;
  if (policy.retentionMs !== Number.POSITIVE_INFINITY) {
    while (at < units.length && deletable(units[at]!) && nowMs - units[at]!.maxTimestamp > policy.retentionMs)
      at++;
  }
  const byTime = at;
  if (policy.retentionBytes !== Number.POSITIVE_INFINITY) {
    let left = 0;
    for (let i = at; i < units.length; i++) left += units[i]!.bytes;
    while (at < units.length && deletable(units[at]!) && left - units[at]!.bytes >= policy.retentionBytes) {
      left -= units[at]!.bytes;
      at++;
    }
  }
  if (at === 0) return none;
  return { newStartOffset: units[at - 1]!.endOffset, firstKept: at, byTime, bySize: at - byTime };
}
