// Per-move progress and timings (partition_moves): each move an operation released is stamped as it goes,
// release → close → assign → open, and only by the events that belong to it (the assigned broker opening at
// the new epoch; not a stale open, not another broker).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { inTransaction } from "../../src/db/transaction.ts";
import { DbObjectManager } from "../../src/objects/db-object-manager.ts";
import { DEFAULT_MOVE_LIMITS } from "../../src/services/move-limits.ts";
import { moveTimingsOf } from "../../src/services/move-timings.ts";
import { completeMovesAfterClose, lockCluster } from "../../src/services/partition-assigner.ts";
import { startPartitionMoves } from "../../src/services/partition-moves.ts";
import { type PartitionMove, releaseMoves } from "../../src/services/rebalance.ts";
import type { TestDatabase } from "../helpers/test-database.ts";
import { openMoveCluster, partitionRow } from "./move-kit.ts";

describe("move timings", () => {
  let testDb: TestDatabase;
  let clusterId: string;
  const ids: number[] = [];
  const db = () => testDb.database.db;

  before(async () => {
    const cluster = await openMoveCluster("timings", { t: 6 });
    testDb = cluster.testDb;
    clusterId = cluster.clusterId;
    ids.push(...cluster.brokerIds);
  });
  after(() => testDb.drop());

  const row = (partition: number) => partitionRow(db(), clusterId, "t", partition);
  const objects = () => new DbObjectManager({ db: db(), clusterId });

  it("a named move goes CLOSING → ASSIGNING → OPENING → DONE, each step stamped in order", async () => {
    const p = await row(0);
    const source = p.leader;
    const target = ids.find((id) => id !== source)!;
    await objects().openStream(p.streamId, p.epoch, source);
    const op = await startPartitionMoves(db(), clusterId, [{ topic: "t", partition: 0, to: target }], "test");
    assert.deepEqual(await moveTimingsOf(db(), op.id), [], "nothing released yet: no move recorded");

    const t0 = Date.now();
    await inTransaction(db(), async (tx) => {
      await lockCluster(tx, clusterId);
      await releaseMoves(tx, clusterId, op.input.moves as PartitionMove[], op.id);
    });
    const [requested] = await moveTimingsOf(db(), op.id);
    assert.equal(requested!.state, "CLOSING");
    assert.deepEqual(
      [requested!.topic, requested!.partition, requested!.from, requested!.to],
      ["t", 0, source, target],
    );
    assert.ok(requested!.requestedAt >= t0);
    assert.deepEqual(
      [requested!.closedAt, requested!.assignedAt, requested!.openedAt, requested!.durationMs],
      [null, null, null, null],
    );

    // Releasing again (the handler's next pass) records nothing twice.
    await inTransaction(db(), async (tx) => {
      await lockCluster(tx, clusterId);
      await releaseMoves(tx, clusterId, op.input.moves as PartitionMove[], op.id);
    });
    assert.equal((await moveTimingsOf(db(), op.id)).length, 1);

    await objects().closeStream(p.streamId, p.epoch);
    await completeMovesAfterClose(db(), clusterId, p.streamId, DEFAULT_MOVE_LIMITS);
    const [assigned] = await moveTimingsOf(db(), op.id);
    assert.equal(assigned!.state, "OPENING", "closed and assigned in the same pass");
    assert.equal(assigned!.to, target);
    assert.ok(assigned!.closedAt! >= assigned!.requestedAt);
    assert.ok(assigned!.assignedAt! >= assigned!.closedAt!);
    assert.equal(assigned!.openedAt, null);

    // An open at the old epoch (a late retry of the source) is not the target opening: nothing stamped.
    await objects()
      .openStream(p.streamId, p.epoch, source)
      .catch(() => undefined);
    assert.equal((await moveTimingsOf(db(), op.id))[0]!.openedAt, null);

    const moved = await row(0);
    await objects().openStream(p.streamId, moved.epoch, target);
    const [done] = await moveTimingsOf(db(), op.id);
    assert.equal(done!.state, "DONE");
    assert.ok(done!.openedAt! >= done!.assignedAt!);
    assert.equal(done!.durationMs, done!.openedAt! - done!.requestedAt);

    // Reopening later (a broker restart at the same epoch) does not move the stamp.
    await new Promise((resolve) => setTimeout(resolve, 5));
    await objects().openStream(p.streamId, moved.epoch, target);
    assert.equal((await moveTimingsOf(db(), op.id))[0]!.openedAt, done!.openedAt);
  });
});
