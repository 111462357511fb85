// A move whose target never opens the partition is rolled back (services/move-rollback.ts, run by the
// partition-assignment controller): stand-in brokers registered as the real broker would, leased (so "alive"),
// whose target simply never opens the stream. The target is fenced by a new leader epoch (its late open is
// refused), the partition goes back to its source, or to another live broker when the source is gone or
// draining, the move row and its operation say so, and a rebalance with a rolled-back move fails naming it.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { and, eq } from "drizzle-orm";
import { partitionAssignmentController } from "../../src/controllers/partition-assignment-controller.ts";
import { rebalanceHandler } from "../../src/controllers/rebalance-handler.ts";
import { brokers, partitions } from "../../src/db/schema.ts";
import { inTransaction } from "../../src/db/transaction.ts";
import { DbObjectManager } from "../../src/objects/db-object-manager.ts";
import { AssignmentNotifier } from "../../src/services/assignment-notifier.ts";
import { DEFAULT_MOVE_LIMITS } from "../../src/services/move-limits.ts";
import { moveTimingsOf } from "../../src/services/move-timings.ts";
import { getOperation, type Operation } from "../../src/services/operations.ts";
import { completeMovesAfterClose, lockCluster } from "../../src/services/partition-assigner.ts";
import { startPartitionMoves } from "../../src/services/partition-moves.ts";
import { listReassignments } from "../../src/services/partition-reassignments.ts";
import { type PartitionMove, releaseMoves } from "../../src/services/rebalance.ts";
import { readTopic } from "../../src/services/topics.ts";
import type { TestDatabase } from "../helpers/test-database.ts";
import { openMoveCluster, partitionRow } from "./move-kit.ts";

const OPEN_TIMEOUT_MS = 1_000;

describe("rollback of a move whose target never opens", () => {
  let testDb: TestDatabase;
  let clusterId: string;
  const ids: number[] = [];
  const db = () => testDb.database.db;
  const notifier = new AssignmentNotifier();
  const controller = partitionAssignmentController(notifier, { moveOpenTimeoutMs: OPEN_TIMEOUT_MS });
  const [, waitStep] = rebalanceHandler(notifier).steps;

  before(async () => {
    const cluster = await openMoveCluster("rollback", { t: 6 });
    testDb = cluster.testDb;
    clusterId = cluster.clusterId;
    ids.push(...cluster.brokerIds);
  });
  after(() => testDb.drop());

  const row = (partition: number) => partitionRow(db(), clusterId, "t", partition);
  const objects = () => new DbObjectManager({ db: db(), clusterId });
  /** One controller pass at `now` (the clock the rollback deadline is read on). */
  const reconcile = (now: number) => controller.reconcile({ db: db(), now: () => now, log: () => {} });
  const ctx = () => ({ db: db(), now: Date.now, log: () => {} });
  const setState = (brokerId: number, state: string, leaseUntil?: number) =>
    db()
      .update(brokers)
      .set({ state, ...(leaseUntil === undefined ? {} : { leaseUntil }) })
      .where(and(eq(brokers.clusterId, clusterId), eq(brokers.brokerId, brokerId)));

  /**
   * A named move of partition `partition` from its leader to `target`, carried up to the target's open: the
   * source serves, releases, closes; the target is assigned at a new epoch and (in these tests) never opens.
   */
  async function moveUpToOpen(partition: number, target?: number) {
    const p = await row(partition);
    const to = target ?? ids.find((id) => id !== p.leader)!;
    await objects().openStream(p.streamId, p.epoch, p.leader);
    const op = await startPartitionMoves(db(), clusterId, [{ topic: "t", partition, to }], "test");
    await inTransaction(db(), async (tx) => {
      await lockCluster(tx, clusterId);
      await releaseMoves(tx, clusterId, op.input.moves as PartitionMove[], op.id);
    });
    await objects().closeStream(p.streamId, p.epoch);
    await completeMovesAfterClose(db(), clusterId, p.streamId, DEFAULT_MOVE_LIMITS);
    const assigned = await row(partition);
    assert.equal(assigned.leader, to, "the target was assigned");
    assert.equal(assigned.epoch, p.epoch + 1);
    return { op, source: p.leader, target: to, streamId: p.streamId, assignedEpoch: assigned.epoch };
  }

  const operation = async (op: Operation) => (await getOperation(db(), op.id))!;

  it("gives the partition back to its live source, fences the target, and fails the rebalance naming it", async () => {
    const m = await moveUpToOpen(0);
    assert.equal(await waitStep!.run(ctx(), await operation(m.op)), "wait", "the move waits for the open");

    await reconcile(Date.now());
    assert.equal((await row(0)).leader, m.target, "within the open timeout nothing is rolled back");

    // Kafka's ListPartitionReassignments still lists it (a tool's --verify must not call it completed).
    assert.deepEqual((await listReassignments(db(), clusterId)).reassignments, [
      { topic: "t", partition: 0, from: -1, to: m.target, released: true },
    ]);

    await reconcile(Date.now() + OPEN_TIMEOUT_MS + 1);
    assert.deepEqual(
      (await listReassignments(db(), clusterId)).reassignments,
      [],
      "rolled back: not in flight",
    );
    const rolled = await row(0);
    assert.equal(rolled.leader, m.source, "back to the source");
    assert.equal(rolled.epoch, m.assignedEpoch + 1, "a new leader epoch fences the target");
    assert.equal(rolled.closing, -1);

    const [timing] = await moveTimingsOf(db(), m.op.id);
    assert.equal(timing!.state, "ROLLED_BACK");
    assert.equal(timing!.rolledBackTo, m.source);
    assert.equal(timing!.openedAt, null);
    assert.ok(timing!.rolledBackAt! >= timing!.assignedAt!);
    assert.match(
      timing!.failure!,
      new RegExp(
        `broker ${m.target} did not open the partition within ${OPEN_TIMEOUT_MS} ms.*given back to its source, broker ${m.source}`,
      ),
    );
    assert.equal((await operation(m.op)).input.movesRolledBack, 1);

    // The target's late open at its (old) epoch is refused: it never serves what the source owns now.
    await assert.rejects(objects().openStream(m.streamId, m.assignedEpoch, m.target), {
      code: "STREAM_FENCED",
    });
    // So is it in a batch of opens (a broker's concurrent opens travel together).
    const [late] = await objects().openStreams([
      { streamId: m.streamId, epoch: m.assignedEpoch, nodeId: m.target },
    ]);
    assert.equal((late as { code?: string }).code, "STREAM_FENCED");
    // The source opens at the new epoch (in a batch too) and is the one announced.
    const [reopened] = await objects().openStreams([
      { streamId: m.streamId, epoch: rolled.epoch, nodeId: m.source },
    ]);
    assert.equal((reopened as { nodeId?: number }).nodeId, m.source);
    const announced = (await readTopic(db(), clusterId, "t")).partitions.find((p) => p.partition === 0)!;
    assert.deepEqual([announced.leaderBrokerId, announced.leaderEpoch], [m.source, rolled.epoch]);

    // Not a silent success: the rebalance carrying the move fails and says which move and why.
    await assert.rejects(waitStep!.run(ctx(), await operation(m.op)), (error: Error & { code?: string }) => {
      assert.equal(error.code, "MOVES_ROLLED_BACK");
      assert.match(error.message, /1 of 1 moves rolled back: t-0: broker \d+ did not open/);
      return true;
    });
    // The source leads again: the rebalance must not take that for a move still to release.
    const after = await row(0);
    assert.deepEqual(
      [after.leader, after.closing, after.epoch],
      [m.source, -1, rolled.epoch],
      "not released again",
    );
  });

  it("gives it to another live broker when the source is gone, never to the target", async () => {
    const m = await moveUpToOpen(1);
    const third = ids.find((id) => id !== m.source && id !== m.target)!;
    // The source's lease ran out (fenced, no WAL volume to recover).
    await setState(m.source, "FENCED", Date.now() - 1);
    try {
      await reconcile(Date.now() + OPEN_TIMEOUT_MS + 1);
      const rolled = await row(1);
      assert.equal(rolled.leader, third);
      assert.equal(rolled.epoch, m.assignedEpoch + 1);
      const [timing] = await moveTimingsOf(db(), m.op.id);
      assert.equal(timing!.state, "ROLLED_BACK");
      assert.equal(timing!.rolledBackTo, third);
      assert.match(
        timing!.failure!,
        new RegExp(`given to broker ${third} \\(its source, broker ${m.source}`),
      );
      await assert.rejects(objects().openStream(m.streamId, m.assignedEpoch, m.target), {
        code: "STREAM_FENCED",
      });
    } finally {
      await setState(m.source, "ACTIVE", Date.now() + 60_000);
    }
  });

  it("does not give it back to a draining source", async () => {
    const m = await moveUpToOpen(2);
    const third = ids.find((id) => id !== m.source && id !== m.target)!;
    await setState(m.source, "DRAINING");
    try {
      await reconcile(Date.now() + OPEN_TIMEOUT_MS + 1);
      assert.equal((await row(2)).leader, third);
    } finally {
      await setState(m.source, "ACTIVE");
    }
  });

  it("leaves the partition with its target when no other live broker could take it (never leaderless)", async () => {
    const m = await moveUpToOpen(3);
    const third = ids.find((id) => id !== m.source && id !== m.target)!;
    await setState(m.source, "FENCED", Date.now() - 1);
    await setState(third, "FENCED", Date.now() - 1);
    try {
      await reconcile(Date.now() + OPEN_TIMEOUT_MS + 1);
      const kept = await row(3);
      assert.deepEqual([kept.leader, kept.epoch], [m.target, m.assignedEpoch]);
      assert.equal((await moveTimingsOf(db(), m.op.id))[0]!.state, "OPENING");
      // Once it opens, the move is done as usual.
      await objects().openStream(m.streamId, m.assignedEpoch, m.target);
      assert.equal((await moveTimingsOf(db(), m.op.id))[0]!.state, "DONE");
      await reconcile(Date.now() + OPEN_TIMEOUT_MS + 1);
      assert.equal((await row(3)).leader, m.target);
      assert.equal(await waitStep!.run(ctx(), await operation(m.op)), undefined, "settled: succeeds");
    } finally {
      await setState(m.source, "ACTIVE", Date.now() + 60_000);
      await setState(third, "ACTIVE", Date.now() + 60_000);
    }
  });

  it("records a target that lost the partition to another broker before opening it", async () => {
    const m = await moveUpToOpen(4);
    const third = ids.find((id) => id !== m.source && id !== m.target)!;
    // The target's lease ran out and the partition went elsewhere (what the lease controller does).
    await db()
      .update(partitions)
      .set({ leaderBrokerId: third, leaderEpoch: m.assignedEpoch + 1 })
      .where(and(eq(partitions.streamId, m.streamId)));
    await reconcile(Date.now() + OPEN_TIMEOUT_MS + 1);
    const [timing] = await moveTimingsOf(db(), m.op.id);
    assert.equal(timing!.state, "ROLLED_BACK");
    assert.equal(timing!.rolledBackTo, third);
    assert.match(timing!.failure!, /lost the partition before opening it/);
    assert.equal((await row(4)).leader, third, "the partition's owner is left alone");
  });

  it("an open that lands before the deadline is never rolled back", async () => {
    const m = await moveUpToOpen(5);
    await objects().openStream(m.streamId, m.assignedEpoch, m.target);
    await reconcile(Date.now() + OPEN_TIMEOUT_MS + 1);
    const p = await row(5);
    assert.deepEqual([p.leader, p.epoch], [m.target, m.assignedEpoch]);
    assert.equal((await moveTimingsOf(db(), m.op.id))[0]!.state, "DONE");
    assert.equal(await waitStep!.run(ctx(), await operation(m.op)), undefined);
    assert.equal((await operation(m.op)).input.movesRolledBack, undefined);
  });
});
