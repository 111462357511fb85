// A drain honours the move limits: it releases the drained broker's partitions in waves, the next one as soon
// as earlier moves landed, each recorded with its timings in the operation.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { and, eq, ne } from "drizzle-orm";
import { brokerDrainHandler } from "../../src/controllers/broker-drain.ts";
import { type ControllerContext, STEP_WAIT } from "../../src/controllers/controller-runner.ts";
import { operations, partitions } from "../../src/db/schema.ts";
import { DbObjectManager } from "../../src/objects/db-object-manager.ts";
import { AssignmentNotifier } from "../../src/services/assignment-notifier.ts";
import { moveTimingsOf } from "../../src/services/move-timings.ts";
import { getOperation } from "../../src/services/operations.ts";
import { completeMovesAfterClose } from "../../src/services/partition-assigner.ts";
import type { TestDatabase } from "../helpers/test-database.ts";
import { openMoveCluster } from "./move-kit.ts";

describe("drain in waves", () => {
  let testDb: TestDatabase;
  let clusterId: string;
  const ids: number[] = [];
  const db = () => testDb.database.db;

  before(async () => {
    const cluster = await openMoveCluster("waves", { t: 12 });
    testDb = cluster.testDb;
    clusterId = cluster.clusterId;
    ids.push(...cluster.brokerIds);
  });
  after(() => testDb.drop());

  const ofBroker = (role: "leader" | "closing", brokerId: number) =>
    db()
      .select({ streamId: partitions.streamId, epoch: partitions.leaderEpoch })
      .from(partitions)
      .where(
        and(
          eq(partitions.clusterId, clusterId),
          eq(role === "leader" ? partitions.leaderBrokerId : partitions.closingBrokerId, brokerId),
        ),
      );

  it("releases at most the per-broker limit at once, the next as soon as a move landed, until none is left", async () => {
    const drained = ids[2]!;
    const objects = new DbObjectManager({ db: db(), clusterId });
    const led = await ofBroker("leader", drained);
    assert.equal(led.length, 4);
    for (const p of led) await objects.openStream(p.streamId, p.epoch, drained);
    const [op] = await db()
      .insert(operations)
      .values({
        id: crypto.randomUUID(),
        clusterId,
        type: "broker.drain",
        status: "RUNNING",
        input: { clusterId, brokerId: drained },
        createdAt: Date.now(),
        updatedAt: Date.now(),
      })
      .returning();
    const operation = (await getOperation(db(), op!.id))!;
    const ctx: ControllerContext = { db: db(), now: Date.now, log: () => {} };
    const limits = { perBroker: 3, perTopic: 64, perCluster: 128 };
    const [stopAssigning, movePartitions, waitForClose] = brokerDrainHandler(
      new AssignmentNotifier(),
      limits,
    ).steps;
    await stopAssigning!.run(ctx, operation);
    await movePartitions!.run(ctx, operation);
    // As the runner records it: the first wave is out, the operation waits in wait-for-close.
    const step = (name: string, status: string) => ({
      name,
      status,
      startedAt: null,
      finishedAt: null,
      error: null,
    });
    await db()
      .update(operations)
      .set({
        steps: [
          step("stop-assigning", "SUCCEEDED"),
          step("move-partitions", "SUCCEEDED"),
          step("wait-for-close", "RUNNING"),
        ],
      })
      .where(eq(operations.id, operation.id));

    const closeWave = async (expected: number) => {
      const closing = await ofBroker("closing", drained);
      assert.equal(closing.length, expected, "moves in flight");
      for (const p of closing) {
        await objects.closeStream(p.streamId, p.epoch);
        await completeMovesAfterClose(db(), clusterId, p.streamId, limits);
      }
    };
    assert.equal((await ofBroker("leader", drained)).length, 1, "one waits for the next wave");
    assert.equal(await waitForClose!.run(ctx, operation), STEP_WAIT, "nothing closed yet");
    assert.equal((await ofBroker("closing", drained)).length, 3, "no more released meanwhile");
    await closeWave(3);
    // The close's completion released it in its own transaction, before any pass of the operation's steps.
    assert.equal((await ofBroker("leader", drained)).length, 0, "the second wave is released");
    assert.equal((await ofBroker("closing", drained)).length, 1, "within the limit");
    assert.equal(await waitForClose!.run(ctx, operation), STEP_WAIT, "the second wave is in flight");
    await closeWave(1);
    assert.equal(await waitForClose!.run(ctx, operation), undefined, "drained");

    const moved = await moveTimingsOf(db(), operation.id);
    assert.equal(moved.length, 4, "every partition of the broker, each once");
    assert.ok(
      moved.every((m) => m.from === drained && m.to !== drained && m.to >= 0 && m.state === "OPENING"),
    );
    const firstWave = moved.slice(0, 3);
    const lastRequested = moved[3]!.requestedAt;
    assert.ok(
      firstWave.some((m) => m.closedAt! <= lastRequested),
      "the last one released once a move of the first wave landed (a slot freed), not before",
    );
    const left = await db()
      .select({ leader: partitions.leaderBrokerId })
      .from(partitions)
      .where(and(eq(partitions.clusterId, clusterId), ne(partitions.leaderBrokerId, -1)));
    assert.equal(left.length, 12, "no partition without a leader");
    assert.ok(left.every((p) => p.leader !== drained));
  });
});
