// The autoscaler controller with watermarks given as a percent of the brokers' network capacity, on the real
// local provider with stand-in brokers whose counters grow at a rate the test sets: the capacity is the
// balancer's (here the spec's balancing.brokerNetworkBytesPerSec), the scale-out records the percent and the
// bytes/s it resolved to, and watermarks that leave no band are recorded as a cluster.scale-hold.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { eq } from "drizzle-orm";
import { clusters } from "../../../src/db/schema.ts";
import { localSpec, type ProvisionerKit } from "../provisioner/provisioner-kit.ts";
import { type MeteredCluster, openMeteredCluster } from "./metered-cluster-kit.ts";

describe("autoscaler with percent watermarks", { timeout: 120_000 }, () => {
  let kit: ProvisionerKit;
  let clusterId: string;
  const spec = localSpec({
    brokers: { min: 1, max: 2 },
    // 10% / 2% of 10 MB/s: 1 MB/s / 200 kB/s per broker
    scaling: {
      highWatermarkPercent: 10,
      lowWatermarkPercent: 2,
      cooldownSeconds: 2,
      periodSeconds: 1,
      evaluationPeriods: 2,
    },
    balancing: { brokerNetworkBytesPerSec: 10_000_000 },
  });

  let cluster: MeteredCluster;
  const heartbeat = () => cluster.heartbeat();
  const ops = (type: string) => cluster.ops(type);

  before(async () => {
    // Only the controller: the scale-out it creates stays pending, which is all this test looks at.
    cluster = await openMeteredCluster({ name: "percent", spec });
    ({ kit, clusterId } = cluster);
  });
  after(async () => {
    await cluster?.close();
  });

  test("load above 10% of the capacity scales out, recording the percent and the bytes/s", async () => {
    cluster.setLoad(2_500_000);
    const op = await kit.runUntil(async () => {
      await heartbeat();
      return (await ops("cluster.scale-out"))[0];
    }, 60_000);
    const decision = op.input.decision as Record<string, unknown>;
    assert.equal(decision.capacityBytesPerSec, 10_000_000);
    assert.equal(decision.highWatermarkPercent, 10);
    assert.equal(decision.highWatermarkBytesPerSec, 1_000_000);
    assert.equal(decision.lowWatermarkPercent, 2);
    assert.equal(decision.lowWatermarkBytesPerSec, 200_000);
    assert.match(String(decision.reason), /10% of capacity = 1000000 B\/s/);
    assert.deepEqual([op.input.from, op.input.to], [1, 2]);
  });

  test("watermarks that leave no band at the capacity are recorded as a hold, and nothing scales", async () => {
    // 10% of 10 MB/s is below a 2 MB/s low watermark (the spec changed behind the API's back, as a capacity
    // the provider reports can): the autoscaler must not act on it.
    const scaling = { ...spec.scaling, lowWatermarkPercent: undefined, lowWatermarkBytesPerSec: 2_000_000 };
    await kit.database.db
      .update(clusters)
      .set({ spec: { ...spec, scaling } })
      .where(eq(clusters.id, clusterId));
    const hold = await kit.runUntil(async () => {
      await heartbeat();
      return (await ops("cluster.scale-hold")).find((h) => h.input.reason === "invalid-watermarks");
    }, 30_000);
    assert.equal(hold.input.wanted, "none");
    assert.match(String(hold.input.message), /low 2000000 B\/s, high 1000000 B\/s/);
    assert.equal((await ops("cluster.scale-out")).length, 1, "no second scale-out");
  });
});
