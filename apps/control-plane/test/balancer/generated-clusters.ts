// Generated clusters for the planner's property tests: a seeded generator (same seed, same cluster), skewed
// topics (a few busy topics, a long quiet tail), hot partitions, idle partitions, brokers that just joined
// (no partitions), brokers of different capacities.
import type { BalancePlan, BalancerBroker, BalancerPartition } from "../../src/balancer/plan-types.ts";

/** mulberry32: a small seeded PRNG, enough for test data. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface ClusterShape {
  brokers: number;
  /** Brokers (the last ones) that lead nothing yet: they just joined. */
  joined?: number;
  topics: number;
  partitionsPerTopic: number;
  /** Share of partitions with no traffic at all. */
  idleShare?: number;
  /** Traffic of the busiest topic's partitions, bytes/s; topic k gets busiest / (k + 1) (skew). */
  busiestBytesPerSec?: number;
  capacityBytesPerSec?: number;
  /** Give every other broker twice the capacity. */
  mixedCapacity?: boolean;
  /** "skewed" (default): the lower brokers lead more; "uniform": leaders drawn evenly. */
  placement?: "skewed" | "uniform";
}

export function generateCluster(
  seed: number,
  shape: ClusterShape,
): { brokers: BalancerBroker[]; partitions: BalancerPartition[] } {
  const random = seededRandom(seed);
  const capacity = shape.capacityBytesPerSec ?? 125_000_000;
  const brokers: BalancerBroker[] = Array.from({ length: shape.brokers }, (_, i) => {
    const c = shape.mixedCapacity && i % 2 === 1 ? 2 * capacity : capacity;
    return {
      id: i + 1,
      zone: `zone-${i % 3}`,
      health: "healthy",
      capacityInBytesPerSec: c,
      capacityOutBytesPerSec: c,
    };
  });
  const leaders = shape.brokers - (shape.joined ?? 0);
  const busiest = shape.busiestBytesPerSec ?? 1_000_000;
  const partitions: BalancerPartition[] = [];
  for (let t = 0; t < shape.topics; t++)
    for (let p = 0; p < shape.partitionsPerTopic; p++) {
      const idle = random() < (shape.idleShare ?? 0.2);
      const base = busiest / (t + 1);
      const bytesIn = idle ? 0 : base * (0.5 + random());
      partitions.push({
        topicId: `t${t}`,
        topic: `topic-${t}`,
        partition: p,
        leader: 1 + Math.floor(leaders * random() ** (shape.placement === "uniform" ? 1 : 1.7)),
        bytesInPerSec: bytesIn,
        bytesOutPerSec: idle ? 0 : bytesIn * (0.5 + 2 * random()),
      });
    }
  return { brokers, partitions };
}

/** The partitions as they are once the plan is carried out: new leaders, moved ones marked at `now`. */
export function applyPlan(
  partitions: readonly BalancerPartition[],
  plan: BalancePlan,
  now: number,
): BalancerPartition[] {
  const moved = new Map(plan.moves.map((m) => [`${m.topicId}/${m.partition}`, m.to]));
  return partitions.map((p) => {
    const to = moved.get(`${p.topicId}/${p.partition}`);
    return to === undefined ? p : { ...p, leader: to, lastMovedAt: now };
  });
}
