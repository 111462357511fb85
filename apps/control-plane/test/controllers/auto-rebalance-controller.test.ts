// Automatic balancing: once the brokers have been still for the settle time and nothing else runs on the
// cluster, the balancer's plan (uneven counts, traffic outside the band) starts a `cluster.rebalance` (created
// by "auto-rebalance"); never while brokers are still joining, an operation runs, or partitions are moving;
// a balanced cluster is planned again only every interval (or at once when its brokers change), moved
// partitions stay within their cooldown, and a cluster whose spec turns it off is left alone.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { and, eq, inArray } from "drizzle-orm";
import { DEFAULT_CONFIG } from "../../src/config.ts";
import { autoRebalanceController } from "../../src/controllers/auto-rebalance-controller.ts";
import type { ControllerContext } from "../../src/controllers/controller-runner.ts";
import { clusters, operations, partitionMoves, partitions } from "../../src/db/schema.ts";
import { registerBroker } from "../../src/services/brokers.ts";
import { createCluster } from "../../src/services/clusters.ts";
import { createOperation, OperationStatus } from "../../src/services/operations.ts";
import { recordPartitionLoad } from "../../src/services/partition-load.ts";
import { planRebalance, REBALANCE_OPERATION } from "../../src/services/rebalance.ts";
import { createTopic } from "../../src/services/topics.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/test-database.ts";
import { localSpec } from "./provisioner/provisioner-kit.ts";

const SETTLE_MS = 5_000;
const INTERVAL_MS = 3_000;
// Long enough that no broker counts as slow (late with heartbeats) while the test clock runs ahead.
const LEASE_MS = 3_600_000;
const MB = 1_000_000;

describe("auto-rebalance controller", () => {
  let testDb: TestDatabase;
  let clusterId: string;
  let clock = Date.now();
  const ctx = (): ControllerContext => ({ db: testDb.database.db, now: () => clock, log: () => {} });
  const controller = autoRebalanceController({
    settleMs: SETTLE_MS,
    intervalMs: INTERVAL_MS,
    config: DEFAULT_CONFIG,
  });
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
    await registerBroker(db, clusterId, broker("i-a"), LEASE_MS);
    await registerBroker(db, clusterId, broker("i-b"), LEASE_MS);
    await createTopic(db, clusterId, { name: "t", partitions: 6 });
    await registerBroker(db, clusterId, broker("i-new"), LEASE_MS); // scale-out: it leads nothing
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

  /** Marks the running rebalance done with its moves carried out (what the handler would have done). */
  async function finishRebalance() {
    const db = testDb.database.db;
    for (const op of await rebalances()) {
      if (op.status === OperationStatus.SUCCEEDED) continue;
      const moves = (
        op.input as { moves: { topicId: string; partition: number; from: number; to: number }[] }
      ).moves;
      for (const m of moves)
        await db
          .update(partitions)
          .set({ leaderBrokerId: m.to })
          .where(and(eq(partitions.topicId, m.topicId), eq(partitions.partition, m.partition)));
      // The handler records each move it releases in partition_moves, stamped as it lands (move-timings.ts).
      if (moves.length > 0)
        await db.insert(partitionMoves).values(
          moves.map((m) => ({
            operationId: op.id,
            clusterId,
            topicId: m.topicId,
            partition: m.partition,
            fromBroker: m.from,
            toBroker: m.to,
            requestedAt: clock,
            closedAt: clock,
            assignedAt: clock,
            openedAt: clock,
          })),
        );
      await db
        .update(operations)
        .set({ status: OperationStatus.SUCCEEDED, finishedAt: clock, updatedAt: clock })
        .where(eq(operations.id, op.id));
    }
  }

  /** Every partition of the cluster reported by its leader with this traffic (bytes/s in and out). */
  async function reportTraffic(bytesOf: (leader: number, partition: number) => number) {
    const db = testDb.database.db;
    const rows = await db.select().from(partitions).where(eq(partitions.clusterId, clusterId));
    for (const p of rows) {
      const bytes = bytesOf(p.leaderBrokerId, p.partition);
      await recordPartitionLoad(db, clusterId, p.leaderBrokerId, clock, [
        { topicId: p.topicId, partition: p.partition, bytesInPerSec: bytes, bytesOutPerSec: bytes },
      ]);
    }
  }

  it("leaves a balanced cluster alone, and plans again only once the interval passed", async () => {
    await finishRebalance();
    clock += 1_000;
    await controller.reconcile(ctx());
    assert.equal((await rebalances()).length, 1, "counts are even: nothing to do");
    // Broker 0's two partitions get all the traffic: outside the band, but planned only after the interval.
    await reportTraffic((leader) => (leader === 0 ? 10 * MB : 0));
    clock += INTERVAL_MS / 3;
    await controller.reconcile(ctx());
    assert.equal((await rebalances()).length, 1, "within the interval");
    clock += INTERVAL_MS;
    await controller.reconcile(ctx());
    const started = (await rebalances()).filter((op) => op.status !== OperationStatus.SUCCEEDED);
    assert.equal(started.length, 1, "traffic outside the band starts a rebalance");
    const moves = (started[0]!.input as { moves: { goal: string; from: number }[] }).moves;
    assert.ok(
      moves.some((m) => m.goal === "network-in" && m.from === 0),
      JSON.stringify(moves),
    );
  });

  it("does not move a partition back within its cooldown", async () => {
    await finishRebalance();
    const [latest] = (await rebalances()).sort((x, y) => y.createdAt - x.createdAt);
    const moved = new Set(
      (latest!.input as { moves: { topicId: string; partition: number }[] }).moves.map((m) => m.partition),
    );
    // Now the moved partitions are the busy ones, both on broker 0 (where the last plan's moves may have
    // left them or not): only moving one of them would balance the cluster.
    await testDb.database.db
      .update(partitions)
      .set({ leaderBrokerId: 0 })
      .where(and(eq(partitions.clusterId, clusterId), inArray(partitions.partition, [...moved])));
    await reportTraffic((_, partition) => (moved.has(partition) ? 10 * MB : 0));
    clock += 2 * INTERVAL_MS;
    const before = (await rebalances()).length;
    await controller.reconcile(ctx());
    for (const op of (await rebalances()).slice(before)) {
      for (const m of (op.input as { moves: { partition: number }[] }).moves)
        assert.ok(!moved.has(m.partition), `partition ${m.partition} moved back within its cooldown`);
    }
    // The cooldown is what holds them: once it is over, the plan moves one of them.
    await finishRebalance();
    const context = { config: DEFAULT_CONFIG, now: clock + DEFAULT_CONFIG.balancerCooldownMs + 1 };
    const later = await planRebalance(testDb.database.db, clusterId, context);
    assert.ok(
      later.moves.some((m) => moved.has(m.partition)),
      JSON.stringify(later.moves),
    );
  });

  it("leaves a cluster whose spec turns automatic balancing off", async () => {
    await finishRebalance();
    const db = testDb.database.db;
    const [row] = await db.select().from(clusters).where(eq(clusters.id, clusterId));
    const spec = { ...(row!.spec as object), balancing: { auto: false } };
    await db.update(clusters).set({ spec }).where(eq(clusters.id, clusterId));
    await reportTraffic((leader) => (leader === 1 ? 30 * MB : 0));
    clock += 10 * INTERVAL_MS + DEFAULT_CONFIG.balancerCooldownMs;
    const before = (await rebalances()).length;
    await controller.reconcile(ctx());
    assert.equal((await rebalances()).length, before);
  });
});
