// Drain of a broker leading ~100 partitions (full mode; quick mode 20): the time from POST /brokers/:id/drain
// until every one of its partitions is announced on another broker (which has opened it), and an idempotent
// producer's p99 send latency during the drain against the same producer's p99 just before it (the peer,
// same run). `handoffMeanMs`: each hand-off step's mean per partition over the drain, from the brokers'
// cirrus_broker_partition_handoff_seconds (close_* on the drained broker, open_* on the other).

import { bootstrapOf, createTopicViaApi, partitionLeaders } from "../harness/clients/cluster-topics.ts";
import { startCluster, waitFor } from "../harness/cluster.ts";
import {
  CLIENT_METADATA_MAX_AGE_MS,
  CLIENT_RETRY_DELAY_MS,
  handoffMeansBetween,
  handoffTotals,
  SteadyProducer,
  type TimedSend,
} from "./partition-move-kit.ts";
import { percentile, printResult, quick, round } from "./s3stream-bench-kit.ts";

/** Two brokers share the topic evenly: the drained one leads about half. */
const PARTITIONS = quick ? 40 : 200;
/** Partitions the producer writes (one send in flight each), spread over both brokers. */
const PRODUCED = 8;
const BASELINE_MS = quick ? 2_000 : 5_000;
const TOPIC = "drain";

const latencies = (sends: readonly TimedSend[], from: number, to: number) =>
  sends.filter((s) => s.sentAt >= from && s.sentAt < to).map((s) => s.ackedAt - s.sentAt);

const cluster = await startCluster({ brokers: 2 });
try {
  await createTopicViaApi(cluster, TOPIC, PARTITIONS);
  const leaders = await partitionLeaders(cluster, TOPIC);
  const counts = new Map<number, number>();
  for (const l of leaders) counts.set(l, (counts.get(l) ?? 0) + 1);
  const [drained, led] = [...counts].sort((a, b) => b[1] - a[1])[0]!;
  const step = Math.floor(PARTITIONS / PRODUCED);
  const producer = new SteadyProducer(
    bootstrapOf(cluster),
    TOPIC,
    Array.from({ length: PRODUCED }, (_, i) => i * step),
  );
  try {
    await waitFor("the first acks", async () => (producer.sends.length >= 100 ? true : undefined), 30_000);
    await new Promise((resolve) => setTimeout(resolve, BASELINE_MS));
    const stepsBefore = await handoffTotals(cluster);
    const drainFrom = performance.now();
    const answer = await cluster.api<{ id: string }>(
      "POST",
      `/v1/clusters/${cluster.clusterId}/brokers/${drained}/drain`,
    );
    if (answer.status !== 202) throw new Error(`drain: ${answer.status} ${JSON.stringify(answer.body)}`);
    await waitFor(
      `every partition of broker ${drained} led elsewhere`,
      async () => {
        const now = await partitionLeaders(cluster, TOPIC);
        return now.every((l) => l >= 0 && l !== drained) ? true : undefined;
      },
      120_000,
    );
    const drainMs = performance.now() - drainFrom;
    // As long after the drain as it lasted: the moved partitions' first sends on their new broker count.
    const windowMs = Math.max(drainMs, 1_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    await producer.stop();
    const handoffMeanMs = handoffMeansBetween(stepsBefore, await handoffTotals(cluster));
    const baseline = latencies(producer.sends, drainFrom - windowMs, drainFrom);
    const during = latencies(producer.sends, drainFrom, drainFrom + windowMs);
    if (baseline.length === 0 || during.length === 0) throw new Error("no sends to compare");
    printResult({
      bench: "partition-move-drain",
      quick,
      partitions: PARTITIONS,
      partitionsDrained: led,
      drainMs: round(drainMs, 0),
      targetDrainMsFor100: 5_000,
      drainMsPerPartition: round(drainMs / led, 1),
      producedPartitions: PRODUCED,
      clientRetryDelayMs: CLIENT_RETRY_DELAY_MS,
      clientMetadataMaxAgeMs: CLIENT_METADATA_MAX_AGE_MS,
      baselineSends: baseline.length,
      baselineProduceP50Ms: round(percentile(baseline, 50), 1),
      baselineProduceP99Ms: round(percentile(baseline, 99), 1),
      drainSends: during.length,
      drainProduceP50Ms: round(percentile(during, 50), 1),
      drainProduceP99Ms: round(percentile(during, 99), 1),
      produceP99RatioDrainVsBaseline: round(percentile(during, 99) / percentile(baseline, 99), 2),
      handoffMeanMs,
      failedSends: producer.failed,
      firstErrors: producer.errors,
    });
  } finally {
    await producer.stop().catch(() => {});
  }
} finally {
  const { orphans } = await cluster.stop();
  if (orphans > 0) console.error(`partition-move-drain: ${orphans} broker processes left behind`);
}
