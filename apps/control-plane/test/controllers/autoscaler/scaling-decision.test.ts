// The autoscaler's decision over synthetic metric series: watermarks held for the evaluation periods,
// sizing to the middle of the band, min/max, cooldowns, hysteresis, and a simulated day of traffic
// that must never flap.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  decideScaling,
  HoldReason,
  type PeriodSample,
  type ScalingState,
} from "../../../src/controllers/autoscaler/scaling-decision.ts";
import {
  type ScalingSettings,
  scalingSettingsOf,
} from "../../../src/controllers/autoscaler/scaling-settings.ts";
import { localSpec } from "../provisioner/provisioner-kit.ts";

const MB = 1_000_000;
const settings: ScalingSettings = {
  enabled: true,
  highWatermarkBytesPerSec: 50 * MB,
  lowWatermarkBytesPerSec: 10 * MB,
  periodSeconds: 10,
  evaluationPeriods: 3,
  scaleOutCooldownSeconds: 60,
  scaleInCooldownSeconds: 120,
  scaleOutStep: 1,
  scaleInStep: 1,
  minBrokers: 1,
  maxBrokers: 5,
};
const NOW = 1_000_000_000;

/** Periods ending at NOW, oldest first; each value is the cluster's total in+out, split over `brokers`. */
function series(totals: number[], brokers: number, now = NOW): PeriodSample[] {
  return totals.map((total, i) => ({
    at: now - (totals.length - 1 - i) * settings.periodSeconds * 1000,
    brokers: Array.from({ length: brokers }, (_, b) => ({
      brokerId: b,
      instanceId: `i-${b}`,
      inBytesPerSec: (total / brokers) * 0.6,
      outBytesPerSec: (total / brokers) * 0.4,
    })),
  }));
}

function state(desired: number, more: Partial<ScalingState> = {}): ScalingState {
  return {
    now: NOW,
    desiredCapacity: desired,
    servingBrokers: desired,
    busy: false,
    lastScaleOutAt: undefined,
    lastScaleInAt: undefined,
    capacityBytesPerSec: 125 * MB,
    ...more,
  };
}

describe("scaling decision", () => {
  it("scales out after evaluationPeriods periods above the high watermark, sized to the middle of the band", () => {
    const d = decideScaling(settings, state(1), series([80 * MB, 90 * MB, 85 * MB], 1));
    assert.equal(d.action, "scale-out");
    if (d.action !== "scale-out") return;
    assert.equal(d.from, 1);
    // smallest total 80 MB/s over a target of 30 MB/s per broker: 3 brokers
    assert.equal(d.to, 3);
    assert.deepEqual(d.evidence.perBrokerBytesPerSec, [80 * MB, 90 * MB, 85 * MB]);
    assert.equal(d.evidence.targetBytesPerSec, 30 * MB);
    assert.equal(d.evidence.utilization, 85 / 125);
    assert.match(d.reason, /above the high watermark/);
  });

  it("adds at least scaleOutStep brokers", () => {
    const d = decideScaling(
      { ...settings, scaleOutStep: 2 },
      state(1),
      series([51 * MB, 51 * MB, 51 * MB], 1),
    );
    assert.equal(d.action === "scale-out" && d.to, 3);
  });

  it("holds when one period of the window is back inside the band", () => {
    const d = decideScaling(settings, state(1), series([80 * MB, 40 * MB, 85 * MB], 1));
    assert.deepEqual([d.action, d.action === "hold" && d.reason], ["hold", HoldReason.WITHIN_BAND]);
  });

  it("a value exactly at a watermark is not beyond it", () => {
    const atHigh = decideScaling(settings, state(1), series([50 * MB, 50 * MB, 50 * MB], 1));
    const atLow = decideScaling(settings, state(2), series([20 * MB, 20 * MB, 20 * MB], 2));
    assert.equal(atHigh.action === "hold" && atHigh.reason, HoldReason.WITHIN_BAND);
    assert.equal(atLow.action === "hold" && atLow.reason, HoldReason.WITHIN_BAND);
  });

  it("needs evaluationPeriods recent periods with data", () => {
    const short = decideScaling(settings, state(1), series([80 * MB, 90 * MB], 1));
    assert.equal(short.action === "hold" && short.reason, HoldReason.INSUFFICIENT_DATA);
    const stale = decideScaling(
      settings,
      state(1, { now: NOW + 60_000 }),
      series([80 * MB, 90 * MB, 85 * MB], 1),
    );
    assert.equal(stale.action === "hold" && stale.reason, HoldReason.INSUFFICIENT_DATA);
    const empty = series([80 * MB, 90 * MB, 85 * MB], 1);
    empty[1]!.brokers = [];
    const gap = decideScaling(settings, state(1), empty);
    assert.equal(gap.action === "hold" && gap.reason, HoldReason.INSUFFICIENT_DATA);
  });

  it("never beyond max: a blocked scale-out is a visible hold", () => {
    const d = decideScaling(settings, state(5), series([400 * MB, 400 * MB, 400 * MB], 5));
    assert.equal(d.action, "hold");
    if (d.action !== "hold") return;
    assert.deepEqual([d.wanted, d.reason], ["scale-out", HoldReason.AT_MAX]);
    assert.ok(d.evidence, "the figures are kept with the hold");
    const capped = decideScaling(settings, state(4), series([900 * MB, 900 * MB, 900 * MB], 4));
    assert.equal(capped.action === "scale-out" && capped.to, 5);
  });

  it("never below min", () => {
    const d = decideScaling({ ...settings, minBrokers: 2 }, state(2), series([MB, MB, MB], 2));
    assert.deepEqual(
      [d.action, d.action === "hold" && d.wanted, d.action === "hold" && d.reason],
      ["hold", "scale-in", HoldReason.AT_MIN],
    );
    const steps = decideScaling(
      { ...settings, minBrokers: 2, scaleInStep: 5 },
      state(4),
      series([MB, MB, MB], 4),
    );
    assert.equal(steps.action === "scale-in" && steps.to, 2);
  });

  it("scales in at most scaleInStep, and only as far as the peak load stays at or below the target", () => {
    const one = decideScaling(settings, state(4), series([30 * MB, 35 * MB, 30 * MB], 4));
    assert.deepEqual([one.action, one.action === "scale-in" && one.to], ["scale-in", 3]);
    // 4 brokers at 9 MB/s each = 36 MB/s: 2 brokers would carry 18 each (fine), 1 would carry 36 (> 30)
    const capped = decideScaling(
      { ...settings, scaleInStep: 3 },
      state(4),
      series([36 * MB, 36 * MB, 36 * MB], 4),
    );
    assert.equal(capped.action === "scale-in" && capped.to, 2);
  });

  it("holds a scale-in that would overload the remaining brokers (hysteresis)", () => {
    // low watermark close to high: 2 brokers at 35 each is below low (40) but 1 broker would carry 70 > 45
    const narrow = { ...settings, lowWatermarkBytesPerSec: 40 * MB };
    const d = decideScaling(narrow, state(2), series([70 * MB, 70 * MB, 70 * MB], 2));
    assert.equal(d.action === "hold" && d.reason, HoldReason.WOULD_OVERLOAD);
  });

  it("cooldowns: scale-out after a scale-out, scale-in after any scaling", () => {
    const hot = series([160 * MB, 160 * MB, 160 * MB], 2);
    const outBlocked = decideScaling(settings, state(2, { lastScaleOutAt: NOW - 30_000 }), hot);
    assert.equal(outBlocked.action === "hold" && outBlocked.reason, HoldReason.COOLDOWN);
    assert.equal(outBlocked.action === "hold" && outBlocked.evidence?.cooldownUntil, NOW + 30_000);
    const outAfterIn = decideScaling(settings, state(2, { lastScaleInAt: NOW - 1_000 }), hot);
    assert.equal(outAfterIn.action, "scale-out", "a scale-in does not delay a scale-out");
    const cold = series([MB, MB, MB], 3);
    const inAfterOut = decideScaling(settings, state(3, { lastScaleOutAt: NOW - 100_000 }), cold);
    assert.equal(inAfterOut.action === "hold" && inAfterOut.reason, HoldReason.COOLDOWN);
    const inLater = decideScaling(settings, state(3, { lastScaleOutAt: NOW - 120_000 }), cold);
    assert.equal(inLater.action, "scale-in");
  });

  it("holds while a scaling runs or the brokers have not caught up with the fleet", () => {
    const hot = series([80 * MB, 80 * MB, 80 * MB], 1);
    const busy = decideScaling(settings, state(1, { busy: true }), hot);
    assert.equal(busy.action === "hold" && busy.reason, HoldReason.SCALING_IN_PROGRESS);
    const joining = decideScaling(settings, state(3, { servingBrokers: 1 }), hot);
    assert.equal(joining.action === "hold" && joining.reason, HoldReason.CONVERGING);
  });

  it("disabled: holds whatever the load", () => {
    const d = decideScaling(
      { ...settings, enabled: false },
      state(1),
      series([900 * MB, 900 * MB, 900 * MB], 1),
    );
    assert.equal(d.action === "hold" && d.reason, HoldReason.DISABLED);
  });

  it("defaults that work out of the box: periods by provider, scale-in cooldown from the cooldown", () => {
    const spec = localSpec();
    const local = scalingSettingsOf(spec);
    assert.deepEqual(
      [local.enabled, local.periodSeconds, local.evaluationPeriods, local.scaleOutStep, local.scaleInStep],
      [true, 10, 3, 1, 1],
    );
    assert.equal(local.scaleInCooldownSeconds, spec.scaling.cooldownSeconds);
    assert.equal(scalingSettingsOf({ ...spec, provider: "aws" }).periodSeconds, 60);
    const tuned = scalingSettingsOf({ ...spec, scaling: { ...spec.scaling, scaleInCooldownSeconds: 7 } });
    assert.equal(tuned.scaleInCooldownSeconds, 7);
  });

  it("never flaps over a simulated day of noisy traffic: no direction change inside a cooldown", () => {
    let seed = 42;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const periodMs = settings.periodSeconds * 1000;
    let brokers = 1;
    let lastOut: number | undefined;
    let lastIn: number | undefined;
    let samples: PeriodSample[] = [];
    const actions: { at: number; action: string; to: number; perBroker: number }[] = [];
    for (let p = 0; p < 8_640; p++) {
      const now = p * periodMs;
      // a daily wave from 5 to 200 MB/s, plus ±20% noise
      const base = 5 * MB + 195 * MB * (0.5 - 0.5 * Math.cos((2 * Math.PI * p) / 8_640));
      const total = base * (0.8 + 0.4 * random());
      samples.push(series([total], brokers, now)[0]!);
      samples = samples.slice(-10);
      const d = decideScaling(
        settings,
        state(brokers, { now, lastScaleOutAt: lastOut, lastScaleInAt: lastIn }),
        samples,
      );
      if (d.action === "hold") continue;
      assert.ok(d.to >= settings.minBrokers && d.to <= settings.maxBrokers);
      actions.push({ at: now, action: d.action, to: d.to, perBroker: total / d.to });
      brokers = d.to;
      samples = []; // a new broker set: the next decision waits for fresh periods
      if (d.action === "scale-out") lastOut = now;
      else lastIn = now;
    }
    assert.ok(actions.some((a) => a.action === "scale-out") && actions.some((a) => a.action === "scale-in"));
    assert.ok(
      actions.some((a) => a.to === settings.maxBrokers),
      "reached the peak size",
    );
    for (let i = 1; i < actions.length; i++) {
      const [prev, next] = [actions[i - 1]!, actions[i]!];
      if (prev.action !== next.action) {
        const wait = next.action === "scale-in" ? settings.scaleInCooldownSeconds : 0;
        assert.ok(
          next.at - prev.at >= wait * 1000,
          `reversed ${JSON.stringify(prev)} → ${JSON.stringify(next)}`,
        );
      }
    }
    // the wave goes up once and down once: a handful of actions, not hundreds
    assert.ok(actions.length <= 16, `${actions.length} actions: ${JSON.stringify(actions)}`);
    // reversals: out→in→out within the same half of the wave would be flapping
    const rising = actions.filter((a) => a.at < 4_320 * periodMs);
    assert.ok(
      rising.every((a) => a.action === "scale-out"),
      `scale-in while the load rises: ${JSON.stringify(rising)}`,
    );
  });
});
