// The autoscaler with real brokers and a real client on the local provider: one broker, a producer load
// above the high watermark → the cluster scales to 3 and the new brokers lead partitions (auto-rebalance) →
// the load drops → the cluster scales back in to 1, one broker at a time, each drained before its instance
// is terminated. An idempotent producer runs throughout; every acknowledged record is read back exactly
// once and in order per partition. Watermarks are set from the load this machine sustains, measured first
// with autoscaling disabled (high = load / 4, low = load / 20, far above the light producer's ~0.3 KB/s), so
// the test asks "above/below" and not "how fast".
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  brokerRates,
  clusterOperations,
  type OperationItem,
  setScaling,
  spreadOf,
  startHotProducer,
} from "../harness/autoscale-kit.ts";
import { produceCountingAcks, readWholeTopic } from "../harness/clients/acked-producer.ts";
import { bootstrapOf, createTopicViaApi, partitionLeaders } from "../harness/clients/cluster-topics.ts";
import { verifyConsumed } from "../harness/clients/workload.ts";
import { type StartedCluster, startCluster, waitFor } from "../harness/cluster.ts";

const TOPIC = "elastic";
const PARTITIONS = 6;

describe("autoscaling on network watermarks", { timeout: 450_000 }, () => {
  let cluster: StartedCluster;
  before(async () => {
    cluster = await startCluster({
      brokers: 1,
      env: { AUTO_REBALANCE_SETTLE_MS: "1000", RECONCILE_INTERVAL_MS: "200" },
    });
  });
  after(async () => {
    if (!cluster) return;
    const { orphans } = await cluster.stop();
    assert.equal(orphans, 0, "no broker process left behind");
  });

  test("1 broker → load above the high watermark → 3 → load drops → back to 1, no acked record lost", {
    timeout: 430_000,
  }, async (t) => {
    await setScaling(
      cluster,
      { min: 1, max: 3 },
      {
        highWatermarkBytesPerSec: 1_000_000_000,
        lowWatermarkBytesPerSec: 1,
        cooldownSeconds: 2,
        enabled: false,
      },
    );
    await cluster.refreshBrokers();
    await createTopicViaApi(cluster, TOPIC, PARTITIONS);
    // The load one broker takes here, before anything scales.
    const hot = await startHotProducer(cluster, TOPIC, 200_000);
    const measured = hot.measuredBytesPerSec;
    const high = Math.round(measured / 4);
    const low = Math.round(measured / 20);
    const breachAt = Date.now();
    await setScaling(
      cluster,
      { min: 1, max: 3 },
      {
        highWatermarkBytesPerSec: high,
        lowWatermarkBytesPerSec: low,
        cooldownSeconds: 2,
        scaleInCooldownSeconds: 3,
        periodSeconds: 1,
        evaluationPeriods: 3,
      },
    );

    const out = await waitFor(
      "a finished scale-out",
      async () => {
        const [op] = await clusterOperations(cluster, "cluster.scale-out");
        if (op?.status === "FAILED") throw new Error(`scale-out failed: ${JSON.stringify(op)}`);
        return op?.status === "SUCCEEDED" ? op : undefined;
      },
      90_000,
    );
    assert.deepEqual([out.input.from, out.input.to, out.createdBy], [1, 3, "autoscaler"]);
    const decision = out.input.decision as {
      perBrokerBytesPerSec: number[];
      highWatermarkBytesPerSec: number;
    };
    assert.equal(decision.highWatermarkBytesPerSec, high);
    assert.ok(
      decision.perBrokerBytesPerSec.every((v) => v > high),
      JSON.stringify(decision),
    );

    await waitFor(
      "the 3 brokers to each lead partitions",
      async () => {
        const brokers = await cluster.refreshBrokers();
        const leaders = await partitionLeaders(cluster, TOPIC);
        const leading = new Set(leaders.filter((l) => l >= 0));
        return brokers.length === 3 && brokers.every((b) => leading.has(b.brokerId)) ? true : undefined;
      },
      90_000,
    );
    const balancedMs = Date.now() - breachAt;
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    const spread = await brokerRates(cluster, 3_000);
    const inSpread = spreadOf(spread.map((r) => r.bytesInPerSec));

    hot.stop();
    const first = await hot.run;
    const from = first.acked.size + first.unacked.size;
    let light = true;
    const lightRun = produceCountingAcks({
      bootstrap: bootstrapOf(cluster),
      topic: TOPIC,
      batch: 1,
      pauseMs: 500,
      from,
      timeoutMs: 200_000,
      keepGoing: () => light,
    });
    let ins: OperationItem[] = [];
    await withOperations(
      cluster,
      waitFor(
        "two finished scale-ins and one broker",
        async () => {
          ins = await clusterOperations(cluster, "cluster.scale-in");
          if (ins.some((op) => op.status === "FAILED"))
            throw new Error(`scale-in failed: ${JSON.stringify(ins)}`);
          const brokers = await cluster.refreshBrokers();
          return ins.length === 2 && ins.every((op) => op.status === "SUCCEEDED") && brokers.length === 1
            ? true
            : undefined;
        },
        240_000,
      ),
    );
    assert.deepEqual(
      ins.map((op) => [op.input.from, op.input.to]),
      [
        [3, 2],
        [2, 1],
      ],
    );
    // Let the light producer write to the last broker for a moment, then stop it.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    light = false;
    const second = await lightRun;

    const total = from + second.acked.size + second.unacked.size;
    const consumed = await readWholeTopic(bootstrapOf(cluster), TOPIC);
    const verdict = verifyConsumed(consumed, 0, total);
    const present = new Set(consumed.map((r) => Number(r.value)));
    const lostAcks = [...first.acked, ...second.acked].filter((n) => !present.has(n));
    assert.deepEqual(lostAcks, [], "every acknowledged record is read back");
    assert.equal(verdict.duplicates, 0, "no record is stored twice");
    assert.deepEqual(verdict.outOfOrder, [], "in order per partition");
    assert.ok(first.acked.size > 0 && second.acked.size > 0);
    const holds = await clusterOperations(cluster, "cluster.scale-hold");
    t.diagnostic(
      JSON.stringify({
        measuredBytesPerSec: Math.round(measured),
        high,
        low,
        breachToBalancedMs: balancedMs,
        perBrokerInAfterScaleOut: spread.map((r) => Math.round(r.bytesInPerSec)),
        inSpread,
        holds: holds.map((h) => `${h.input.wanted}:${h.input.reason}`),
        acked: first.acked.size + second.acked.size,
        unacked: first.unacked.size + second.unacked.size,
        errors: [...first.errors, ...second.errors].slice(0, 3).map((e) => e.slice(0, 300)),
      }),
    );
  });
});

/** On failure, says which operations the cluster ran (type, status, from → to, hold reasons, errors). */
async function withOperations<T>(cluster: StartedCluster, waiting: Promise<T>): Promise<T> {
  try {
    return await waiting;
  } catch (error) {
    const ops = await clusterOperations(cluster).catch(() => []);
    const summary = ops.map(
      (op) =>
        `${op.type} ${op.status} ${op.input.from ?? ""}→${op.input.to ?? ""} ${op.input.reason ?? ""} ${JSON.stringify((op as { error?: unknown }).error ?? "")}`,
    );
    throw new Error(`${(error as Error).message}; operations: ${summary.join(" | ")}`);
  }
}
