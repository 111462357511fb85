// The autoscaler's watermarks in a cluster spec: each one either in bytes/s or as a percent of the brokers'
// network capacity, and the low one below the high one whenever the spec alone says what both are.
import type { Static } from "@sinclair/typebox";
import type { ClusterWatermarks } from "../api-schemas/cluster-events.ts";
import type { ClusterSpec } from "../api-schemas/clusters.ts";
import { resolveWatermarks } from "../controllers/autoscaler/scaling-decision.ts";
import { scalingSettingsOf } from "../controllers/autoscaler/scaling-settings.ts";
import { ApiError } from "../errors.ts";
import { type BrokerCapacity, brokerNetworkCapacity } from "./balancer-settings.ts";

/**
 * Exactly one form per watermark (INVALID_REQUEST naming the field), and low < high when both are in the same
 * form, or in different forms with `spec.balancing.brokerNetworkBytesPerSec` to compare them by. A percent
 * and a bytes/s watermark against a capacity only the provider knows are compared by the autoscaler, which
 * holds (`invalid-watermarks`, recorded as a cluster.scale-hold) when they leave no band.
 */
export function validateWatermarks(spec: ClusterSpec): void {
  const s = spec.scaling;
  const one = (which: "high" | "low") => {
    const bytes = s[`${which}WatermarkBytesPerSec`];
    const percent = s[`${which}WatermarkPercent`];
    if (bytes !== undefined && percent !== undefined) {
      throw new ApiError(
        "INVALID_REQUEST",
        `spec.scaling.${which}WatermarkBytesPerSec and spec.scaling.${which}WatermarkPercent: give exactly one of them`,
      );
    }
    if (bytes === undefined && percent === undefined) {
      throw new ApiError(
        "INVALID_REQUEST",
        `spec.scaling.${which}WatermarkBytesPerSec or spec.scaling.${which}WatermarkPercent is required`,
      );
    }
    return { bytes, percent };
  };
  const high = one("high");
  const low = one("low");
  const capacity = spec.balancing?.brokerNetworkBytesPerSec;
  const inBytes = (w: { bytes?: number; percent?: number }) =>
    w.bytes ?? (capacity !== undefined && w.percent !== undefined ? (w.percent / 100) * capacity : undefined);
  const [lowValue, highValue, field] =
    low.percent !== undefined && high.percent !== undefined
      ? [low.percent, high.percent, "lowWatermarkPercent"]
      : [
          inBytes(low),
          inBytes(high),
          low.percent !== undefined ? "lowWatermarkPercent" : "lowWatermarkBytesPerSec",
        ];
  if (lowValue !== undefined && highValue !== undefined && lowValue >= highValue) {
    throw new ApiError("INVALID_REQUEST", `spec.scaling.${field} must be below the high watermark`);
  }
}

/**
 * The watermarks as the autoscaler applies them, in bytes/s per broker (a percent one: of the brokers' capacity,
 * resolved as the autoscaler resolves it), for views that draw them.
 */
export function resolvedWatermarks(
  spec: ClusterSpec,
  fallbackCapacity: number,
  capacityOf?: BrokerCapacity,
): Static<typeof ClusterWatermarks> {
  const capacityBytesPerSec = brokerNetworkCapacity(spec, fallbackCapacity, capacityOf);
  return { capacityBytesPerSec, ...resolveWatermarks(scalingSettingsOf(spec), capacityBytesPerSec) };
}
