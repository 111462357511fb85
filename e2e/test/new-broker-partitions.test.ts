// A broker that joins the cluster (here the replacement the fleet launches for a stopped broker) gets
// partitions without anyone running a rebalance: once the brokers have been still for the settle time, the
// control plane spreads the partitions (a `cluster.rebalance` created by "auto-rebalance"), and clients keep
// reading every record.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { produceCountingAcks, readWholeTopic } from "../harness/clients/acked-producer.ts";
import {
  bootstrapOf,
  createTopicViaApi,
  partitionLeaders,
  waitForLeaders,
} from "../harness/clients/cluster-topics.ts";
import { type StartedCluster, startCluster, waitFor } from "../harness/cluster.ts";

const PARTITIONS = 6;
const SETTLE_MS = 2_000;

describe("a new broker gets partitions on its own", { timeout: 150_000 }, () => {
  let cluster: StartedCluster;
  before(async () => {
    cluster = await startCluster({
      brokers: 3,
      env: {
        AUTO_REBALANCE_SETTLE_MS: String(SETTLE_MS),
        BROKER_LEASE_MS: "3000",
        RECONCILE_INTERVAL_MS: "200",
      },
    });
  });
  after(async () => {
    if (!cluster) return;
    const { orphans } = await cluster.stop();
    assert.equal(orphans, 0, "no broker process left behind");
  });

  test("the replacement of a stopped broker leads partitions, and every record stays readable", {
    timeout: 120_000,
  }, async (t) => {
    await createTopicViaApi(cluster, "spread", PARTITIONS);
    const written = await produceCountingAcks({
      bootstrap: bootstrapOf(cluster),
      topic: "spread",
      batch: 100,
      timeoutMs: 30_000,
      keepGoing: (acked) => acked < 1_000,
    });
    const started = performance.now();
    const replacement = await cluster.restartBroker(0);
    await waitFor(
      "the replacement broker to lead partitions",
      async () =>
        (await partitionLeaders(cluster, "spread")).includes(replacement.brokerId) ? true : undefined,
      60_000,
    );
    const spreadMs = Math.round(performance.now() - started);
    await waitForLeaders(cluster, "spread");
    const leaders = await partitionLeaders(cluster, "spread");
    const counts = [...new Set(leaders)].map((b) => leaders.filter((l) => l === b).length);
    assert.ok(Math.max(...counts) - Math.min(...counts) <= 1, `even: leaders ${leaders}`);
    const consumed = await readWholeTopic(bootstrapOf(cluster), "spread");
    const present = new Set(consumed.map((r) => Number(r.value)));
    assert.deepEqual(
      [...written.acked].filter((n) => !present.has(n)),
      [],
    );
    t.diagnostic(JSON.stringify({ restartToReplacementLeadsMs: spreadMs, settleMs: SETTLE_MS, leaders }));
  });
});
