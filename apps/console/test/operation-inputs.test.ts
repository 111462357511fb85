import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { inputRows, scalingDecisionRows } from "../src/components/operation-inputs.ts";

// As the autoscaler stores it (apps/control-plane/src/controllers/autoscaler: input.decision = reason + evidence).
const evidence = {
  perBrokerBytesPerSec: [90_000_000, 95_000_000, 120_000_000],
  totalBytesPerSec: [180_000_000, 190_000_000, 240_000_000],
  utilization: 0.96,
  highWatermarkBytesPerSec: 100_000_000,
  lowWatermarkBytesPerSec: 10_000_000,
  highWatermarkPercent: 80,
  targetBytesPerSec: 55_000_000,
  capacityBytesPerSec: 125_000_000,
  evaluationPeriods: 3,
  periodSeconds: 60,
  desiredCapacity: 2,
  minBrokers: 1,
  maxBrokers: 6,
};

describe("operation inputs", () => {
  it("shows a scale-out's figures: each period against the band, utilization, brokers from → to, target", () => {
    const rows = scalingDecisionRows("cluster.scale-out", {
      from: 2,
      to: 5,
      decision: { reason: "above the high watermark for 3 periods", ...evidence },
    })!;
    assert.deepEqual(
      rows.map((r) => [r.metric, r.value, r.decision]),
      [
        ["Network in + out per broker, period 1 of 3 (1 min 00 s)", "90.0 MB/s", "within the band"],
        ["Network in + out per broker, period 2 of 3 (1 min 00 s)", "95.0 MB/s", "within the band"],
        ["Network in + out per broker, period 3 of 3 (1 min 00 s)", "120 MB/s", "above: scale out"],
        ["Utilization of a broker's network (latest period)", "96%", "—"],
        ["Brokers", "2 → 5", "scale out: above the high watermark for 3 periods"],
        ["Target per broker after scaling", "55.0 MB/s", "—"],
      ],
    );
    assert.equal(rows[0]!.threshold, "out above 100 MB/s (80% of capacity), in below 10.0 MB/s");
    assert.equal(rows[4]!.threshold, "1 to 6");
  });

  it("shows a hold with what was wanted and why", () => {
    const rows = scalingDecisionRows("cluster.scale-hold", {
      wanted: "scale-in",
      reason: "cooldown",
      message: "…",
      evidence: { ...evidence, perBrokerBytesPerSec: [5_000_000], cooldownUntil: 1_700_000_000_000 },
    })!;
    assert.equal(rows[0]!.decision, "below: scale in");
    assert.deepEqual(
      rows.find((r) => r.metric === "Brokers"),
      { metric: "Brokers", value: "2", threshold: "1 to 6", decision: "held (wanted scale-in): cooldown" },
    );
    assert.ok(rows.some((r) => r.metric === "Cooldown" && r.value.startsWith("until ")));
  });

  it("is not a decision table for other operations, or a hold without figures", () => {
    assert.equal(scalingDecisionRows("broker.drain", { brokerId: 1 }), undefined);
    assert.equal(
      scalingDecisionRows("cluster.scale-hold", { reason: "disabled", evidence: null }),
      undefined,
    );
  });

  it("lists any other input by dotted name with a readable value", () => {
    assert.deepEqual(
      inputRows({
        brokerId: 3,
        reason: "spot-interruption",
        plan: { goals: ["capacity", "band"], moves: [] },
        at: null,
      }),
      [
        { name: "brokerId", value: "3" },
        { name: "reason", value: "spot-interruption" },
        { name: "plan.goals", value: "capacity, band" },
        { name: "plan.moves", value: "none" },
        { name: "at", value: "—" },
      ],
    );
    assert.deepEqual(inputRows({ moves: [{ topic: "t", partition: 0 }] }), [
      { name: "moves", value: '[{"topic":"t","partition":0}]' },
    ]);
  });
});
