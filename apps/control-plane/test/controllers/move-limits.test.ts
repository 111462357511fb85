// Moves in flight are bounded per broker, per topic and per cluster: the executor releases what fits and the
// rest as earlier moves finish, counting moves any executor (a drain too) has in flight.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { and, eq } from "drizzle-orm";
import { partitions, topics } from "../../src/db/schema.ts";
import { inTransaction } from "../../src/db/transaction.ts";
import { movesWithinLimits, pendingMoves } from "../../src/services/move-limits.ts";
import type { PartitionMove } from "../../src/services/rebalance.ts";
import { releaseMoves } from "../../src/services/rebalance.ts";
import type { TestDatabase } from "../helpers/test-database.ts";
import { openMoveCluster } from "./move-kit.ts";

describe("move limits", () => {
  let testDb: TestDatabase;
  let clusterId: string;
  const ids: number[] = [];
  const db = () => testDb.database.db;

  before(async () => {
    const cluster = await openMoveCluster("limits", { a: 6, b: 6 });
    testDb = cluster.testDb;
    clusterId = cluster.clusterId;
    ids.push(...cluster.brokerIds);
  });
  after(() => testDb.drop());

  /** Every partition of `topic` moved to the next broker. */
  async function plan(topic: string): Promise<PartitionMove[]> {
    const rows = await db()
      .select({
        topicId: partitions.topicId,
        partition: partitions.partition,
        leader: partitions.leaderBrokerId,
      })
      .from(partitions)
      .innerJoin(topics, eq(topics.id, partitions.topicId))
      .where(and(eq(topics.name, topic), eq(topics.clusterId, clusterId)))
      .orderBy(partitions.partition);
    return rows.map((r) => ({
      topicId: r.topicId,
      topic,
      partition: r.partition,
      from: r.leader,
      to: ids[(ids.indexOf(r.leader) + 1) % ids.length]!,
    }));
  }

  const within = (moves: PartitionMove[], perBroker: number, perTopic: number, perCluster: number) =>
    inTransaction(db(), (tx) => movesWithinLimits(tx, clusterId, moves, { perBroker, perTopic, perCluster }));

  it("admits in plan order up to each limit", async () => {
    const moves = await plan("a");
    assert.equal((await within(moves, 100, 100, 100)).length, 6);
    assert.equal((await within(moves, 100, 100, 4)).length, 4, "cluster-wide");
    assert.equal((await within(moves, 100, 3, 100)).length, 3, "per topic");
    // 6 partitions over 3 brokers: each broker is the source of 2 and the target of 2.
    const perBroker = await within(moves, 2, 100, 100);
    const load = new Map<number, number>();
    for (const m of perBroker) for (const b of [m.from, m.to]) load.set(b, (load.get(b) ?? 0) + 1);
    assert.ok(perBroker.length >= 1 && perBroker.length < 6, `${perBroker.length} admitted`);
    assert.ok(
      [...load.values()].every((n) => n <= 2),
      JSON.stringify([...load]),
    );
  });

  it("counts moves already in flight, and releases the rest once they finished", async () => {
    const moves = await plan("a");
    const first = await within(moves, 100, 2, 100);
    assert.equal(first.length, 2);
    await inTransaction(db(), (tx) => releaseMoves(tx, clusterId, first));
    assert.equal((await within(moves, 100, 2, 100)).length, 0, "topic a is at its limit");
    assert.equal((await within(await plan("b"), 100, 2, 100)).length, 2, "topic b is not");
    assert.equal((await within(await plan("b"), 100, 100, 3)).length, 1, "the cluster counts a's two");
    assert.equal(
      (await inTransaction(db(), (tx) => pendingMoves(tx, moves))).length,
      4,
      "released moves are not pending",
    );
    // The sources closed: the moves are done, no longer in flight.
    await db().update(partitions).set({ closingBrokerId: -1 }).where(eq(partitions.clusterId, clusterId));
    assert.equal((await within(moves, 100, 2, 100)).length, 2);
  });
});
