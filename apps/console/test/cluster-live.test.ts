import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { StreamEvent } from "../src/api/event-stream.ts";
import type { MetricsView } from "../src/api/types.ts";
import {
  applyClusterEvent,
  type ClusterLive,
  hasTraffic,
  seriesOf,
  watermarkLines,
  withLivePoints,
} from "../src/pages/cluster-live.ts";
import { broker } from "./broker-fixture.ts";

const event = (name: string, data: unknown): StreamEvent => ({ event: name, data: JSON.stringify(data) });
const watermarks = {
  capacityBytesPerSec: 50_000_000,
  highBytesPerSec: 40_000_000,
  lowBytesPerSec: 10_000_000,
};

describe("cluster live state (GET /v1/clusters/{id}/events)", () => {
  const snapshot = () =>
    applyClusterEvent(
      undefined,
      event("snapshot", {
        cluster: { id: "c", state: "RUNNING" },
        brokers: [broker(1), broker(2)],
        watermarks,
      }),
    )!;

  it("starts from the snapshot; events before it change nothing", () => {
    assert.equal(applyClusterEvent(undefined, event("brokers", { items: [broker(9)] })), undefined);
    assert.equal(applyClusterEvent(undefined, event("network", { at: 1, items: [] })), undefined);
    const state = snapshot();
    assert.deepEqual(
      state.brokers.map((b) => b.brokerId),
      [1, 2],
    );
    assert.deepEqual(state.watermarks, watermarks);
    assert.equal(state.points.size, 0);
    assert.equal(state.cluster.state, "RUNNING");
    const updating = applyClusterEvent(state, event("cluster", { id: "c", state: "UPDATING" }))!;
    assert.equal(updating.cluster.state, "UPDATING");
    assert.equal(updating.brokers, state.brokers, "the brokers stay");
  });

  it("replaces brokers on `brokers`, counting it as a change; an operation moving partitions too; unknown events are ignored", () => {
    const state = snapshot();
    const next = applyClusterEvent(state, event("brokers", { items: [broker(1, { state: "FENCED" })] }))!;
    assert.deepEqual(
      next.brokers.map((b) => [b.brokerId, b.state]),
      [[1, "FENCED"]],
    );
    assert.equal(next.changes, state.changes + 1);
    assert.equal(
      applyClusterEvent(next, event("operation", { id: "x", type: "cluster.rebalance" }))!.changes,
      next.changes + 1,
    );
    assert.equal(applyClusterEvent(next, event("operation", { id: "y", type: "cluster.scale-hold" })), next);
    assert.equal(applyClusterEvent(next, event("something-new", {})), next);
  });

  it("updates each broker's load and lease from `network` and adds a point to its series", () => {
    let state: ClusterLive = snapshot();
    for (const [at, rate] of [
      [1000, 10],
      [3000, 20],
    ] as const) {
      state = applyClusterEvent(
        state,
        event("network", {
          at,
          items: [{ brokerId: 1, bytesInPerSec: rate, bytesOutPerSec: rate / 2, leaseUntil: at + 10_000 }],
        }),
      )!;
    }
    assert.deepEqual(state.brokers[0]!.load, { bytesInPerSec: 20, bytesOutPerSec: 10 });
    assert.equal(state.brokers[0]!.leaseUntil, 13_000);
    assert.deepEqual(state.brokers[1]!.load, { bytesInPerSec: 0, bytesOutPerSec: 0 }, "no sample: unchanged");
    assert.ok(hasTraffic(state.points));
    assert.ok(!hasTraffic(new Map([[1, [{ at: 1, bytesInPerSec: 0, bytesOutPerSec: 0 }]]])));
    assert.ok(!hasTraffic(undefined));
    assert.deepEqual(state.points.get(1), [
      { at: 1000, bytesInPerSec: 10, bytesOutPerSec: 5 },
      { at: 3000, bytesInPerSec: 20, bytesOutPerSec: 10 },
    ]);
    const changed = { ...watermarks, highBytesPerSec: 30_000_000, highPercent: 60 };
    assert.deepEqual(applyClusterEvent(state, event("watermarks", changed))!.watermarks, changed);
  });

  it("draws the history, then the live points after its last bucket, for brokers the history lacks too", () => {
    assert.deepEqual(
      withLivePoints([{ at: 10 }, { at: 20 }], [{ at: 15 }, { at: 25 }]).map((p) => p.at),
      [10, 20, 25],
    );
    const metrics: MetricsView = {
      from: 0,
      to: 30,
      stepSeconds: 10,
      watermarks,
      brokers: [{ brokerId: 2, points: [{ at: 10, bytesInPerSec: 1, bytesOutPerSec: 2 }] }],
    };
    const live = new Map([
      [2, [{ at: 20, bytesInPerSec: 3, bytesOutPerSec: 4 }]],
      [1, [{ at: 20, bytesInPerSec: 5, bytesOutPerSec: 6 }]],
    ]);
    const series = seriesOf(metrics, live);
    assert.deepEqual(
      series.map((s) => [s.label, s.points.map((p) => p.value)]),
      [
        ["broker 1 in", [5]],
        ["broker 1 out", [6]],
        ["broker 2 in", [1, 3]],
        ["broker 2 out", [2, 4]],
      ],
    );
  });

  it("draws percent watermarks at their bytes/s, saying the percent and the capacity", () => {
    assert.deepEqual(watermarkLines(watermarks), [
      { label: "scale out", value: 40_000_000 },
      { label: "scale in", value: 10_000_000 },
    ]);
    const lines = watermarkLines({ ...watermarks, highPercent: 80, lowPercent: 20 });
    assert.deepEqual(
      lines.map((l) => l.value),
      [40_000_000, 10_000_000],
    );
    assert.match(lines[0]!.label, /^scale out \(80% of .+\)$/);
    assert.match(lines[1]!.label, /^scale in \(20% of .+\)$/);
  });
});
