// A planned move names its source and target, and the partition goes to that target (not to whichever broker
// happens to be least loaded when the source has closed it), as long as the target is still ACTIVE.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { and, eq } from "drizzle-orm";
import { brokers, partitions, topics } from "../../src/db/schema.ts";
import { inTransaction } from "../../src/db/transaction.ts";
import { assignLeaderlessPartitions } from "../../src/services/partition-assigner.ts";
import { releaseMoves } from "../../src/services/rebalance.ts";
import type { TestDatabase } from "../helpers/test-database.ts";
import { openMoveCluster, partitionRow } from "./move-kit.ts";

describe("partition moves with a target", () => {
  let testDb: TestDatabase;
  let clusterId: string;
  const ids: number[] = [];

  before(async () => {
    const cluster = await openMoveCluster("moves", { t: 3 });
    testDb = cluster.testDb;
    clusterId = cluster.clusterId;
    ids.push(...cluster.brokerIds);
  });
  after(() => testDb.drop());

  const leaderOf = async (partition: number) =>
    (await partitionRow(testDb.database.db, clusterId, "t", partition)).leader;

  /** Moves partition `p` from its leader to `to`; the source "closes" it; the assigner runs. */
  async function move(p: number, to: number): Promise<number> {
    const db = testDb.database.db;
    const row = await partitionRow(db, clusterId, "t", p);
    await inTransaction(db, (tx) =>
      releaseMoves(tx, clusterId, [{ topicId: row.topicId, topic: "t", partition: p, from: row.leader, to }]),
    );
    // The source closed its stream (finishClosedMoves' condition, written directly here).
    await db
      .update(partitions)
      .set({ closingBrokerId: -1 })
      .where(and(eq(partitions.topicId, row.topicId), eq(partitions.partition, p)));
    await inTransaction(db, (tx) => assignLeaderlessPartitions(tx, clusterId));
    return row.leader;
  }

  it("goes to its target, not back to the now least-loaded source", async () => {
    const source = await leaderOf(0);
    const target = ids.find((id) => id !== source)!;
    await move(0, target);
    assert.equal(await leaderOf(0), target);
    const [row] = await testDb.database.db
      .select({ target: partitions.targetBrokerId })
      .from(partitions)
      .innerJoin(topics, eq(topics.id, partitions.topicId))
      .where(and(eq(topics.name, "t"), eq(partitions.partition, 0)));
    assert.equal(row!.target, -1, "the target is cleared once assigned");
  });

  it("falls back to the least loaded ACTIVE broker when the target is no longer ACTIVE", async () => {
    const source = await leaderOf(1);
    const gone = ids.find((id) => id !== source)!;
    await testDb.database.db
      .update(brokers)
      .set({ state: "FENCED" })
      .where(and(eq(brokers.clusterId, clusterId), eq(brokers.brokerId, gone)));
    await move(1, gone);
    const leader = await leaderOf(1);
    assert.notEqual(leader, gone);
    assert.notEqual(leader, -1);
  });
});
