// WAL volumes across broker replacements, with stand-in brokers on the real local provider: a broker that
// handed back (deregistered STOPPED, as a real one does on SIGTERM once its WAL tail is uploaded) loses its
// volume once its instance is gone, so restarts do not pile volumes up; a broker that crashed keeps its
// volume for failover. And CIRRUS_START_BROKERS=0 (holdLocalFleets) leaves a stopped fleet stopped.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { and, eq } from "drizzle-orm";
import { FAILOVER_OPERATION } from "../../../src/controllers/broker-lease-controller.ts";
import { deregisterBroker } from "../../../src/controllers/failover/hand-back.ts";
import { fleetNameOf } from "../../../src/controllers/provisioner/index.ts";
import { brokers, clusters, volumes } from "../../../src/db/schema.ts";
import { createCluster } from "../../../src/services/clusters.ts";
import { createOperation, OperationStatus } from "../../../src/services/operations.ts";
import {
  brokerEnv,
  brokerProcesses,
  localSpec,
  ProvisionerKit,
  registerFleet,
  volumeFiles,
} from "./provisioner-kit.ts";

const BROKERS = 2;

/** Creates a cluster of BROKERS stand-in brokers and waits until every one is registered (RUNNING). */
async function runningCluster(kit: ProvisionerKit, name: string): Promise<string> {
  const { cluster, operation } = await createCluster(
    kit.database.db,
    { name, spec: localSpec({ brokers: { min: BROKERS, max: BROKERS } }), deletionProtection: false },
    null,
  );
  await kit.runUntil(async () => {
    await registerFleet(kit, cluster.id);
    return (await kit.operation(operation.id)).status === OperationStatus.SUCCEEDED ? true : undefined;
  });
  return cluster.id;
}

async function activeBrokers(kit: ProvisionerKit, clusterId: string) {
  return kit.database.db
    .select()
    .from(brokers)
    .where(and(eq(brokers.clusterId, clusterId), eq(brokers.state, "ACTIVE")));
}

/**
 * What `npm start`'s Ctrl-C does (local-system.ts stop()): the fleet is scaled to zero and each broker, on
 * SIGTERM, hands back (deregister) and exits. Waits until no instance is left.
 */
async function gracefulStop(kit: ProvisionerKit, clusterId: string): Promise<void> {
  for (const b of await activeBrokers(kit, clusterId)) {
    await deregisterBroker(kit.database.db, clusterId, b.brokerId, b.epoch);
  }
  const name = fleetNameOf(clusterId);
  await kit.local.updateFleet(name, { minSize: 0, desiredCapacity: 0 });
  for (const deadline = Date.now() + 15_000; (await kit.local.listInstances(name)).length > 0; ) {
    if (Date.now() > deadline) throw new Error("brokers did not stop");
    await kit.local.reconcileNow();
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The next start (steady loop, no hold): the fleet is scaled back and the new brokers register. */
async function startAgain(kit: ProvisionerKit, clusterId: string): Promise<void> {
  await kit.restart();
  await kit.runUntil(async () => {
    await registerFleet(kit, clusterId);
    return (await activeBrokers(kit, clusterId)).length === BROKERS ? true : undefined;
  });
  await kit.runner.runOnce(); // one more steady pass after the last registration
}

describe("WAL volumes of replaced brokers", { timeout: 180_000 }, () => {
  let kit: ProvisionerKit;
  before(async () => {
    kit = await ProvisionerKit.open();
  });
  after(async () => {
    await kit.close();
  });

  test("restarts after a graceful stop leave at most one volume per broker, and the stop leaves none", async () => {
    const id = await runningCluster(kit, "restarts");
    assert.equal(volumeFiles(kit.dataDir).length, BROKERS);
    for (let restart = 1; restart <= 3; restart++) {
      await gracefulStop(kit, id);
      await startAgain(kit, id);
      const rows = await kit.database.db.select().from(volumes).where(eq(volumes.clusterId, id));
      assert.ok(
        volumeFiles(kit.dataDir).length <= BROKERS && rows.length <= BROKERS,
        `after restart ${restart}: ${volumeFiles(kit.dataDir).length} volume files, ${rows.length} rows`,
      );
      // The volumes left are the live brokers' own.
      const live = await activeBrokers(kit, id);
      assert.deepEqual(rows.map((r) => r.id).sort(), live.map((b) => b.volumeId).sort());
    }
    // stop() releases them too, once its brokers exited (the controllers no longer run by then).
    await gracefulStop(kit, id);
    const released = await kit.provisioner.releaseVolumes("local");
    assert.equal(released.length, BROKERS);
    assert.deepEqual(volumeFiles(kit.dataDir), []);
  });

  test("a broker that crashed, or that a failover recovers, keeps its volume; one that never registered does not", async () => {
    const id = await runningCluster(kit, "crashes");
    const db = kit.database.db;
    const [crashed, fenced] = await activeBrokers(kit, id);
    // SIGKILL: no hand-back, its row stays ACTIVE until the lease runs out (failover replays it then).
    process.kill(kit.local.pidOf(crashed!.instanceId)!, "SIGKILL");
    // Fenced, with its failover queued: the failover operation deletes the volume once replayed.
    await db
      .update(brokers)
      .set({ state: "FENCED", leaseUntil: 0 })
      .where(and(eq(brokers.clusterId, id), eq(brokers.brokerId, fenced!.brokerId)));
    await createOperation(db, {
      type: FAILOVER_OPERATION,
      clusterId: id,
      input: { brokerId: fenced!.brokerId, epoch: fenced!.epoch, volumeId: fenced!.volumeId! },
    });
    process.kill(kit.local.pidOf(fenced!.instanceId)!, "SIGKILL");
    // The fleet replaces both; kill one replacement before its broker registers (nothing acked from it).
    const unregistered = await kit.runUntil(async () => {
      const instances = await kit.local.listInstances(fleetNameOf(id));
      const fresh = instances.find(
        (i) =>
          i.state === "running" &&
          ![crashed!.instanceId, fenced!.instanceId].includes(i.id) &&
          brokerEnv(kit, i.id)?.CIRRUS_VOLUME_ID,
      );
      return fresh
        ? { instanceId: fresh.id, volumeId: brokerEnv(kit, fresh.id)!.CIRRUS_VOLUME_ID! }
        : undefined;
    });
    process.kill(kit.local.pidOf(unregistered.instanceId)!, "SIGKILL");
    await kit.runUntil(async () => {
      await kit.local.reconcileNow(); // the provider notices the death before anything could register it
      const instances = await kit.local.listInstances(fleetNameOf(id));
      return instances.some((i) => i.id === unregistered.instanceId) ? undefined : true;
    });
    await kit.runUntil(async () => {
      await registerFleet(kit, id);
      const rows = await db.select().from(volumes).where(eq(volumes.clusterId, id));
      return rows.every((r) => r.id !== unregistered.volumeId) ? true : undefined;
    });
    const ids = (await db.select().from(volumes).where(eq(volumes.clusterId, id))).map((r) => r.id);
    assert.ok(ids.includes(crashed!.volumeId!), "the crashed broker's WAL waits for failover");
    assert.ok(ids.includes(fenced!.volumeId!), "the WAL a failover is recovering stays");
    assert.ok(!volumeFiles(kit.dataDir).includes(`${unregistered.volumeId}.img`), "the unused one is gone");
  });
});

describe("CIRRUS_START_BROKERS=0 (holdLocalFleets)", { timeout: 120_000 }, () => {
  let kit: ProvisionerKit;
  before(async () => {
    kit = await ProvisionerKit.open();
  });
  after(async () => {
    await kit.close();
  });

  test("a fleet a graceful stop scaled to zero stays there: no broker is launched", async () => {
    const id = await runningCluster(kit, "held");
    await gracefulStop(kit, id);
    await kit.restart({ holdLocalFleets: true });
    for (let pass = 0; pass < 10; pass++) {
      await kit.runner.runOnce();
      await kit.local.reconcileNow();
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.deepEqual(brokerProcesses(kit.dataDir), [], "no broker process");
    assert.equal((await kit.local.describeFleet(fleetNameOf(id)))?.desiredCapacity, 0);
    const [row] = await kit.database.db.select().from(clusters).where(eq(clusters.id, id));
    assert.equal(row?.state, "DEGRADED", "its status says so");
    assert.equal(row?.bootstrap, null);
    // Started again with brokers, the steady loop puts the fleet back.
    await startAgain(kit, id);
    assert.equal(brokerProcesses(kit.dataDir).length, BROKERS);
  });
});
