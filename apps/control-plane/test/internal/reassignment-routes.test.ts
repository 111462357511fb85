// The internal route behind Kafka's Alter/ListPartitionReassignments: authenticated with the cluster's broker
// credential, body checked by the shared schema (problem+json), one outcome per move, the possible moves started
// as one cluster.rebalance operation of the shared executor, and the moves in flight listed (queued, then
// released).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { InternalRoutes, internalPath } from "@cirrus/broker-api";
import { and, eq } from "drizzle-orm";
import { rebalanceHandler } from "../../src/controllers/rebalance-handler.ts";
import { brokers, clusters, operations, partitions } from "../../src/db/schema.ts";
import { inTransaction } from "../../src/db/transaction.ts";
import { AssignmentNotifier } from "../../src/services/assignment-notifier.ts";
import { registerBroker } from "../../src/services/brokers.ts";
import { getOperation } from "../../src/services/operations.ts";
import { lockCluster } from "../../src/services/partition-assigner.ts";
import { type PartitionMove, releaseMoves } from "../../src/services/rebalance.ts";
import { createTopic } from "../../src/services/topics.ts";
import { partitionRow } from "../controllers/move-kit.ts";
import { createLocalCluster, createTestApp, type TestApp } from "../helpers/test-app.ts";

const url = internalPath(InternalRoutes.partitionReassignments);
const cancelUrl = internalPath(InternalRoutes.cancelReassignments);

describe("internal partition reassignment routes", { timeout: 60_000 }, () => {
  let t: TestApp;
  let clusterId: string;
  let brokerToken: string;
  const brokerIds: number[] = [];
  const db = () => t.testDb.database.db;
  const asBroker = (token = brokerToken) => ({ authorization: `Bearer ${token}` });
  const post = (payload: unknown, token?: string) =>
    t.app.server.inject({ method: "POST", url, headers: asBroker(token), payload: payload as object });
  const list = async () => {
    const answer = await t.app.server.inject({ method: "GET", url, headers: asBroker() });
    assert.equal(answer.statusCode, 200, answer.body);
    return answer.json().reassignments as {
      topic: string;
      partition: number;
      from: number;
      to: number;
      released: boolean;
    }[];
  };

  before(async () => {
    t = await createTestApp("pglite");
    ({ id: clusterId, brokerToken } = await createLocalCluster(t, "reassign"));
    await db().update(clusters).set({ state: "RUNNING" }).where(eq(clusters.id, clusterId));
    for (const instanceId of ["i-a", "i-b"]) {
      const { response } = await registerBroker(
        db(),
        clusterId,
        { instanceId, zone: "zone-a", host: "127.0.0.1", port: 9092 },
        60_000,
      );
      brokerIds.push(response.brokerId);
    }
    await createTopic(db(), clusterId, { name: "t", partitions: 3 });
  });
  after(() => t?.close());

  it("refuses a missing or wrong broker credential, and an admin API token, with 401 problem+json", async () => {
    for (const headers of [{}, asBroker("cbt_wrong"), t.auth(t.admin)]) {
      const answer = await t.app.server.inject({ method: "GET", url, headers });
      assert.equal(answer.statusCode, 401);
      assert.match(String(answer.headers["content-type"]), /application\/problem\+json/);
      assert.equal(answer.json().code, "UNAUTHORIZED");
    }
  });

  it("refuses bodies that do not match the schema with 400 INVALID_REQUEST", async () => {
    for (const payload of [
      { moves: [] },
      { moves: [{ topic: "t", partition: 0 }] },
      { moves: [{ topic: "t", partition: 0, to: -1 }] },
      { moves: [{ topic: "bad name!", partition: 0, to: 1 }] },
      { moves: [{ topic: "t", partition: 0, to: 1, replicas: [1, 2] }] },
    ]) {
      const answer = await post(payload);
      assert.equal(answer.statusCode, 400, JSON.stringify(payload));
      assert.match(String(answer.headers["content-type"]), /application\/problem\+json/);
      assert.equal(answer.json().code, "INVALID_REQUEST");
    }
    assert.deepEqual(await list(), [], "nothing was started");
  });

  it("answers each move with its outcome and starts the possible ones as one operation", async () => {
    const p0 = await partitionRow(db(), clusterId, "t", 0);
    const p1 = await partitionRow(db(), clusterId, "t", 1);
    const other = (leader: number) => brokerIds.find((id) => id !== leader)!;
    const answer = await post({
      moves: [
        { topic: "t", partition: 0, to: other(p0.leader) },
        { topic: "t", partition: 1, to: p1.leader },
        { topic: "t", partition: 7, to: brokerIds[0] },
        { topic: "nope", partition: 0, to: brokerIds[0] },
        { topic: "t", partition: 2, to: 999 },
        { topic: "t", partition: 0, to: other(p0.leader) },
      ],
    });
    assert.equal(answer.statusCode, 200, answer.body);
    const body = answer.json();
    assert.deepEqual(
      body.results.map((r: { outcome: string }) => r.outcome),
      ["STARTED", "ALREADY_THERE", "UNKNOWN_PARTITION", "UNKNOWN_PARTITION", "UNKNOWN_BROKER", "DUPLICATE"],
    );
    assert.match(body.results[4].message, /broker 999 is not a broker of this cluster/);
    const op = (await getOperation(db(), body.operationId))!;
    assert.equal(op.type, "cluster.rebalance");
    assert.equal(op.createdBy, "broker:cluster-credential");
    assert.deepEqual(op.input.moves, [
      { topicId: p0.topicId, topic: "t", partition: 0, from: p0.leader, to: other(p0.leader) },
    ]);

    // Queued in the operation (not released yet): in flight, and a second request sees it.
    assert.deepEqual(await list(), [
      { topic: "t", partition: 0, from: p0.leader, to: other(p0.leader), released: false },
    ]);
    const again = (await post({ moves: [{ topic: "t", partition: 0, to: other(p0.leader) }] })).json();
    assert.equal(again.results[0].outcome, "ALREADY_THERE");
    assert.equal(again.operationId, null, "nothing new started");
    const elsewhere = (await post({ moves: [{ topic: "t", partition: 0, to: p0.leader }] })).json();
    assert.equal(elsewhere.results[0].outcome, "MOVING_ELSEWHERE");

    // Released by the executor: the source is closing, still in flight.
    await inTransaction(db(), async (tx) => {
      await lockCluster(tx, clusterId);
      await releaseMoves(tx, clusterId, op.input.moves as PartitionMove[], op.id);
    });
    assert.deepEqual(await list(), [
      { topic: "t", partition: 0, from: p0.leader, to: other(p0.leader), released: true },
    ]);
  });

  it("lists a move whose source has closed (target being assigned) and a drain's move (no target)", async () => {
    const p1 = await partitionRow(db(), clusterId, "t", 1);
    const p2 = await partitionRow(db(), clusterId, "t", 2);
    const [closed] = brokerIds.filter((id) => id !== p1.leader);
    const at = (partition: number) =>
      and(eq(partitions.topicId, p1.topicId), eq(partitions.partition, partition));
    await db()
      .update(partitions)
      .set({ leaderBrokerId: -1, closingBrokerId: -1, targetBrokerId: closed! })
      .where(at(1));
    await db()
      .update(partitions)
      .set({ leaderBrokerId: -1, closingBrokerId: p2.leader, targetBrokerId: -1 })
      .where(at(2));
    try {
      const moving = (await list()).filter((m) => m.partition !== 0);
      assert.deepEqual(moving, [
        { topic: "t", partition: 1, from: -1, to: closed, released: true },
        { topic: "t", partition: 2, from: p2.leader, to: -1, released: true },
      ]);
    } finally {
      await db()
        .update(partitions)
        .set({ leaderBrokerId: p1.leader, closingBrokerId: -1, targetBrokerId: -1 })
        .where(at(1));
      await db()
        .update(partitions)
        .set({ leaderBrokerId: p2.leader, closingBrokerId: -1, targetBrokerId: -1 })
        .where(at(2));
    }
  });

  it("refuses a target that is registered but not ACTIVE", async () => {
    const p2 = await partitionRow(db(), clusterId, "t", 2);
    const target = brokerIds.find((id) => id !== p2.leader)!;
    await db()
      .update(brokers)
      .set({ state: "DRAINING" })
      .where(and(eq(brokers.clusterId, clusterId), eq(brokers.brokerId, target)));
    const body = (await post({ moves: [{ topic: "t", partition: 2, to: target }] })).json();
    assert.equal(body.results[0].outcome, "BROKER_NOT_ACTIVE");
    assert.match(body.results[0].message, /DRAINING/);
    assert.equal(body.operationId, null);
  });
  it("cancels a queued move (taken out of its operation) and answers the others per partition", async () => {
    // The test before left a broker DRAINING: every broker takes partitions again.
    await db().update(brokers).set({ state: "ACTIVE" }).where(eq(brokers.clusterId, clusterId));
    await createTopic(db(), clusterId, { name: "q", partitions: 2 });
    const q0 = await partitionRow(db(), clusterId, "q", 0);
    const to = brokerIds.find((id) => id !== q0.leader)!;
    const started = (await post({ moves: [{ topic: "q", partition: 0, to }] })).json();
    assert.equal(started.results[0].outcome, "STARTED");
    assert.ok((await list()).some((m) => m.topic === "q" && m.partition === 0 && !m.released));

    // The executor's pass read the operation before the cancel came: it must not release the move anyway.
    const staleOp = (await getOperation(db(), started.operationId))!;
    const cancel = (partitions: { topic: string; partition: number }[]) =>
      t.app.server.inject({ method: "POST", url: cancelUrl, headers: asBroker(), payload: { partitions } });
    const answer = await cancel([
      { topic: "q", partition: 0 },
      { topic: "q", partition: 1 },
      { topic: "nope", partition: 0 },
      { topic: "t", partition: 0 },
    ]);
    assert.equal(answer.statusCode, 200, answer.body);
    assert.deepEqual(
      answer.json().results.map((r: { outcome: string }) => r.outcome),
      ["CANCELLED", "NOT_MOVING", "UNKNOWN_PARTITION", "IN_PROGRESS"],
      "t-0 was released earlier: its source is closing, it cannot be cancelled",
    );
    const op = (await getOperation(db(), started.operationId))!;
    assert.deepEqual(op.input.moves, [], "taken out of its operation: nothing is released for it");
    assert.deepEqual(
      (op.input.cancelledMoves as { topic: string; partition: number; to: number }[]).map((m) => [
        m.topic,
        m.partition,
        m.to,
      ]),
      [["q", 0, to]],
    );
    assert.equal((await list()).filter((m) => m.topic === "q").length, 0);
    const [release, wait] = rebalanceHandler(new AssignmentNotifier()).steps;
    const ctx = { db: db(), now: Date.now, log: () => {} };
    assert.equal(await release!.run(ctx, staleOp), undefined);
    assert.equal(await wait!.run(ctx, staleOp), undefined, "nothing left to wait for: the rebalance ends");
    const after = await partitionRow(db(), clusterId, "q", 0);
    assert.deepEqual([after.leader, after.closing], [q0.leader, -1], "never released");
    const again = await cancel([{ topic: "q", partition: 0 }]);
    assert.equal(again.json().results[0].outcome, "NOT_MOVING");
    const bad = await cancel([]);
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().code, "INVALID_REQUEST");
  });

  it("starts nothing when the reassignment is not accepted within its timeoutMs (503 UNAVAILABLE)", async () => {
    const q1 = await partitionRow(db(), clusterId, "q", 1);
    const to = brokerIds.find((id) => id !== q1.leader)!;
    const rebalances = async () =>
      (
        await db()
          .select({ id: operations.id })
          .from(operations)
          .where(eq(operations.type, "cluster.rebalance"))
      ).length;
    const before = await rebalances();
    // Another change holds the cluster lock longer than the request may wait.
    const holder = inTransaction(db(), async (tx) => {
      await lockCluster(tx, clusterId);
      await new Promise((resolve) => setTimeout(resolve, 300));
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const late = await post({ moves: [{ topic: "q", partition: 1, to }], timeoutMs: 50 });
    await holder;
    assert.equal(late.statusCode, 503, late.body);
    assert.equal(late.json().code, "UNAVAILABLE");
    assert.match(late.json().detail, /not accepted within its timeoutMs \(50 ms\); nothing was started/);
    assert.equal(await rebalances(), before);
    assert.equal((await list()).filter((m) => m.topic === "q").length, 0);
    const zero = await post({ moves: [{ topic: "q", partition: 1, to }], timeoutMs: 0 });
    assert.equal(zero.statusCode, 400, "timeoutMs is at least 1");
    const inTime = (await post({ moves: [{ topic: "q", partition: 1, to }], timeoutMs: 30_000 })).json();
    assert.equal(inTime.results[0].outcome, "STARTED");
  });
});
