// Watermarks as a percent of each broker's network capacity: resolved by the pure decision against the
// capacity it is given (so a capacity change moves them), recorded with both figures, and held as
// `invalid-watermarks` when a percent and a bytes/s watermark leave no band at the current capacity.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  decideScaling,
  HoldReason,
  type PeriodSample,
  resolveWatermarks,
  type ScalingState,
} from "../../../src/controllers/autoscaler/scaling-decision.ts";
import {
  type ScalingSettings,
  scalingSettingsOf,
} from "../../../src/controllers/autoscaler/scaling-settings.ts";
import { brokerNetworkCapacity } from "../../../src/services/balancer-settings.ts";
import { localSpec } from "../provisioner/provisioner-kit.ts";

const MB = 1_000_000;
const NOW = 2_000_000_000;
const base = {
  enabled: true,
  periodSeconds: 10,
  evaluationPeriods: 3,
  scaleOutCooldownSeconds: 60,
  scaleInCooldownSeconds: 120,
  scaleOutStep: 1,
  scaleInStep: 1,
  minBrokers: 1,
  maxBrokers: 8,
};
/** 40% / 8% of the broker's capacity: 50 / 10 MB/s at 125 MB/s. */
const percent: ScalingSettings = { ...base, highWatermarkPercent: 40, lowWatermarkPercent: 8 };
const absolute: ScalingSettings = {
  ...base,
  highWatermarkBytesPerSec: 50 * MB,
  lowWatermarkBytesPerSec: 10 * MB,
};

/** Periods ending at NOW, oldest first; each value is the cluster's total in+out, split over `brokers`. */
function series(totals: number[], brokers: number): PeriodSample[] {
  return totals.map((total, i) => ({
    at: NOW - (totals.length - 1 - i) * base.periodSeconds * 1000,
    brokers: Array.from({ length: brokers }, (_, b) => ({
      brokerId: b,
      instanceId: `i-${b}`,
      inBytesPerSec: (total / brokers) * 0.5,
      outBytesPerSec: (total / brokers) * 0.5,
    })),
  }));
}

function state(desired: number, capacityBytesPerSec: number): ScalingState {
  return {
    now: NOW,
    desiredCapacity: desired,
    servingBrokers: desired,
    busy: false,
    lastScaleOutAt: undefined,
    lastScaleInAt: undefined,
    capacityBytesPerSec,
  };
}

describe("percent watermarks", () => {
  it("decide exactly as the bytes/s they resolve to, and the evidence records both", () => {
    for (const [totals, brokers] of [
      [[80 * MB, 90 * MB, 85 * MB], 1],
      [[12 * MB, 14 * MB, 13 * MB], 3],
      [[30 * MB, 30 * MB, 30 * MB], 1],
    ] as const) {
      const byPercent = decideScaling(percent, state(brokers, 125 * MB), series([...totals], brokers));
      const byBytes = decideScaling(absolute, state(brokers, 125 * MB), series([...totals], brokers));
      assert.equal(byPercent.action, byBytes.action, JSON.stringify(totals));
      if (byPercent.action !== "hold" && byBytes.action !== "hold") assert.equal(byPercent.to, byBytes.to);
      assert.equal(byPercent.evidence?.highWatermarkBytesPerSec, 50 * MB);
      assert.equal(byPercent.evidence?.lowWatermarkBytesPerSec, 10 * MB);
      assert.equal(byPercent.evidence?.highWatermarkPercent, 40);
      assert.equal(byPercent.evidence?.lowWatermarkPercent, 8);
      assert.equal(byPercent.evidence?.capacityBytesPerSec, 125 * MB);
      assert.equal(byBytes.evidence?.highWatermarkPercent, undefined, "the bytes/s form records no percent");
    }
    const out = decideScaling(percent, state(1, 125 * MB), series([80 * MB, 90 * MB, 85 * MB], 1));
    assert.equal(out.action, "scale-out");
    assert.match(out.action === "scale-out" ? out.reason : "", /40% of capacity = 50000000 B\/s/);
  });

  it("follow the capacity: the same load scales out on small brokers and not on large ones", () => {
    const load = series([60 * MB, 60 * MB, 60 * MB], 1);
    const small = decideScaling(percent, state(1, 125 * MB), load);
    assert.equal(small.action, "scale-out");
    // 60 MB/s on one broker, target (50 + 10) / 2 = 30 MB/s per broker: 2 brokers
    assert.equal(small.action === "scale-out" && small.to, 2);
    const large = decideScaling(percent, state(1, 250 * MB), load);
    assert.equal(large.action, "hold");
    assert.equal(large.action === "hold" && large.reason, HoldReason.WITHIN_BAND);
    assert.equal(large.evidence?.highWatermarkBytesPerSec, 100 * MB);
    assert.equal(large.evidence?.utilization, 60 / 250);
    // and a light load is inside the band on small brokers, below it once they are larger
    const light = series([30 * MB, 30 * MB, 30 * MB], 2);
    assert.equal(decideScaling(percent, state(2, 125 * MB), light).action, "hold");
    const lighter = decideScaling(percent, state(2, 250 * MB), light);
    assert.equal(lighter.action, "scale-in");
    assert.equal(lighter.evidence?.lowWatermarkBytesPerSec, 20 * MB);
  });

  it("mixes one percent and one bytes/s watermark, and holds when the capacity leaves them no band", () => {
    const mixed: ScalingSettings = { ...base, highWatermarkPercent: 40, lowWatermarkBytesPerSec: 10 * MB };
    const load = series([80 * MB, 80 * MB, 80 * MB], 1);
    const ok = decideScaling(mixed, state(1, 125 * MB), load);
    assert.equal(ok.action, "scale-out");
    assert.equal(ok.evidence?.lowWatermarkPercent, undefined);
    assert.equal(ok.evidence?.highWatermarkPercent, 40);
    // 40% of 20 MB/s is 8 MB/s, below the 10 MB/s low watermark: no band, nothing is done
    const inverted = decideScaling(mixed, state(1, 20 * MB), load);
    assert.equal(inverted.action, "hold");
    if (inverted.action !== "hold") return;
    assert.equal(inverted.reason, HoldReason.INVALID_WATERMARKS);
    assert.equal(inverted.wanted, "none");
    assert.match(inverted.message, /low 10000000 B\/s, high 8000000 B\/s/);
    assert.equal(inverted.evidence?.highWatermarkBytesPerSec, 8 * MB);
  });

  it("hold with invalid-watermarks against no capacity rather than scale on a zero watermark", () => {
    const d = decideScaling(percent, state(1, 0), series([1, 1, 1], 1));
    assert.equal(d.action === "hold" && d.reason, HoldReason.INVALID_WATERMARKS);
    assert.deepEqual(resolveWatermarks(percent, 0), {
      highBytesPerSec: 0,
      lowBytesPerSec: 0,
      highPercent: 40,
      lowPercent: 8,
    });
  });

  it("come from the spec as percents; the bytes/s form is kept as it was", () => {
    const spec = localSpec();
    const bytes = scalingSettingsOf(spec);
    assert.equal(bytes.highWatermarkBytesPerSec, spec.scaling.highWatermarkBytesPerSec);
    assert.equal(bytes.highWatermarkPercent, undefined);
    const scaling = { cooldownSeconds: 60, highWatermarkPercent: 70, lowWatermarkPercent: 20 };
    const settings = scalingSettingsOf({ ...spec, scaling });
    assert.equal(settings.highWatermarkPercent, 70);
    assert.equal(settings.lowWatermarkPercent, 20);
    assert.equal(settings.highWatermarkBytesPerSec, undefined);
  });

  it("resolve against the balancer's capacity: the spec's, else the provider's baseline, else the fallback", () => {
    const spec = localSpec();
    const provider = () => 300 * MB;
    assert.equal(brokerNetworkCapacity(spec, 125 * MB, provider), 300 * MB);
    assert.equal(
      brokerNetworkCapacity(spec, 125 * MB, () => undefined),
      125 * MB,
    );
    assert.equal(brokerNetworkCapacity(spec, 125 * MB), 125 * MB);
    const own = { ...spec, balancing: { brokerNetworkBytesPerSec: 40 * MB } };
    assert.equal(brokerNetworkCapacity(own, 125 * MB, provider), 40 * MB);
  });
});
