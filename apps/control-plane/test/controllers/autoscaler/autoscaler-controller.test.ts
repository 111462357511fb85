// The autoscaler on the real local provider: stand-in broker processes whose /metrics counters grow at a
// rate the test sets, scraped by the local provider (networkRates), decided by decideScaling, carried out
// by cluster.scale-out (fleet desired capacity up, wait for the brokers) and cluster.scale-in (cheapest
// broker drained, its instance terminated with the capacity decremented, the others protected meanwhile).
// Decisions not taken are recorded as cluster.scale-hold.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { eq } from "drizzle-orm";
import { fleetNameOf } from "../../../src/controllers/provisioner/index.ts";
import { brokers } from "../../../src/db/schema.ts";
import { OperationStatus } from "../../../src/services/operations.ts";
import { localSpec, type ProvisionerKit } from "../provisioner/provisioner-kit.ts";
import { type MeteredCluster, openMeteredCluster } from "./metered-cluster-kit.ts";

describe("autoscaler on the local provider", { timeout: 180_000 }, () => {
  let cluster: MeteredCluster;
  let kit: ProvisionerKit;
  let clusterId: string;
  const setLoad = (bytesPerSecPerBroker: number) => cluster.setLoad(bytesPerSecPerBroker);
  const heartbeat = () => cluster.heartbeat();
  const ops = (type: string) => cluster.ops(type);

  before(async () => {
    cluster = await openMeteredCluster({
      name: "elastic",
      spec: localSpec({
        brokers: { min: 1, max: 3 },
        scaling: {
          highWatermarkBytesPerSec: 1_000_000,
          lowWatermarkBytesPerSec: 200_000,
          cooldownSeconds: 2,
          periodSeconds: 1,
          evaluationPeriods: 2,
        },
      }),
      autoscaler: { holdRecordIntervalMs: 60_000, readyTimeoutMs: 60_000 },
      withHandlers: true,
    });
    ({ kit, clusterId } = cluster);
  });
  after(async () => {
    await cluster?.close();
  });

  const fleet = () => kit.local.describeFleet(fleetNameOf(clusterId));

  test("idle inside the band at the minimum: nothing is done", async () => {
    setLoad(500_000);
    const deadline = Date.now() + 3_500;
    while (Date.now() < deadline) {
      await heartbeat();
      await kit.runner.runOnce();
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.deepEqual(await ops("cluster.scale-out"), []);
    assert.deepEqual(await ops("cluster.scale-in"), []);
    assert.deepEqual(await ops("cluster.scale-hold"), [], "inside the band nothing is wanted");
  });

  test("sustained load above the high watermark scales 1 → 3 (sized by the load, capped at max)", async () => {
    setLoad(2_500_000);
    const op = await kit.runUntil(async () => {
      await heartbeat();
      const [out] = await ops("cluster.scale-out");
      assert.notEqual(out?.status, OperationStatus.FAILED, JSON.stringify(out?.error));
      return out?.status === OperationStatus.SUCCEEDED ? out : undefined;
    }, 60_000);
    assert.equal(op.createdBy, "autoscaler");
    assert.deepEqual([op.input.from, op.input.to], [1, 3]);
    const decision = op.input.decision as Record<string, unknown>;
    assert.match(String(decision.reason), /above the high watermark/);
    assert.equal(decision.highWatermarkBytesPerSec, 1_000_000);
    for (const v of decision.perBrokerBytesPerSec as number[]) assert.ok(v > 1_000_000, `measured ${v}`);
    assert.equal((await fleet())?.desiredCapacity, 3);
  });

  test("still above the watermark at the maximum: the scale-out it wants is recorded as held", async () => {
    const hold = await kit.runUntil(async () => {
      await heartbeat();
      return (await ops("cluster.scale-hold")).find((h) => h.input.reason === "at-max");
    }, 30_000);
    assert.equal(hold.input.wanted, "scale-out");
    assert.equal(hold.status, OperationStatus.SUCCEEDED);
    assert.ok((hold.input.evidence as { perBrokerBytesPerSec: number[] }).perBrokerBytesPerSec.length >= 2);
    assert.deepEqual((await ops("cluster.scale-out")).length, 1, "no second scale-out");
  });

  test("load drops below the low watermark: scales in one step at a time, draining before terminating, to 1", async () => {
    setLoad(10_000);
    await kit.runUntil(async () => {
      await heartbeat();
      const ins = await ops("cluster.scale-in");
      for (const op of ins) assert.notEqual(op.status, OperationStatus.FAILED, JSON.stringify(op.error));
      const instances = await kit.local.listInstances(fleetNameOf(clusterId));
      return ins.length === 2 &&
        ins.every((op) => op.status === OperationStatus.SUCCEEDED) &&
        instances.length === 1
        ? true
        : undefined;
    }, 90_000);
    const ins = await ops("cluster.scale-in");
    assert.deepEqual(
      ins.map((op) => [op.input.from, op.input.to]),
      [
        [3, 2],
        [2, 1],
      ],
    );
    assert.ok(ins[1]!.createdAt - ins[0]!.finishedAt! >= 2_000, "the second waited for the cooldown");
    assert.equal((await fleet())?.desiredCapacity, 1);
    const [survivor] = await kit.local.listInstances(fleetNameOf(clusterId));
    assert.equal(survivor?.protectedFromScaleIn, false, "the protection is lifted once the scale-in is done");
    const rows = await kit.database.db.select().from(brokers).where(eq(brokers.clusterId, clusterId));
    for (const op of ins) {
      const chosen = (op.input.chosen as { brokers: { brokerId: number; instanceId: string }[] }).brokers;
      assert.equal(chosen.length, 1);
      const row = rows.find((b) => b.brokerId === chosen[0]!.brokerId);
      assert.equal(row?.state, "DRAINING", "drained before its instance was terminated");
      assert.notEqual(chosen[0]!.instanceId, survivor?.id);
    }
  });

  test("at the minimum with the load still low: the scale-in it wants is held, never below min", async () => {
    const hold = await kit.runUntil(async () => {
      await heartbeat();
      return (await ops("cluster.scale-hold")).find((h) => h.input.reason === "at-min");
    }, 30_000);
    assert.equal(hold.input.wanted, "scale-in");
    assert.equal((await ops("cluster.scale-in")).length, 2);
    assert.equal((await fleet())?.desiredCapacity, 1);
  });
});
