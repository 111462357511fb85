import type { ScalingSettings } from "./scaling-settings.ts";

/** One broker's network rate over one period, bytes/s. */
export interface BrokerRate {
  brokerId: number;
  instanceId: string;
  inBytesPerSec: number;
  outBytesPerSec: number;
}

/** The brokers' rates over one metric period ending at `at` (epoch ms). Brokers without data are left out. */
export interface PeriodSample {
  at: number;
  brokers: BrokerRate[];
}

/** Where the cluster stands, besides its metrics. */
export interface ScalingState {
  now: number;
  /** The fleet's desired capacity. */
  desiredCapacity: number;
  /** Brokers ACTIVE with a live lease on a running instance. */
  servingBrokers: number;
  /** An autoscaler operation (or another one changing the broker set) has not finished. */
  busy: boolean;
  lastScaleOutAt: number | undefined;
  lastScaleInAt: number | undefined;
  /**
   * Sustained network bandwidth of one broker each way, bytes/s (the balancer's: spec.balancing, else the
   * instance types' baseline, else the control plane's): utilization is against it, percent watermarks of it.
   */
  capacityBytesPerSec: number;
}

/** Why nothing is done. `wanted` says what the metrics asked for, so a blocked scaling is visible. */
export const HoldReason = {
  DISABLED: "disabled",
  INSUFFICIENT_DATA: "insufficient-data",
  WITHIN_BAND: "within-band",
  SCALING_IN_PROGRESS: "scaling-in-progress",
  CONVERGING: "converging",
  AT_MAX: "at-max",
  AT_MIN: "at-min",
  COOLDOWN: "cooldown",
  /** Removing even one broker would put the rest above the target load: hysteresis keeps it. */
  WOULD_OVERLOAD: "would-overload",
  /**
   * The watermarks, resolved against the capacity, leave no band (low ≥ high: a percent one and a bytes/s
   * one after the capacity changed), or a percent one has no capacity to resolve against.
   */
  INVALID_WATERMARKS: "invalid-watermarks",
} as const;
export type HoldReason = (typeof HoldReason)[keyof typeof HoldReason];

/** The figures a decision was made on, stored with it so a user can see why the cluster scaled (or not). */
export interface DecisionEvidence {
  /** Per period, oldest first: average network in + out per broker, bytes/s. */
  perBrokerBytesPerSec: number[];
  /** Per period, oldest first: network in + out of all brokers, bytes/s. */
  totalBytesPerSec: number[];
  /** Latest period's per-broker average against the broker's capacity, 0..1+. */
  utilization: number;
  /** Resolved, bytes/s per broker (a percent one: that percent of capacityBytesPerSec). */
  highWatermarkBytesPerSec: number;
  lowWatermarkBytesPerSec: number;
  /** The spec's percent forms, when the watermark was given as a percent of the capacity. */
  highWatermarkPercent?: number;
  lowWatermarkPercent?: number;
  /** Per-broker load a scaling aims at: the middle of the band, so the next evaluation lands inside it. */
  targetBytesPerSec: number;
  capacityBytesPerSec: number;
  evaluationPeriods: number;
  periodSeconds: number;
  desiredCapacity: number;
  minBrokers: number;
  maxBrokers: number;
  /** Until when a cooldown blocks the wanted action (epoch ms), when it does. */
  cooldownUntil?: number;
}

export type ScalingDecision =
  | { action: "scale-out" | "scale-in"; from: number; to: number; reason: string; evidence: DecisionEvidence }
  | {
      action: "hold";
      wanted: "scale-out" | "scale-in" | "none";
      reason: HoldReason;
      message: string;
      evidence: DecisionEvidence | undefined;
    };

/** The watermarks in bytes/s per broker: the spec's own, or its percent of the broker's capacity. */
export interface ResolvedWatermarks {
  highBytesPerSec: number;
  lowBytesPerSec: number;
  highPercent?: number;
  lowPercent?: number;
}

export function resolveWatermarks(s: ScalingSettings, capacityBytesPerSec: number): ResolvedWatermarks {
  const of = (bytes: number | undefined, percent: number | undefined) =>
    percent !== undefined ? (percent / 100) * capacityBytesPerSec : (bytes ?? Number.NaN);
  return {
    highBytesPerSec: of(s.highWatermarkBytesPerSec, s.highWatermarkPercent),
    lowBytesPerSec: of(s.lowWatermarkBytesPerSec, s.lowWatermarkPercent),
    ...(s.highWatermarkPercent !== undefined && { highPercent: s.highWatermarkPercent }),
    ...(s.lowWatermarkPercent !== undefined && { lowPercent: s.lowWatermarkPercent }),
  };
}

function totalOf(sample: PeriodSample): number {
  return sample.brokers.reduce((sum, b) => sum + b.inBytesPerSec + b.outBytesPerSec, 0);
}

/**
 * The last `evaluationPeriods` samples, when they are consecutive and recent (each within
 * evaluationPeriods + 1 periods of now) and each has data for at least one broker; else undefined.
 */
function window(
  samples: readonly PeriodSample[],
  s: ScalingSettings,
  now: number,
): PeriodSample[] | undefined {
  const recent = samples.slice(-s.evaluationPeriods);
  if (recent.length < s.evaluationPeriods) return undefined;
  const oldest = now - (s.evaluationPeriods + 1) * s.periodSeconds * 1000;
  if (recent.some((p) => p.at < oldest || p.brokers.length === 0)) return undefined;
  return recent;
}

/**
 * What to do about a cluster's broker count, from its recent metric periods. Pure: the same inputs give
 * the same decision, for every provider.
 *
 * - A watermark given as a percent is that percent of `state.capacityBytesPerSec` (so a capacity change
 *   moves it); the evidence records both the percent and the bytes/s. Watermarks that resolve to no band
 *   (low ≥ high, or a percent against no capacity) hold with `invalid-watermarks`.
 * - Scale out when every one of the last `evaluationPeriods` periods has an average per-broker network
 *   in + out strictly above the high watermark; scale in when every one is strictly below the low one.
 * - Sizes aim at the middle of the band: scale-out adds at least `scaleOutStep` brokers, more if the
 *   smallest total of the window needs them to be at or below the target per broker; scale-in removes at
 *   most `scaleInStep`, fewer if the largest total would then be above the target (if even one would:
 *   hold, `would-overload`). So a scaling never lands outside the band and the next evaluation does not
 *   undo it (hysteresis).
 * - Never beyond [minBrokers, maxBrokers]; never while a scaling runs or the brokers have not caught up
 *   with the desired capacity; scale-out waits `scaleOutCooldownSeconds` after a scale-out, scale-in waits
 *   `scaleInCooldownSeconds` after any scaling.
 */
export function decideScaling(
  s: ScalingSettings,
  state: ScalingState,
  samples: readonly PeriodSample[],
): ScalingDecision {
  const hold = (
    wanted: "scale-out" | "scale-in" | "none",
    reason: HoldReason,
    message: string,
    evidence?: DecisionEvidence,
  ): ScalingDecision => ({ action: "hold", wanted, reason, message, evidence });
  if (!s.enabled) return hold("none", HoldReason.DISABLED, "autoscaling is disabled in the spec");
  const periods = window(samples, s, state.now);
  if (!periods) {
    return hold(
      "none",
      HoldReason.INSUFFICIENT_DATA,
      `fewer than ${s.evaluationPeriods} recent periods of ${s.periodSeconds} s with metrics`,
    );
  }
  const totals = periods.map(totalOf);
  const perBroker = periods.map((p, i) => totals[i]! / p.brokers.length);
  const w = resolveWatermarks(s, state.capacityBytesPerSec);
  const high = w.highBytesPerSec;
  const low = w.lowBytesPerSec;
  const target = (high + low) / 2;
  const evidence: DecisionEvidence = {
    perBrokerBytesPerSec: perBroker,
    totalBytesPerSec: totals,
    utilization: state.capacityBytesPerSec > 0 ? perBroker.at(-1)! / state.capacityBytesPerSec : 0,
    highWatermarkBytesPerSec: high,
    lowWatermarkBytesPerSec: low,
    ...(w.highPercent !== undefined && { highWatermarkPercent: w.highPercent }),
    ...(w.lowPercent !== undefined && { lowWatermarkPercent: w.lowPercent }),
    targetBytesPerSec: target,
    capacityBytesPerSec: state.capacityBytesPerSec,
    evaluationPeriods: s.evaluationPeriods,
    periodSeconds: s.periodSeconds,
    desiredCapacity: state.desiredCapacity,
    minBrokers: s.minBrokers,
    maxBrokers: s.maxBrokers,
  };
  if (!(high > 0) || !(low >= 0) || low >= high) {
    return hold(
      "none",
      HoldReason.INVALID_WATERMARKS,
      `the watermarks leave no band at a capacity of ${state.capacityBytesPerSec} B/s per broker: low ${low} B/s, high ${high} B/s`,
      evidence,
    );
  }
  const above = perBroker.every((v) => v > high);
  const below = perBroker.every((v) => v < low);
  if (!above && !below) {
    return hold(
      "none",
      HoldReason.WITHIN_BAND,
      "the load is inside the band in at least one period",
      evidence,
    );
  }
  const wanted = above ? "scale-out" : "scale-in";
  const n = state.desiredCapacity;
  const periodsText = `${s.evaluationPeriods} × ${s.periodSeconds} s`;
  if (state.busy) {
    return hold(wanted, HoldReason.SCALING_IN_PROGRESS, "an operation changing the brokers runs", evidence);
  }
  if (state.servingBrokers !== n) {
    return hold(
      wanted,
      HoldReason.CONVERGING,
      `${state.servingBrokers} brokers serve, the fleet wants ${n}: waiting for them to converge`,
      evidence,
    );
  }
  if (above) {
    if (n >= s.maxBrokers) {
      return hold(wanted, HoldReason.AT_MAX, `at the maximum of ${s.maxBrokers} brokers`, evidence);
    }
    const until = (state.lastScaleOutAt ?? -Infinity) + s.scaleOutCooldownSeconds * 1000;
    if (state.now < until) {
      return hold(wanted, HoldReason.COOLDOWN, "inside the scale-out cooldown", {
        ...evidence,
        cooldownUntil: until,
      });
    }
    const needed = Math.ceil(Math.min(...totals) / target);
    const to = Math.min(s.maxBrokers, Math.max(n + s.scaleOutStep, needed));
    return {
      action: "scale-out",
      from: n,
      to,
      reason: `per-broker network in+out above the high watermark (${describe(high, w.highPercent)}) for ${periodsText}`,
      evidence,
    };
  }
  if (n <= s.minBrokers) {
    return hold(wanted, HoldReason.AT_MIN, `at the minimum of ${s.minBrokers} brokers`, evidence);
  }
  const lastScaling = Math.max(state.lastScaleOutAt ?? -Infinity, state.lastScaleInAt ?? -Infinity);
  const until = lastScaling + s.scaleInCooldownSeconds * 1000;
  if (state.now < until) {
    return hold(wanted, HoldReason.COOLDOWN, "inside the scale-in cooldown", {
      ...evidence,
      cooldownUntil: until,
    });
  }
  const peak = Math.max(...totals);
  let to = Math.max(s.minBrokers, n - s.scaleInStep);
  while (to < n && peak / to > target) to++;
  if (to === n) {
    return hold(
      wanted,
      HoldReason.WOULD_OVERLOAD,
      `${n - 1} brokers would carry ${Math.round(peak / (n - 1))} B/s each, above the target ${target} B/s`,
      evidence,
    );
  }
  return {
    action: "scale-in",
    from: n,
    to,
    reason: `per-broker network in+out below the low watermark (${describe(low, w.lowPercent)}) for ${periodsText}`,
    evidence,
  };
}

/** "50000000 B/s", or "40% of capacity = 50000000 B/s" for a percent watermark. */
function describe(bytesPerSec: number, percent: number | undefined): string {
  const bytes = `${Math.round(bytesPerSec)} B/s`;
  return percent === undefined ? bytes : `${percent}% of capacity = ${bytes}`;
}
