// The move path end to end in the database: a move that names its target (POST /partitions/moves'
// service), the source's close finishing the move at once (no reconcile pass inside the window), the leader
// announced to clients only once the target has opened the stream, and a source that dies mid-move.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { and, eq } from "drizzle-orm";
import { brokers } from "../../src/db/schema.ts";
import { inTransaction } from "../../src/db/transaction.ts";
import { DbObjectManager } from "../../src/objects/db-object-manager.ts";
import { DEFAULT_MOVE_LIMITS } from "../../src/services/move-limits.ts";
import {
  assignLeaderlessPartitions,
  completeMovesAfterClose,
  finishClosedMoves,
  lockCluster,
} from "../../src/services/partition-assigner.ts";
import { startPartitionMoves } from "../../src/services/partition-moves.ts";
import { type PartitionMove, releaseMoves } from "../../src/services/rebalance.ts";
import { readTopic } from "../../src/services/topics.ts";
import type { TestDatabase } from "../helpers/test-database.ts";
import { openMoveCluster, partitionRow } from "./move-kit.ts";

describe("partition move hand-off", () => {
  let testDb: TestDatabase;
  let clusterId: string;
  const ids: number[] = [];
  const db = () => testDb.database.db;

  before(async () => {
    const cluster = await openMoveCluster("handoff", { t: 3 });
    testDb = cluster.testDb;
    clusterId = cluster.clusterId;
    ids.push(...cluster.brokerIds);
  });
  after(() => testDb.drop());

  const row = (partition: number) => partitionRow(db(), clusterId, "t", partition);
  const announced = async (partition: number) =>
    (await readTopic(db(), clusterId, "t")).partitions.find((p) => p.partition === partition)!;
  const objects = () => new DbObjectManager({ db: db(), clusterId });

  describe("startPartitionMoves", () => {
    it("records a move with its source and named target", async () => {
      const p = await row(0);
      const to = ids.find((id) => id !== p.leader)!;
      const op = await startPartitionMoves(db(), clusterId, [{ topic: "t", partition: 0, to }], "test");
      assert.equal(op.type, "cluster.rebalance");
      assert.deepEqual(op.input.moves, [
        { topicId: p.topicId, topic: "t", partition: 0, from: p.leader, to },
      ]);
    });

    it("refuses unknown partitions, targets that are not ACTIVE, no-op and duplicate moves, writing nothing", async () => {
      const p = await row(1);
      const other = ids.find((id) => id !== p.leader)!;
      const refused = async (moves: { topic: string; partition: number; to: number }[], code: string) =>
        assert.rejects(startPartitionMoves(db(), clusterId, moves, "test"), { code });
      await refused([{ topic: "t", partition: 9, to: other }], "NOT_FOUND");
      await refused([{ topic: "nope", partition: 0, to: other }], "NOT_FOUND");
      await refused([{ topic: "t", partition: 1, to: 999 }], "INVALID_STATE");
      await refused([{ topic: "t", partition: 1, to: p.leader }], "INVALID_STATE");
      await refused(
        [
          { topic: "t", partition: 1, to: other },
          { topic: "t", partition: 1, to: other },
        ],
        "INVALID_REQUEST",
      );
      await refused([], "INVALID_REQUEST");
      assert.equal((await row(1)).leader, p.leader);
    });
  });

  it("the source's close assigns the target at once; clients see the source until the target opened", async () => {
    const before = await row(2);
    const source = before.leader;
    const target = ids.find((id) => id !== source)!;
    // The source serves the partition: its stream is open at the partition's leader epoch.
    await objects().openStream(before.streamId, before.epoch, source);
    assert.equal((await announced(2)).leaderBrokerId, source);

    const move: PartitionMove = {
      topicId: before.topicId,
      topic: "t",
      partition: 2,
      from: source,
      to: target,
    };
    await inTransaction(db(), async (tx) => {
      await lockCluster(tx, clusterId);
      await releaseMoves(tx, clusterId, [move]);
    });
    // Released: no leader in the records, but clients keep being sent to the source (it answers
    // NOT_LEADER_OR_FOLLOWER at once) instead of getting no leader at all.
    assert.equal((await row(2)).leader, -1);
    assert.equal((await announced(2)).leaderBrokerId, source);
    assert.deepEqual(
      await completeMovesAfterClose(db(), clusterId, before.streamId, DEFAULT_MOVE_LIMITS),
      [],
      "not closed yet",
    );

    await objects().closeStream(before.streamId, before.epoch);
    const changed = await completeMovesAfterClose(db(), clusterId, before.streamId, DEFAULT_MOVE_LIMITS);
    assert.deepEqual(changed, [target]);
    const moved = await row(2);
    assert.equal(moved.leader, target);
    assert.equal(moved.epoch, before.epoch + 1);
    assert.equal(moved.closing, -1);
    // The target has not opened the stream yet: not announced (the source, still serving, is).
    assert.equal((await announced(2)).leaderBrokerId, source);

    await objects().openStream(before.streamId, moved.epoch, target);
    const now = await announced(2);
    assert.equal(now.leaderBrokerId, target);
    assert.equal(now.leaderEpoch, moved.epoch);
  });

  it("a close of a stream no move waits for changes nothing", async () => {
    const p = await row(0);
    assert.deepEqual(await completeMovesAfterClose(db(), clusterId, p.streamId, DEFAULT_MOVE_LIMITS), []);
  });

  it("a source that dies mid-move leaves no partition without a leader", async () => {
    const before = await row(1);
    const source = before.leader;
    const target = ids.find((id) => id !== source)!;
    await objects().openStream(before.streamId, before.epoch, source);
    await inTransaction(db(), async (tx) => {
      await lockCluster(tx, clusterId);
      await releaseMoves(tx, clusterId, [
        { topicId: before.topicId, topic: "t", partition: 1, from: source, to: target },
      ]);
    });
    const reconcile = () =>
      inTransaction(db(), async (tx) => {
        await lockCluster(tx, clusterId);
        await finishClosedMoves(tx, clusterId);
        return assignLeaderlessPartitions(tx, clusterId);
      });
    // Still leased: the move waits for its close (the source may hold acked records in its WAL).
    await reconcile();
    assert.equal((await row(1)).leader, -1);
    // The source dies before closing: its lease runs out and the lease controller fences it (no WAL
    // volume to recover here). Announced: the move's planned target (it is the one to open it next, and
    // holds requests until it has), never the dead broker, and not "no leader".
    await db()
      .update(brokers)
      .set({ state: "FENCED", leaseUntil: Date.now() - 1 })
      .where(and(eq(brokers.clusterId, clusterId), eq(brokers.brokerId, source)));
    const meanwhile = await announced(1);
    assert.equal(meanwhile.leaderBrokerId, target);
    assert.equal(meanwhile.leaderEpoch, before.epoch);
    await reconcile();
    const after = await row(1);
    assert.equal(after.leader, target, "the planned target takes it once the source can no longer write");
    assert.equal(after.epoch, before.epoch + 1);
  });
});
