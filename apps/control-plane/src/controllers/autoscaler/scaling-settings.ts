import type { ClusterSpec } from "../../api-schemas/clusters.ts";

/** A cluster's scaling settings with every default filled in: what the decision code works with. */
export interface ScalingSettings {
  enabled: boolean;
  /**
   * Per broker, network in + out, bytes/s. Above it for evaluationPeriods periods: scale out. Exactly one of
   * this and highWatermarkPercent.
   */
  highWatermarkBytesPerSec?: number;
  /** Per broker, network in + out, bytes/s. Below it for evaluationPeriods periods: scale in. */
  lowWatermarkBytesPerSec?: number;
  /** The high watermark as a percent of the broker's network capacity (resolved by the decision). */
  highWatermarkPercent?: number;
  /** The low watermark as a percent of the broker's network capacity (resolved by the decision). */
  lowWatermarkPercent?: number;
  periodSeconds: number;
  evaluationPeriods: number;
  scaleOutCooldownSeconds: number;
  scaleInCooldownSeconds: number;
  scaleOutStep: number;
  scaleInStep: number;
  minBrokers: number;
  maxBrokers: number;
}

/** One metric period: the clouds publish 1-minute datapoints (detailed monitoring); local brokers are scraped. */
const DEFAULT_PERIOD_SECONDS = { local: 10, aws: 60, aliyun: 60 } as const;
export const DEFAULT_EVALUATION_PERIODS = 3;

/**
 * The spec's `scaling` and `brokers`, defaults applied (spec validation already holds one form per watermark,
 * low < high when the spec alone can compare them, min <= max). Percent watermarks stay percents: the decision
 * resolves them against the capacity it is given.
 */
export function scalingSettingsOf(spec: ClusterSpec): ScalingSettings {
  const s = spec.scaling;
  return {
    enabled: s.enabled ?? true,
    ...(s.highWatermarkPercent !== undefined
      ? { highWatermarkPercent: s.highWatermarkPercent }
      : { highWatermarkBytesPerSec: s.highWatermarkBytesPerSec }),
    ...(s.lowWatermarkPercent !== undefined
      ? { lowWatermarkPercent: s.lowWatermarkPercent }
      : { lowWatermarkBytesPerSec: s.lowWatermarkBytesPerSec }),
    periodSeconds: s.periodSeconds ?? DEFAULT_PERIOD_SECONDS[spec.provider],
    evaluationPeriods: s.evaluationPeriods ?? DEFAULT_EVALUATION_PERIODS,
    scaleOutCooldownSeconds: s.cooldownSeconds,
    scaleInCooldownSeconds: s.scaleInCooldownSeconds ?? s.cooldownSeconds,
    scaleOutStep: s.scaleOutStep ?? 1,
    scaleInStep: s.scaleInStep ?? 1,
    minBrokers: spec.brokers.min,
    maxBrokers: spec.brokers.max,
  };
}
