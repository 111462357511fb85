// The balancer's planner on 100,000 partitions over 50 brokers (target: a plan in < 200 ms), three shapes:
// a broker that just joined (49 lead everything), a skewed placement (the lower brokers lead far more, up
// to the plan's move limit), and a cluster the planner already balanced (what every auto-balance tick pays).
// The peer, measured in the same run on the same input: reading every partition's traffic in and out,
// sorting it (the engine's native numeric sort) and summing each broker's load, the floor any plan over
// this input costs (ratio = plan / peer); and, for scale, the same with a comparator sort of the objects.
// Prints one JSON line: median and p99 wall time of each shape, CPU time, moves, goals met.
import { planBalance } from "../../apps/control-plane/src/balancer/plan-balance.ts";
import type { BalancerPartition } from "../../apps/control-plane/src/balancer/plan-types.ts";
import { applyPlan, generateCluster } from "../../apps/control-plane/test/balancer/generated-clusters.ts";
import { median, percentile, printResult, quick, round } from "./s3stream-bench-kit.ts";

const BROKERS = 50;
const TOPICS = 200;
const PARTITIONS_PER_TOPIC = 500;
const RUNS = quick ? 5 : 21;
const TARGET_MS = 200;
const NOW = 1_000_000_000;

function timed(runs: number, run: () => unknown): { wallMs: number[]; cpuMs: number[] } {
  const wallMs: number[] = [];
  const cpuMs: number[] = [];
  run(); // warm-up: the first run compiles
  for (let i = 0; i < runs; i++) {
    const cpu = process.cpuUsage();
    const started = performance.now();
    run();
    wallMs.push(performance.now() - started);
    const used = process.cpuUsage(cpu);
    cpuMs.push((used.user + used.system) / 1000);
  }
  return { wallMs, cpuMs };
}

/** The floor: read every partition's traffic, sort it both ways (native numeric sort), sum per broker. */
function sortAndSum(partitions: readonly BalancerPartition[]): number {
  const loads = new Float64Array(BROKERS + 1);
  for (const key of ["bytesInPerSec", "bytesOutPerSec"] as const) {
    const traffic = new Float64Array(partitions.length);
    for (let i = 0; i < partitions.length; i++) {
      const p = partitions[i]!;
      traffic[i] = p[key];
      loads[p.leader] = loads[p.leader]! + p[key];
    }
    traffic.sort();
  }
  return loads.length;
}

/** The same with a comparator sort of the partition objects, as most code would write it. */
function sortObjectsAndSum(partitions: readonly BalancerPartition[]): number {
  const loads = new Map<number, number>();
  for (const key of ["bytesInPerSec", "bytesOutPerSec"] as const)
    for (const p of [...partitions].sort((a, b) => a[key] - b[key]))
      loads.set(p.leader, (loads.get(p.leader) ?? 0) + p[key]);
  return loads.size;
}

const shape = {
  brokers: BROKERS,
  topics: TOPICS,
  partitionsPerTopic: PARTITIONS_PER_TOPIC,
  busiestBytesPerSec: 200_000,
};
const joined = generateCluster(7, { ...shape, joined: 1, placement: "uniform" });
const skewed = generateCluster(7, { ...shape, placement: "skewed" });
const joinedPlan = planBalance(joined.brokers, joined.partitions, { now: NOW });
// Balanced: the joined cluster with its plan carried out long ago (nothing cooling any more).
const balanced = {
  brokers: joined.brokers,
  partitions: applyPlan(joined.partitions, joinedPlan, NOW - 3_600_000),
};

const peer = timed(RUNS, () => sortAndSum(joined.partitions));
const objectSort = timed(RUNS, () => sortObjectsAndSum(joined.partitions));
const result: Record<string, unknown> = {
  bench: "balancer-plan",
  quick,
  brokers: BROKERS,
  partitions: TOPICS * PARTITIONS_PER_TOPIC,
  runs: RUNS,
  targetMs: TARGET_MS,
  peer: {
    name: "native-sort-in-and-out-and-sum",
    medianMs: round(median(peer.wallMs)),
    p99Ms: round(percentile(peer.wallMs, 99)),
    cpuMedianMs: round(median(peer.cpuMs)),
  },
  objectSortAndSumMedianMs: round(median(objectSort.wallMs)),
};
for (const [name, cluster] of Object.entries({ joined, skewed, balanced })) {
  let plan = joinedPlan;
  const t = timed(RUNS, () => {
    plan = planBalance(cluster.brokers, cluster.partitions, { now: NOW });
  });
  result[name] = {
    medianMs: round(median(t.wallMs)),
    p99Ms: round(percentile(t.wallMs, 99)),
    cpuMedianMs: round(median(t.cpuMs)),
    ratioToPeer: round(median(t.wallMs) / median(peer.wallMs)),
    cpuRatioToPeer: round(median(t.cpuMs) / median(peer.cpuMs)),
    // On a shared machine wall time counts other processes' turns: the target is judged on CPU time too.
    withinTarget: median(t.wallMs) < TARGET_MS,
    cpuWithinTarget: median(t.cpuMs) < TARGET_MS,
    moves: plan.moves.length,
    goalsMet: plan.goals.filter((g) => g.metAfter).map((g) => g.goal),
  };
}
printResult(result);
