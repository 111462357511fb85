// New brokers get partitions without anyone asking: once the brokers have been still for the settle time and
// nothing else runs on the cluster, uneven partition counts start a `cluster.rebalance` (created by
// "auto-rebalance"); never while brokers are still joining, an operation runs, or partitions are moving.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { and, eq } from "drizzle-orm";
import { autoRebalanceController } from "../../src/controllers/auto-rebalance-controller.ts";
import type { ControllerContext } from "../../src/controllers/controller-runner.ts";
import { clusters, operations } from "../../src/db/schema.ts";
import { registerBroker } from "../../src/services/brokers.ts";
import { createCluster } from "../../src/services/clusters.ts";
import { createOperation, OperationStatus } from "../../src/services/operations.ts";
import { REBALANCE_OPERATION } from "../../src/services/rebalance.ts";
import { createTopic } from "../../src/services/topics.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/test-database.ts";
import { localSpec } from "./provisioner/provisioner-kit.ts";

const SETTLE_MS = 5_000;

describe("auto-rebalance controller", () => {
  let testDb: TestDatabase;
  let clusterId: string;
  let clock = Date.now();
  const ctx = (): ControllerContext => ({ db: testDb.database.db, now: () => clock, log: () => {} });
  const controller = autoRebalanceController({ settleMs: SETTLE_MS });
  const rebalances = () =>
    testDb.database.db
      .select()
      .from(operations)
      .where(and(eq(operations.clusterId, clusterId), eq(operations.type, REBALANCE_OPERATION)));

  before(async () => {
    testDb = await createTestDatabase("pglite");
    const db = testDb.database.db;
    const { cluster, operation } = await createCluster(
      db,
      { name: "auto", spec: localSpec(), deletionProtection: false },
      null,
    );
    clusterId = cluster.id;
    await db.update(clusters).set({ state: "RUNNING" }).where(eq(clusters.id, clusterId));
    await db
      .update(operations)
      .set({ status: OperationStatus.SUCCEEDED })
      .where(eq(operations.id, operation.id));
    const broker = (instanceId: string) => ({ instanceId, zone: "local-a", host: "127.0.0.1", port: 9092 });
    await registerBroker(db, clusterId, broker("i-a"), 60_000);
    await registerBroker(db, clusterId, broker("i-b"), 60_000);
    await createTopic(db, clusterId, { name: "t", partitions: 6 });
    await registerBroker(db, clusterId, broker("i-new"), 60_000); // scale-out: it leads nothing
  });
  after(() => testDb.drop());

  it("waits while the brokers are not settled", async () => {
    clock = Date.now() + SETTLE_MS / 2;
    await controller.reconcile(ctx());
    assert.deepEqual(await rebalances(), []);
  });

  it("waits while another operation runs on the cluster", async () => {
    clock = Date.now() + 2 * SETTLE_MS;
    const other = await createOperation(testDb.database.db, {
      type: "broker.drain",
      clusterId,
      input: { brokerId: 0 },
      createdBy: "test",
    });
    await controller.reconcile(ctx());
    assert.deepEqual(await rebalances(), []);
    await testDb.database.db
      .update(operations)
      .set({ status: OperationStatus.SUCCEEDED })
      .where(eq(operations.id, other.id));
  });

  it("then spreads the partitions over the new broker, once", async () => {
    await controller.reconcile(ctx());
    const [op, ...more] = await rebalances();
    assert.ok(op, "a rebalance was started");
    assert.deepEqual(more, []);
    assert.equal(op.createdBy, "auto-rebalance");
    const moves = (op.input as { moves: { to: number }[] }).moves;
    assert.equal(moves.length, 2, "6 partitions over 3 brokers: 2 move to the new one");
    await controller.reconcile(ctx());
    assert.equal((await rebalances()).length, 1, "not again while it runs");
  });
});
