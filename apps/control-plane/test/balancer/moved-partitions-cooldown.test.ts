// Any move starts the balancer's cooldown, not only a rebalance's: partitions a drain (or scale-in,
// replacement, named move, reassignment) moved, as recorded in partition_moves, are held where they went
// until the cooldown has passed since they opened (a move still under way: since it was requested).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { eq } from "drizzle-orm";
import { DEFAULT_CONFIG } from "../../src/config.ts";
import { clusters, operations, partitionMoves, partitions } from "../../src/db/schema.ts";
import { registerBroker } from "../../src/services/brokers.ts";
import { createCluster } from "../../src/services/clusters.ts";
import { createOperation, OperationStatus } from "../../src/services/operations.ts";
import { planRebalance } from "../../src/services/rebalance.ts";
import { createTopic } from "../../src/services/topics.ts";
import { localSpec } from "../controllers/provisioner/provisioner-kit.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/test-database.ts";

// Long enough that no broker counts as slow while the test clock runs ahead.
const LEASE_MS = 3_600_000;

describe("balancer cooldown after any move", () => {
  let testDb: TestDatabase;
  let clusterId: string;
  let drainId: string;
  const start = Date.now();
  const plan = (now: number) =>
    planRebalance(testDb.database.db, clusterId, { config: { ...DEFAULT_CONFIG, leaseMs: LEASE_MS }, now });
  const setMoves = async (requestedAt: number, openedAt: number | null) => {
    const db = testDb.database.db;
    await db.delete(partitionMoves).where(eq(partitionMoves.operationId, drainId));
    const rows = await db
      .select({
        topicId: partitions.topicId,
        partition: partitions.partition,
        leader: partitions.leaderBrokerId,
      })
      .from(partitions)
      .where(eq(partitions.clusterId, clusterId));
    await db.insert(partitionMoves).values(
      rows.map((r) => ({
        operationId: drainId,
        clusterId,
        topicId: r.topicId,
        partition: r.partition,
        fromBroker: 99,
        toBroker: r.leader,
        requestedAt,
        closedAt: openedAt,
        assignedAt: openedAt,
        openedAt,
      })),
    );
  };

  before(async () => {
    testDb = await createTestDatabase("pglite");
    const db = testDb.database.db;
    const { cluster, operation } = await createCluster(
      db,
      { name: "cooldown", spec: localSpec(), deletionProtection: false },
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
    await registerBroker(db, clusterId, broker("i-new"), LEASE_MS); // leads nothing: the plan would fill it
    const drain = await createOperation(db, {
      type: "broker.drain",
      clusterId,
      input: { brokerId: 0 },
      createdBy: "test",
    });
    drainId = drain.id;
    await db
      .update(operations)
      .set({ status: OperationStatus.SUCCEEDED, finishedAt: start })
      .where(eq(operations.id, drainId));
  });
  after(() => testDb.drop());

  it("moves partitions onto the empty broker when nothing moved them", async () => {
    const fresh = await plan(start);
    assert.ok(fresh.moves.length > 0, "uneven counts: the plan moves partitions");
  });

  it("holds partitions a drain moved within the cooldown, moves them once it has passed", async () => {
    const cooldownMs = (await plan(start)).settings.cooldownMs;
    assert.ok(cooldownMs > 1_000);
    await setMoves(start - 2_000, start - 1_000);
    const held = await plan(start);
    assert.deepEqual(held.moves, [], "every partition moved a second ago: none moves again");
    const later = await plan(start - 1_000 + cooldownMs + 1);
    assert.ok(later.moves.length > 0, "after the cooldown the balancer moves them again");
  });

  it("a move still under way holds its partition from its request", async () => {
    const cooldownMs = (await plan(start)).settings.cooldownMs;
    await setMoves(start - 1_000, null);
    assert.deepEqual((await plan(start)).moves, []);
    assert.ok((await plan(start - 1_000 + cooldownMs + 1)).moves.length > 0);
  });

  it("moves opened before the cooldown do not hold their partitions", async () => {
    const cooldownMs = (await plan(start)).settings.cooldownMs;
    await setMoves(start - cooldownMs - 2_000, start - cooldownMs - 1);
    assert.ok((await plan(start)).moves.length > 0);
  });
});
