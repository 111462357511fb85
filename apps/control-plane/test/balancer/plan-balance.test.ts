// The planner on generated clusters (seeded: a failure names its seed): goals met where they can be, earlier
// goals never made worse, every move legal, no partition moved twice or back within its cooldown, a plan
// applied leaves nothing to do, and the hard shapes by hand: hot partitions, joining, dying, draining and
// slow brokers, capacity differences, loads inside the band.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { planBalance } from "../../src/balancer/plan-balance.ts";
import type {
  BalancePlan,
  BalancerBroker,
  BalancerPartition,
  BrokerHealth,
} from "../../src/balancer/plan-types.ts";
import { applyPlan, type ClusterShape, generateCluster, seededRandom } from "./generated-clusters.ts";

const NOW = 1_000_000_000;
const MB = 1_000_000;
const met = (plan: BalancePlan, goal: string) => plan.goals.find((g) => g.goal === goal)!.metAfter;

function broker(id: number, health: BrokerHealth = "healthy", capacity = 125 * MB): BalancerBroker {
  return { id, zone: "z", health, capacityInBytesPerSec: capacity, capacityOutBytesPerSec: capacity };
}
function partition(n: number, leader: number, bytesIn: number, bytesOut = bytesIn): BalancerPartition {
  return { topicId: "t", topic: "t", partition: n, leader, bytesInPerSec: bytesIn, bytesOutPerSec: bytesOut };
}

/** Every move is legal: from the partition's leader, to a healthy broker, once per plan, none cooling. */
function assertLegal(
  brokers: readonly BalancerBroker[],
  partitions: readonly BalancerPartition[],
  plan: BalancePlan,
  cooldownMs: number,
) {
  const byKey = new Map(partitions.map((p) => [`${p.topicId}/${p.partition}`, p]));
  const health = new Map(brokers.map((b) => [b.id, b.health]));
  const seen = new Set<string>();
  for (const m of plan.moves) {
    const key = `${m.topicId}/${m.partition}`;
    const p = byKey.get(key)!;
    assert.ok(!seen.has(key), `${key} moved twice in one plan`);
    seen.add(key);
    assert.equal(m.from, p.leader, `${key} moves from its leader`);
    assert.notEqual(m.to, m.from);
    assert.equal(health.get(m.to), "healthy", `${key} goes to a healthy broker`);
    assert.notEqual(health.get(m.from), "draining", `${key}: a draining broker's partitions are the drain's`);
    assert.ok(
      p.lastMovedAt === undefined || NOW - p.lastMovedAt >= cooldownMs,
      `${key} moved within its cooldown`,
    );
    assert.ok(m.reason.length > 0);
  }
  // The after loads are the before loads with the moves applied.
  const after = new Map(plan.before.map((b) => [b.brokerId, { ...b }]));
  for (const m of plan.moves) {
    after.get(m.from)!.bytesInPerSec -= m.bytesInPerSec;
    after.get(m.to)!.bytesInPerSec += m.bytesInPerSec;
    after.get(m.from)!.partitions -= 1;
    after.get(m.to)!.partitions += 1;
  }
  for (const b of plan.after) {
    assert.ok(Math.abs(after.get(b.brokerId)!.bytesInPerSec - b.bytesInPerSec) < 1e-3);
    assert.equal(after.get(b.brokerId)!.partitions, b.partitions);
  }
}

/** Total bytes/s outside ±band of the mean (equal capacities), both directions. */
function bandExcess(plan: BalancePlan, which: "before" | "after", band = 0.1): number {
  const loads = plan[which].filter((b) => b.health !== "draining");
  let excess = 0;
  for (const key of ["bytesInPerSec", "bytesOutPerSec"] as const) {
    const mean = loads.reduce((s, b) => s + b[key], 0) / loads.length;
    for (const b of loads) excess += Math.max(0, Math.abs(b[key] - mean) - band * mean);
  }
  return excess;
}

const SHAPES: ClusterShape[] = [
  { brokers: 3, topics: 4, partitionsPerTopic: 12 },
  { brokers: 6, joined: 2, topics: 8, partitionsPerTopic: 16 },
  { brokers: 9, topics: 20, partitionsPerTopic: 10, idleShare: 0.5 },
  { brokers: 12, joined: 1, topics: 30, partitionsPerTopic: 24, placement: "uniform" },
  { brokers: 8, topics: 10, partitionsPerTopic: 30, mixedCapacity: true },
  {
    brokers: 5,
    joined: 1,
    topics: 3,
    partitionsPerTopic: 500,
    placement: "uniform",
    busiestBytesPerSec: 100_000,
  },
  { brokers: 6, topics: 2, partitionsPerTopic: 700, busiestBytesPerSec: 100_000 },
];

describe("planBalance on generated clusters", () => {
  it("makes legal moves, never worsens an earlier goal, and meets the band where partitions are small", () => {
    let reachable = 0;
    for (let seed = 1; seed <= 40; seed++)
      for (const shape of SHAPES) {
        const { brokers, partitions } = generateCluster(seed, shape);
        const plan = planBalance(brokers, partitions, { now: NOW });
        assertLegal(brokers, partitions, plan, 60_000);
        if (!shape.mixedCapacity) assert.ok(bandExcess(plan, "after") <= bandExcess(plan, "before") + 1e-3);
        for (const g of plan.goals)
          if (g.metBefore) assert.ok(g.metAfter, `seed ${seed}: ${g.goal} was met before`);
        // Many small partitions (each under a third of the band): the band is reachable and must be reached.
        const small = (key: "bytesInPerSec" | "bytesOutPerSec") =>
          Math.max(...partitions.map((p) => p[key])) <
          (0.1 * partitions.reduce((s, p) => s + p[key], 0)) / shape.brokers / 3;
        if (!shape.mixedCapacity && small("bytesInPerSec") && small("bytesOutPerSec") && ++reachable)
          assert.ok(
            met(plan, "network-in") && met(plan, "network-out"),
            `seed ${seed} ${JSON.stringify(plan.goals)}`,
          );
        assert.ok(met(plan, "capacity"), `seed ${seed}: capacity`);
      }
    assert.ok(
      reachable >= 20,
      `only ${reachable} clusters where the band is surely reachable: the check says little`,
    );
  });

  it("is deterministic and idempotent: the plan applied leaves nothing to do", () => {
    for (let seed = 1; seed <= 40; seed++)
      for (const shape of SHAPES) {
        const { brokers, partitions } = generateCluster(seed, shape);
        const plan = planBalance(brokers, partitions, { now: NOW });
        assert.deepEqual(planBalance(brokers, partitions, { now: NOW }), plan);
        const next = planBalance(brokers, applyPlan(partitions, plan, NOW), { now: NOW + 5_000 });
        assert.deepEqual(next.moves, [], `seed ${seed} ${JSON.stringify(shape)}: ${next.moves[0]?.reason}`);
      }
  });

  it("moves nothing back within its cooldown, even when the load shifts", () => {
    for (let seed = 1; seed <= 40; seed++) {
      const { brokers, partitions } = generateCluster(seed, SHAPES[1]!);
      const plan = planBalance(brokers, partitions, { now: NOW, cooldownMs: 60_000 });
      const random = seededRandom(seed);
      const shifted = applyPlan(partitions, plan, NOW).map((p) => ({
        ...p,
        bytesInPerSec: p.bytesInPerSec * (0.3 + 1.4 * random()),
        bytesOutPerSec: p.bytesOutPerSec * (0.3 + 1.4 * random()),
      }));
      const moved = new Set(plan.moves.map((m) => `${m.topicId}/${m.partition}`));
      const next = planBalance(brokers, shifted, { now: NOW + 30_000, cooldownMs: 60_000 });
      for (const m of next.moves)
        assert.ok(!moved.has(`${m.topicId}/${m.partition}`), `seed ${seed}: moved again`);
      // Once the cooldown is over they may move again.
      const later = planBalance(brokers, shifted, { now: NOW + 60_000, cooldownMs: 60_000 });
      assertLegal(brokers, shifted, later, 0);
    }
  });
});

describe("planBalance by hand", () => {
  it("does nothing inside the band (no churn), nor for an excess below the minimum useful change", () => {
    const brokers = [broker(1), broker(2), broker(3)];
    const inside = [partition(0, 1, 10 * MB), partition(1, 2, 10.9 * MB), partition(2, 3, 9.2 * MB)];
    assert.deepEqual(planBalance(brokers, inside, { now: NOW }).moves, []);
    const barelyOut = [...inside.slice(0, 2), partition(2, 3, 8.7 * MB), partition(3, 3, 0.05 * MB)];
    assert.deepEqual(planBalance(brokers, barelyOut, { now: NOW }).moves, []);
  });

  it("never moves a pinned partition (a coordinator), though its load counts", () => {
    const brokers = [broker(1), broker(2)];
    const parts = [
      { ...partition(0, 1, 6 * MB), pinned: true },
      { ...partition(1, 1, 6 * MB), pinned: true },
      partition(2, 1, 2 * MB),
      partition(3, 2, 2 * MB),
    ];
    const plan = planBalance(brokers, parts, { now: NOW });
    assert.ok(plan.moves.length > 0, "the unpinned partition still moves for the band");
    assert.ok(plan.moves.every((m) => m.partition === 2));
  });

  it("leaves brokers below the usage threshold alone for network balance, still evening counts", () => {
    const brokers = [broker(1), broker(2), broker(3)];
    // 0.6, 0.3 and 0.05 MB/s: far outside a ±10% band, all below a 1 MiB/s threshold.
    const light = [
      partition(0, 1, 0.4 * MB),
      partition(1, 1, 0.2 * MB),
      partition(2, 2, 0.3 * MB),
      partition(3, 3, 0.05 * MB),
    ];
    assert.ok(planBalance(brokers, light, { now: NOW }).moves.length > 0, "without a threshold it moves");
    const still = planBalance(brokers, light, { now: NOW, usageThresholdBytesPerSec: 1_048_576 });
    assert.deepEqual(still.moves, []);
    assert.ok(met(still, "network-in") && met(still, "network-out"));
    // A broker above the threshold still gives to one below it, and a joined broker still gets partitions.
    const hot = [
      partition(0, 1, 8 * MB),
      partition(1, 1, 4 * MB),
      partition(2, 2, 0.3 * MB),
      partition(3, 2, 0.2 * MB),
    ];
    const plan = planBalance(brokers, hot, { now: NOW, usageThresholdBytesPerSec: 1_048_576 });
    assert.ok(
      plan.moves.some((m) => m.from === 1 && m.goal === "network-in"),
      "the hot broker gives",
    );
    assert.ok(
      plan.moves.some((m) => m.to === 3),
      "the empty broker takes",
    );
  });

  it("acts when the band is broken even though no move can fix it fully", () => {
    // 2 brokers: 12.5 and 7.5 MB/s; the only partition that helps (1 MB/s) narrows the gap, cannot close it.
    const brokers = [broker(1), broker(2)];
    const parts = [partition(0, 1, 11.5 * MB), partition(1, 1, 1 * MB), partition(2, 2, 7.5 * MB)];
    const plan = planBalance(brokers, parts, { now: NOW });
    assert.deepEqual(
      plan.moves.map((m) => [m.partition, m.to]),
      [[1, 2]],
    );
    assert.equal(met(plan, "network-in"), false);
    assert.match(plan.goals.find((g) => g.goal === "network-in")!.detail, /t-0/);
  });

  it("empties the broker of a hot partition bigger than the band instead of bouncing the hot one", () => {
    const brokers = [broker(1), broker(2), broker(3), broker(4)];
    const parts = [partition(0, 1, 60 * MB)];
    for (let i = 1; i <= 40; i++) parts.push(partition(i, 1 + (i % 4), 1 * MB));
    const plan = planBalance(brokers, parts, { now: NOW });
    assert.ok(!plan.moves.some((m) => m.partition === 0), "the hot partition stays");
    const hot = plan.after.find((b) => b.brokerId === 1)!;
    assert.equal(hot.bytesInPerSec, 60 * MB, "its broker keeps only the hot partition's traffic");
    assert.match(plan.goals.find((g) => g.goal === "network-in")!.detail, /t-0/);
    const next = planBalance(brokers, applyPlan(parts, plan, NOW), { now: NOW, cooldownMs: 0 });
    assert.deepEqual(next.moves, [], "and it stays put next time, cooldown or not");
  });

  it("fills a broker that joined, and only that broker", () => {
    const brokers = [broker(1), broker(2), broker(3), broker(4)];
    const parts = Array.from({ length: 30 }, (_, i) => partition(i, 1 + (i % 3), 2 * MB));
    const plan = planBalance(brokers, parts, { now: NOW });
    assert.ok(plan.moves.every((m) => m.to === 4));
    assert.ok(met(plan, "network-in") && met(plan, "partition-count"));
    assert.ok([7, 8].includes(plan.after.find((b) => b.brokerId === 4)!.partitions));
  });

  it("leaves a dead broker's partitions alone and plans over the live ones", () => {
    const brokers = [broker(1), broker(2)];
    const parts = [
      partition(0, 1, 4 * MB),
      partition(1, 1, 4 * MB),
      partition(2, 9, 50 * MB),
      partition(3, -1, 50 * MB),
    ];
    const plan = planBalance(brokers, parts, { now: NOW });
    assert.deepEqual(
      plan.moves.map((m) => [m.partition, m.from, m.to]),
      [[0, 1, 2]],
    );
    assert.equal(
      plan.after.reduce((s, b) => s + b.bytesInPerSec, 0),
      8 * MB,
    );
  });

  it("gives draining and slow brokers nothing; a slow broker may give", () => {
    const brokers = [broker(1, "slow"), broker(2, "draining"), broker(3), broker(4)];
    const parts = [
      ...Array.from({ length: 8 }, (_, i) => partition(i, 1, 3 * MB)),
      ...Array.from({ length: 8 }, (_, i) => partition(10 + i, 2, 3 * MB)),
    ];
    const plan = planBalance(brokers, parts, { now: NOW });
    assert.ok(plan.moves.length > 0);
    for (const m of plan.moves) {
      assert.equal(m.from, 1);
      assert.ok([3, 4].includes(m.to));
    }
    assert.equal(plan.after.find((b) => b.brokerId === 2)!.partitions, 8, "the drain's partitions untouched");
  });

  it("weighs brokers by capacity, and empties a broker over its capacity threshold first", () => {
    const brokers = [broker(1, "healthy", 10 * MB), broker(2, "healthy", 30 * MB)];
    const parts = Array.from({ length: 20 }, (_, i) => partition(i, 1, 0.45 * MB));
    const plan = planBalance(brokers, parts, { now: NOW });
    assert.equal(plan.moves[0]!.goal, "capacity");
    assert.match(plan.moves[0]!.reason, /90% of its capacity \(threshold 80%\)/);
    const [small, big] = plan.after;
    assert.ok(Math.abs(big!.bytesInPerSec / small!.bytesInPerSec - 3) < 0.35, JSON.stringify(plan.after));
    assert.ok(met(plan, "capacity") && met(plan, "network-in"));
  });

  it("reports a partition over every broker's capacity instead of moving it around", () => {
    const brokers = [broker(1, "healthy", 10 * MB), broker(2, "healthy", 10 * MB)];
    const plan = planBalance(brokers, [partition(0, 1, 9.5 * MB)], { now: NOW });
    assert.deepEqual(plan.moves, []);
    assert.equal(met(plan, "capacity"), false);
    assert.match(plan.goals[0]!.detail, /broker 1 above 80%/);
  });

  it("evens counts with idle partitions only, never at the band's expense; stops at maxMoves", () => {
    const brokers = [broker(1), broker(2)];
    const parts = [
      partition(0, 1, 5 * MB),
      partition(1, 2, 5 * MB),
      ...Array.from({ length: 6 }, (_, i) => partition(10 + i, 1, 0)),
    ];
    const plan = planBalance(brokers, parts, { now: NOW });
    assert.deepEqual(
      plan.moves.map((m) => [m.goal, m.bytesInPerSec]),
      [
        ["partition-count", 0],
        ["partition-count", 0],
        ["partition-count", 0],
      ],
    );
    assert.equal(planBalance(brokers, parts, { now: NOW, maxMoves: 1 }).moves.length, 1);
  });

  it("refuses bad input with a RangeError naming it", () => {
    assert.throws(() => planBalance([broker(1), broker(1)], [], { now: NOW }), /broker 1 is listed twice/);
    assert.throws(() => planBalance([broker(1, "healthy", 0)], [], { now: NOW }), /capacity must be above 0/);
    assert.throws(() => planBalance([broker(1)], [partition(0, 1, -1)], { now: NOW }), /t-0: traffic/);
    assert.throws(
      () => planBalance([broker(1)], [partition(0, 1, Number.NaN)], { now: NOW }),
      /t-0: traffic/,
    );
    assert.throws(() => planBalance([broker(1)], [], { now: NOW, bandFraction: 0 }), RangeError);
  });

  it("plans for no brokers or no partitions without failing", () => {
    assert.deepEqual(planBalance([], [partition(0, 1, MB)], { now: NOW }).moves, []);
    assert.deepEqual(planBalance([broker(1), broker(2)], [], { now: NOW }).moves, []);
  });
});
