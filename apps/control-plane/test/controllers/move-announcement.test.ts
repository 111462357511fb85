// Which leader Kafka clients are told about while a partition changes hands and its previous holder can no
// longer serve (readTopic's announcement, what brokers answer Metadata from): a SIGTERM hand-back announces the
// assigned broker at its new epoch before it has opened (not leader -1); a failover still replaying the dead
// broker's WAL, and a drain's move (no planned target) whose source died, announce -1 — never the dead broker.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { and, eq } from "drizzle-orm";
import { deregisterBroker } from "../../src/controllers/failover/hand-back.ts";
import { brokers } from "../../src/db/schema.ts";
import { inTransaction } from "../../src/db/transaction.ts";
import { DbObjectManager } from "../../src/objects/db-object-manager.ts";
import { lockCluster } from "../../src/services/partition-assigner.ts";
import { releaseMoves } from "../../src/services/rebalance.ts";
import { readTopic } from "../../src/services/topics.ts";
import type { TestDatabase } from "../helpers/test-database.ts";
import { openMoveCluster, partitionRow } from "./move-kit.ts";

describe("the announced leader when the holder is gone", () => {
  let testDb: TestDatabase;
  let clusterId: string;
  const db = () => testDb.database.db;

  before(async () => {
    const cluster = await openMoveCluster("announce", { h: 1, f: 1, d: 1 });
    testDb = cluster.testDb;
    clusterId = cluster.clusterId;
  });
  after(() => testDb.drop());

  const announced = async (topic: string) => (await readTopic(db(), clusterId, topic)).partitions[0]!;
  const objects = () => new DbObjectManager({ db: db(), clusterId });
  const epochOf = async (brokerId: number) => {
    const [b] = await db()
      .select({ epoch: brokers.epoch })
      .from(brokers)
      .where(and(eq(brokers.clusterId, clusterId), eq(brokers.brokerId, brokerId)));
    return b!.epoch;
  };
  const fence = (brokerId: number) =>
    db()
      .update(brokers)
      .set({ state: "FENCED", leaseUntil: Date.now() - 1 })
      .where(and(eq(brokers.clusterId, clusterId), eq(brokers.brokerId, brokerId)));

  it("a SIGTERM hand-back: the assigned broker at its new epoch from the deregistration on", async () => {
    const p = await partitionRow(db(), clusterId, "h", 0);
    await objects().openStream(p.streamId, p.epoch, p.leader);
    // The broker's shutdown: WAL tail uploaded, stream closed, then the hand-back.
    await objects().closeStream(p.streamId, p.epoch);
    assert.equal((await announced("h")).leaderBrokerId, p.leader, "still ACTIVE: still announced");
    await deregisterBroker(db(), clusterId, p.leader, await epochOf(p.leader));
    const assigned = await partitionRow(db(), clusterId, "h", 0);
    assert.notEqual(assigned.leader, p.leader);
    assert.equal(assigned.epoch, p.epoch + 1);
    // Not opened yet: announced anyway (it holds a request until it has opened), not -1.
    const meanwhile = await announced("h");
    assert.equal(meanwhile.leaderBrokerId, assigned.leader);
    assert.equal(meanwhile.leaderEpoch, assigned.epoch);
    await objects().openStream(p.streamId, assigned.epoch, assigned.leader);
    const opened = await announced("h");
    assert.equal(opened.leaderBrokerId, assigned.leader);
    assert.equal(opened.leaderEpoch, assigned.epoch);
  });

  it("a fenced leader whose WAL is not replayed yet: -1, never the dead broker", async () => {
    const p = await partitionRow(db(), clusterId, "f", 0);
    await objects().openStream(p.streamId, p.epoch, p.leader);
    assert.equal((await announced("f")).leaderBrokerId, p.leader);
    await fence(p.leader);
    assert.equal((await announced("f")).leaderBrokerId, -1);
  });

  it("a drain's move (no planned target) whose source died: -1 until it is assigned", async () => {
    const p = await partitionRow(db(), clusterId, "d", 0);
    const [alive] = await db()
      .select({ state: brokers.state })
      .from(brokers)
      .where(and(eq(brokers.clusterId, clusterId), eq(brokers.brokerId, p.leader)));
    assert.equal(alive!.state, "ACTIVE", "the test needs a live source");
    await objects().openStream(p.streamId, p.epoch, p.leader);
    await inTransaction(db(), async (tx) => {
      await lockCluster(tx, clusterId);
      await releaseMoves(tx, clusterId, [
        { topicId: p.topicId, topic: "d", partition: 0, from: p.leader, to: -1 },
      ]);
    });
    assert.equal((await announced("d")).leaderBrokerId, p.leader, "released: the serving source");
    await fence(p.leader);
    assert.equal((await announced("d")).leaderBrokerId, -1);
  });
});
