// Scale-out, from a sustained watermark breach to load balanced on the new brokers (issue 14's bar: < 30 s on
// the local provider). One real broker takes an idempotent producer's load (measured first, autoscaling off);
// then the watermarks are set so that load is 4× the high one, and the clock starts. Reported, in ms from that
// moment: the autoscaler's decision (cluster.scale-out created), the new brokers serving (its end), every
// broker leading partitions, and per-broker network in+out within ±10% of the mean (heartbeat rates over 2 s),
// with the 30 s target as the ceiling (ratio). A timeline (brokers, per-broker in+out, watermarks, each move
// and decision) is drawn to e2e/bench/results/scale-out.svg (quick mode: to a temp folder). One JSON line.
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  brokerRates,
  clusterOperations,
  type HotProducer,
  setScaling,
  spreadOf,
  startHotProducer,
} from "../harness/autoscale-kit.ts";
import { createTopicViaApi, partitionLeaders } from "../harness/clients/cluster-topics.ts";
import { startCluster } from "../harness/cluster.ts";
import { renderScaleOutChart, type TimelineMark, type TimelinePoint } from "./scale-out-chart.ts";

const quick = process.env.CIRRUS_BENCH_QUICK === "1";
const TARGET_MS = 30_000;
const BAND = 0.1;
const PARTITIONS = 6;
const TOPIC = "scale-out";
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const cluster = await startCluster({
  brokers: 1,
  env: { AUTO_REBALANCE_SETTLE_MS: "1000", RECONCILE_INTERVAL_MS: "200" },
});
let producer: HotProducer | undefined;
try {
  await setScaling(
    cluster,
    { min: 1, max: 3 },
    {
      highWatermarkBytesPerSec: 1_000_000_000,
      lowWatermarkBytesPerSec: 1,
      cooldownSeconds: 60,
      enabled: false,
    },
  );
  await cluster.refreshBrokers();
  await createTopicViaApi(cluster, TOPIC, PARTITIONS);
  producer = await startHotProducer(cluster, TOPIC, 300_000);
  const measured = producer.measuredBytesPerSec;
  const high = Math.round(measured / 4);
  const low = Math.round(measured / 40);

  const points: TimelinePoint[] = [];
  const marks: TimelineMark[] = [];
  const start = Date.now();
  await setScaling(
    cluster,
    { min: 1, max: 3 },
    {
      highWatermarkBytesPerSec: high,
      lowWatermarkBytesPerSec: low,
      cooldownSeconds: 60,
      periodSeconds: 1,
      evaluationPeriods: 3,
    },
  );
  let leaders: number[] = await partitionLeaders(cluster, TOPIC);
  let leadersAt: number | undefined;
  let balancedAt: number | undefined;
  let decisionAt: number | undefined;
  let servingAt: number | undefined;
  let spreadAtEnd = { above: 0, below: 0 };
  const deadline = start + (quick ? 60_000 : 90_000);
  while (Date.now() < deadline && balancedAt === undefined) {
    await sleep(500);
    const t = Date.now() - start;
    const brokers = await cluster.refreshBrokers();
    const rates = await brokerRates(cluster, 2_000);
    const live = new Set(brokers.map((b) => b.brokerId));
    const load = Object.fromEntries(
      rates.filter((r) => live.has(r.brokerId)).map((r) => [r.brokerId, r.bytesInPerSec + r.bytesOutPerSec]),
    );
    points.push({ t, brokers: brokers.length, load });
    const now = await partitionLeaders(cluster, TOPIC);
    now.forEach((l, p) => {
      if (l !== leaders[p] && l >= 0) marks.push({ t, kind: "move", label: `p${p}: ${leaders[p]} → ${l}` });
    });
    leaders = now;
    const [out] = await clusterOperations(cluster, "cluster.scale-out");
    if (out && decisionAt === undefined) {
      decisionAt = out.createdAt - start;
      marks.push({ t: decisionAt, kind: "decision", label: `scale-out ${out.input.from} → ${out.input.to}` });
    }
    if (out?.finishedAt && servingAt === undefined) servingAt = out.finishedAt - start;
    const leading = new Set(now.filter((l) => live.has(l)));
    if (leadersAt === undefined && brokers.length === 3 && brokers.every((b) => leading.has(b.brokerId))) {
      leadersAt = t;
    }
    const values = Object.values(load);
    spreadAtEnd = values.length > 0 ? spreadOf(values) : spreadAtEnd;
    if (
      leadersAt !== undefined &&
      values.length === 3 &&
      Math.max(spreadAtEnd.above, spreadAtEnd.below) <= BAND
    ) {
      balancedAt = t;
    }
  }
  producer.stop();
  const produced = await producer.run;
  const svg = renderScaleOutChart({
    title: `scale-out on the local provider: 1 → 3 brokers, load 4× the high watermark (${new Date().toISOString().slice(0, 10)})`,
    points,
    marks,
    highWatermark: high,
    lowWatermark: low,
    maxBrokers: 3,
  });
  const chart = quick
    ? join(tmpdir(), "cirrus-scale-out.svg")
    : join(import.meta.dirname, "results", "scale-out.svg");
  writeFileSync(chart, svg);
  console.log(
    JSON.stringify({
      bench: "scale-out",
      quick,
      measuredOneBrokerBytesPerSec: Math.round(measured),
      highWatermarkBytesPerSec: high,
      lowWatermarkBytesPerSec: low,
      evaluation: "3 × 1 s",
      breachToDecisionMs: decisionAt ?? null,
      breachToBrokersServingMs: servingAt ?? null,
      breachToAllBrokersLeadMs: leadersAt ?? null,
      breachToBalancedMs: balancedAt ?? null,
      balancedBand: BAND,
      perBrokerSpreadAtEnd: spreadAtEnd,
      moves: marks.filter((m) => m.kind === "move").length,
      ceilingMs: TARGET_MS,
      ratioToCeiling: balancedAt === undefined ? null : +(balancedAt / TARGET_MS).toFixed(3),
      leadersRatioToCeiling: leadersAt === undefined ? null : +(leadersAt / TARGET_MS).toFixed(3),
      acked: produced.acked.size,
      unacked: produced.unacked.size,
      chart,
    }),
  );
} finally {
  producer?.stop();
  const { orphans } = await cluster.stop();
  if (orphans > 0) console.error(`scale-out bench: ${orphans} broker processes left behind`);
}
