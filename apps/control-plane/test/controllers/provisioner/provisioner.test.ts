import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { eq } from "drizzle-orm";
import { fleetNameOf } from "../../../src/controllers/provisioner/index.ts";
import { brokers, clusters, volumes } from "../../../src/db/schema.ts";
import { BrokerOperation, startBrokerOperation } from "../../../src/services/broker-views.ts";
import { createCluster, deleteCluster, updateCluster } from "../../../src/services/clusters.ts";
import { OperationStatus } from "../../../src/services/operations.ts";
import { testBackends } from "../../helpers/test-database.ts";
import {
  brokerEnv,
  brokerProcesses,
  localSpec,
  ProvisionerKit,
  registerFleet,
  volumeFiles,
} from "./provisioner-kit.ts";

async function clusterRow(kit: ProvisionerKit, id: string) {
  const [row] = await kit.database.db.select().from(clusters).where(eq(clusters.id, id));
  return row;
}

// The main path on every backend (PostgreSQL too when TEST_DATABASE_URL is set); the rest on PGlite.
for (const backend of testBackends())
  describe(`provisioner on the local provider (${backend})`, { timeout: 120_000 }, () => {
    let kit: ProvisionerKit;
    before(async () => {
      kit = await ProvisionerKit.open({ backend });
    });
    after(async () => {
      await kit.close();
    });

    test("create: fleet at brokers.min, a WAL volume attached to each broker, RUNNING once they register", async () => {
      const { cluster, operation } = await createCluster(
        kit.database.db,
        { name: "alpha", spec: localSpec(), deletionProtection: false },
        null,
      );
      const instances = await kit.runUntil(async () => {
        const list = await kit.local.listInstances(fleetNameOf(cluster.id)).catch(() => []);
        const rows = await kit.database.db.select().from(volumes).where(eq(volumes.clusterId, cluster.id));
        return list.length === 2 && rows.filter((r) => r.state === "IN_USE").length === 2 ? list : undefined;
      });
      assert.deepEqual(new Set(instances.map((i) => i.zone)), new Set(["local-a", "local-b"]));
      // Each broker was started with its own volume and the cluster's settings.
      const envs = await kit.runUntil(async () => {
        const found = instances.map((i) => brokerEnv(kit, i.id));
        return found.every((e) => e !== undefined) ? (found as Record<string, string>[]) : undefined;
      });
      const volumeIds = envs.map((e) => e.CIRRUS_VOLUME_ID);
      assert.equal(new Set(volumeIds).size, 2);
      for (const env of envs) {
        assert.equal(env.CIRRUS_CLUSTER_ID, cluster.id);
        assert.match(env.CIRRUS_BROKER_TOKEN ?? "", /.{20,}/);
        assert.ok(env.CIRRUS_VOLUME_PATH!.endsWith(`${env.CIRRUS_VOLUME_ID}.img`));
      }
      assert.equal((await kit.operation(operation.id)).status, OperationStatus.RUNNING, "waits for brokers");
      assert.equal((await clusterRow(kit, cluster.id))?.state, "CREATING");

      const done = await kit.runUntil(async () => {
        await registerFleet(kit, cluster.id);
        const op = await kit.operation(operation.id);
        return op.status === OperationStatus.SUCCEEDED ? op : undefined;
      });
      assert.deepEqual(
        done.steps.map((s) => [s.name, s.status]),
        [
          ["provision-resources", "SUCCEEDED"],
          ["wait-for-brokers", "SUCCEEDED"],
        ],
      );
      const row = await clusterRow(kit, cluster.id);
      assert.equal(row?.state, "RUNNING");
      assert.equal(row?.bootstrap?.split(",").length, 2);
      // Failover needs to know whose WAL each volume holds.
      const owned = await kit.database.db.select().from(volumes).where(eq(volumes.clusterId, cluster.id));
      assert.deepEqual(owned.map((v) => v.ownerBrokerId).sort(), [0, 1]);
    });

    test("update: new capacity bounds reach the fleet, the desired count is clamped into them", async () => {
      const [row] = await kit.database.db.select().from(clusters).where(eq(clusters.name, "alpha"));
      const { operation } = await updateCluster(
        kit.database.db,
        row!.id,
        { version: row!.version, spec: localSpec({ brokers: { min: 3, max: 5 } }) },
        null,
      );
      assert.ok(operation);
      await kit.runUntil(async () =>
        (await kit.local.listInstances(fleetNameOf(row!.id))).length === 3 ? true : undefined,
      );
      const fleet = await kit.local.describeFleet(fleetNameOf(row!.id));
      assert.deepEqual([fleet?.minSize, fleet?.maxSize, fleet?.desiredCapacity], [3, 5, 3]);
      await kit.runUntil(async () => {
        await registerFleet(kit, row!.id);
        return (await kit.operation(operation.id)).status === OperationStatus.SUCCEEDED ? true : undefined;
      });
      assert.equal((await clusterRow(kit, row!.id))?.state, "RUNNING");
      assert.equal(
        (await kit.database.db.select().from(volumes).where(eq(volumes.clusterId, row!.id))).length,
        3,
      );
    });

    test("delete: every broker process stops, every volume is deleted, the metadata is gone", async () => {
      const [row] = await kit.database.db.select().from(clusters).where(eq(clusters.name, "alpha"));
      assert.equal(brokerProcesses(kit.dataDir).length, 3);
      const { operation } = await deleteCluster(kit.database.db, row!.id, false, null);
      await kit.runUntil(async () =>
        (await kit.operation(operation.id)).status === OperationStatus.SUCCEEDED ? true : undefined,
      );
      assert.deepEqual(brokerProcesses(kit.dataDir), []);
      assert.deepEqual(volumeFiles(kit.dataDir), []);
      assert.equal(await kit.local.describeFleet(fleetNameOf(row!.id)), undefined);
      assert.equal(await clusterRow(kit, row!.id), undefined);
      assert.deepEqual(
        await kit.database.db.select().from(brokers).where(eq(brokers.clusterId, row!.id)),
        [],
      );
    });
  });

describe("provisioner after a control-plane crash", { timeout: 120_000 }, () => {
  let kit: ProvisionerKit;
  before(async () => {
    kit = await ProvisionerKit.open();
  });
  after(async () => {
    await kit.close();
  });

  test("a restart during create adopts the fleet: no second fleet, no extra broker, same credential", async () => {
    const { cluster, operation } = await createCluster(
      kit.database.db,
      { name: "beta", spec: localSpec(), deletionProtection: false },
      null,
    );
    await kit.runUntil(async () =>
      (await kit.local.describeFleet(fleetNameOf(cluster.id))) ? true : undefined,
    );
    const [before] = await kit.database.db.select().from(clusters).where(eq(clusters.id, cluster.id));
    await kit.restart();
    await kit.runUntil(async () => {
      const rows = await kit.database.db.select().from(volumes).where(eq(volumes.clusterId, cluster.id));
      return rows.filter((r) => r.state === "IN_USE").length === 2 ? true : undefined;
    });
    const [afterRestart] = await kit.database.db.select().from(clusters).where(eq(clusters.id, cluster.id));
    assert.equal(
      afterRestart?.brokerTokenHash,
      before?.brokerTokenHash,
      "the running brokers' credential is kept",
    );
    assert.equal(brokerProcesses(kit.dataDir).length, 2);
    assert.equal(kit.local.fleetNames().length, 1);
    await kit.runUntil(async () => {
      await registerFleet(kit, cluster.id);
      return (await kit.operation(operation.id)).status === OperationStatus.SUCCEEDED ? true : undefined;
    });
    assert.equal(volumeFiles(kit.dataDir).length, 2);
  });

  test("a restart during delete finishes the job: no process, no volume left", async () => {
    const [row] = await kit.database.db.select().from(clusters).where(eq(clusters.name, "beta"));
    // A volume a crash left unrecorded (created, tagged, never written to the database) is swept too.
    await kit.local.createVolume({
      zone: "local-a",
      sizeGiB: 1,
      type: "file",
      multiAttach: false,
      clientToken: "unrecorded",
      tags: { "cirrus:cluster": row!.id },
    });
    assert.equal(volumeFiles(kit.dataDir).length, 3);
    const { operation } = await deleteCluster(kit.database.db, row!.id, true, null);
    // Let deletion start (fleet deleting), then crash.
    await kit.runUntil(async () => {
      const op = await kit.operation(operation.id);
      return op.steps.some((s) => s.name === "deprovision-resources" && s.status === "RUNNING")
        ? true
        : undefined;
    });
    await kit.restart();
    await kit.runUntil(async () =>
      (await kit.operation(operation.id)).status === OperationStatus.SUCCEEDED ? true : undefined,
    );
    assert.deepEqual(brokerProcesses(kit.dataDir), []);
    assert.deepEqual(volumeFiles(kit.dataDir), []);
    assert.deepEqual(kit.local.fleetNames(), []);
  });
});

describe("provisioner failures", { timeout: 60_000 }, () => {
  let kit: ProvisionerKit;
  before(async () => {
    kit = await ProvisionerKit.open({ readyTimeoutMs: 1_500 });
  });
  after(async () => {
    await kit.close();
  });

  test("brokers that never become ready fail the create and the cluster after the timeout", async () => {
    const { cluster, operation } = await createCluster(
      kit.database.db,
      { name: "gamma", spec: localSpec({ brokers: { min: 1, max: 1 } }), deletionProtection: false },
      null,
    );
    const op = await kit.runUntil(async () => {
      const current = await kit.operation(operation.id);
      return current.status === OperationStatus.FAILED ? current : undefined;
    });
    assert.equal(op.error?.code, "PROVISIONING_CONVERGENCE_TIMEOUT");
    assert.match(op.error?.message ?? "", /0 of 1 brokers ready/);
    assert.equal((await clusterRow(kit, cluster.id))?.state, "FAILED");
  });

  test("a create whose cluster is being deleted stops, and deletion cleans up what it made", async () => {
    const { cluster, operation } = await createCluster(
      kit.database.db,
      { name: "delta", spec: localSpec({ brokers: { min: 1, max: 1 } }), deletionProtection: false },
      null,
    );
    await kit.runUntil(async () =>
      (await kit.local.describeFleet(fleetNameOf(cluster.id))) ? true : undefined,
    );
    const deletion = await deleteCluster(kit.database.db, cluster.id, false, null);
    await kit.runUntil(async () =>
      (await kit.operation(deletion.operation.id)).status === OperationStatus.SUCCEEDED ? true : undefined,
    );
    const create = await kit.operation(operation.id);
    assert.equal(create.status, OperationStatus.FAILED);
    assert.equal(create.error?.code, "PROVISIONING_SUPERSEDED");
    assert.equal(await kit.local.describeFleet(fleetNameOf(cluster.id)), undefined);
  });
});

describe("broker.replace", { timeout: 120_000 }, () => {
  let kit: ProvisionerKit;
  before(async () => {
    kit = await ProvisionerKit.open();
  });
  after(async () => {
    await kit.close();
  });

  /** A RUNNING cluster of `min` registered brokers; returns its id. */
  async function runningCluster(name: string, min: number, max: number): Promise<string> {
    const { cluster, operation } = await createCluster(
      kit.database.db,
      { name, spec: localSpec({ brokers: { min, max } }), deletionProtection: false },
      null,
    );
    await kit.runUntil(async () => {
      await registerFleet(kit, cluster.id);
      return (await kit.operation(operation.id)).status === OperationStatus.SUCCEEDED ? true : undefined;
    });
    return cluster.id;
  }

  async function replace(clusterId: string, brokerId: number) {
    const rows = await kit.database.db.select().from(brokers).where(eq(brokers.clusterId, clusterId));
    const old = rows.find((b) => b.brokerId === brokerId)!;
    const op = await startBrokerOperation(
      kit.database.db,
      clusterId,
      brokerId,
      BrokerOperation.REPLACE,
      "test",
    );
    const done = await kit.runUntil(async () => {
      await registerFleet(kit, clusterId);
      const current = await kit.operation(op.id);
      assert.notEqual(current.status, OperationStatus.FAILED, JSON.stringify(current.error));
      return current.status === OperationStatus.SUCCEEDED ? current : undefined;
    }, 30_000);
    return { old, done };
  }

  test("below the maximum: a replacement is launched and serves before the old instance is terminated", async () => {
    const id = await runningCluster("replace-grow", 2, 3);
    const { old, done } = await replace(id, 0);
    assert.deepEqual(
      done.steps.map((s) => s.status),
      ["SUCCEEDED", "SUCCEEDED", "SUCCEEDED"],
    );
    assert.equal((done.input.replacement as { grew: boolean }).grew, true);
    const instances = await kit.local.listInstances(fleetNameOf(id));
    assert.ok(!instances.some((i) => i.id === old.instanceId), "the old instance is gone");
    assert.equal((await kit.local.describeFleet(fleetNameOf(id)))?.desiredCapacity, 2, "back to its size");
    const [drained] = await kit.database.db
      .select()
      .from(brokers)
      .where(eq(brokers.instanceId, old.instanceId));
    assert.equal(drained?.state, "DRAINING", "the old broker was drained first");
  });

  test("at the maximum: the old instance is terminated and the fleet's replacement must serve", async () => {
    const id = await runningCluster("replace-full", 2, 2);
    const { old, done } = await replace(id, 1);
    assert.equal((done.input.replacement as { grew: boolean }).grew, false);
    const instances = await kit.local.listInstances(fleetNameOf(id));
    assert.equal(instances.length, 2);
    assert.ok(!instances.some((i) => i.id === old.instanceId));
  });
});
