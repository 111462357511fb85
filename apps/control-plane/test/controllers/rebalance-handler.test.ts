// POST /v1/clusters/{id}/rebalance through a listening control plane and real broker-api clients: a preview by
// default (the balancer's plan, nothing changed), `dryRun: false` starts it as a `cluster.rebalance`
// operation that holds the plan and shows progress as the moves land through close-then-open; traffic from
// heartbeats steers the plan; bad requests get problem+json.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ControlPlaneClient } from "@cirrus/broker-api";
import { getOperation } from "../../src/services/operations.ts";
import { useListeningControlPlane, watchAssignmentsUntil } from "../helpers/listening-control-plane.ts";
import { localSpec } from "../helpers/test-app.ts";

const ADMIN = "cpt_test-admin-token-for-the-rebalance-suite";
const MB = 1_000_000;

interface PlanView {
  before: { brokerId: number; partitions: number; bytesInPerSec: number }[];
  after: { brokerId: number; partitions: number; bytesInPerSec: number }[];
  moves: { from: number; to: number; goal: string; reason: string; topicId: string; partition: number }[];
  goals: { goal: string; metBefore: boolean; metAfter: boolean }[];
}

describe("rebalance", { timeout: 60_000 }, () => {
  // Automatic balancing off: these tests start every rebalance themselves.
  const server = useListeningControlPlane(ADMIN, { overrides: { autoRebalanceSettleMs: 0 } });
  const api = server.api;

  async function clusterWithBrokers(name: string) {
    const created = (await api("POST", "/v1/clusters", { name, spec: localSpec })).body as unknown as {
      cluster: { id: string };
      brokerToken: string;
    };
    const client = new ControlPlaneClient({ baseUrl: server.url, token: created.brokerToken });
    return { id: created.cluster.id, client };
  }

  async function waitForOperation(id: string) {
    const deadline = Date.now() + 5_000;
    for (;;) {
      const op = (await getOperation(server.testDb.database.db, id))!;
      if (op.status === "SUCCEEDED" || op.status === "FAILED" || Date.now() > deadline) return op;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  it("previews by default, then carries the plan out through close-then-open with progress", async () => {
    const { id, client } = await clusterWithBrokers("rebalance");
    const a = await client.register({ instanceId: "a", zone: "z", host: "127.0.0.1", port: 9001 });
    await client.createTopic({ name: "t", partitions: 4 });
    const b = await client.register({ instanceId: "b", zone: "z", host: "127.0.0.1", port: 9002 });
    const onA = await client.watchAssignments(a.brokerId, { epoch: a.epoch, after: -1 });
    for (const p of onA.open) await client.openStream(p.streamId, p.leaderEpoch, a.brokerId);

    const plan = (await api("GET", `/v1/clusters/${id}/rebalance/plan`)).body as unknown as PlanView;
    const preview = await api("POST", `/v1/clusters/${id}/rebalance`);
    assert.equal(preview.status, 200, "no body: a dry run");
    assert.deepEqual((preview.body as unknown as PlanView).moves, plan.moves);
    const counts = (loads: PlanView["before"]) => loads.map((l) => [l.brokerId, l.partitions]);
    assert.deepEqual(counts(plan.before), [
      [a.brokerId, 4],
      [b.brokerId, 0],
    ]);
    assert.deepEqual(counts(plan.after), [
      [a.brokerId, 2],
      [b.brokerId, 2],
    ]);
    assert.equal(plan.moves.length, 2);
    for (const m of plan.moves) {
      assert.deepEqual([m.from, m.to, m.goal], [a.brokerId, b.brokerId, "partition-count"]);
      assert.match(m.reason, /leads [34] partitions/);
    }
    const dry = await api("POST", `/v1/clusters/${id}/rebalance`, { dryRun: true });
    assert.equal(dry.status, 200);
    assert.equal(onA.open.length, 4, "a preview changes nothing");

    const started = await api("POST", `/v1/clusters/${id}/rebalance`, { dryRun: false });
    assert.equal(started.status, 202);
    const opId = (started.body as unknown as { id: string }).id;
    const input = (started.body as unknown as { input: PlanView }).input;
    assert.equal(input.moves.length, 2, "the operation holds the plan");
    assert.equal(input.after.length, 2);
    const again = await api("POST", `/v1/clusters/${id}/rebalance`, { dryRun: false });
    assert.equal(again.status, 409);
    assert.equal((again.body as unknown as { code: string }).code, "CONFLICT", "one rebalance at a time");

    const closing = await watchAssignmentsUntil(client, a, onA, (x) => x.close.length === 2);
    for (const p of closing.close) await client.closeStream(p.streamId, p.leaderEpoch);
    const onB = await watchAssignmentsUntil(
      client,
      b,
      await client.watchAssignments(b.brokerId, { epoch: b.epoch, after: -1 }),
      (x) => x.open.length === 2,
    );
    for (const p of onB.open) await client.openStream(p.streamId, p.leaderEpoch, b.brokerId);

    const done = await waitForOperation(opId);
    assert.equal(done.status, "SUCCEEDED");
    assert.equal(done.progress, 1);
    assert.equal(done.input.movesFinished, 2);
    // Each move with its state and timings, through the API.
    const viewed = (await api("GET", `/v1/operations/${opId}`)).body as unknown as {
      moves: {
        partition: number;
        from: number;
        to: number;
        state: string;
        requestedAt: number;
        closedAt: number;
        assignedAt: number;
        openedAt: number;
        durationMs: number;
      }[];
    };
    assert.equal(viewed.moves.length, 2);
    for (const m of viewed.moves) {
      assert.deepEqual([m.from, m.to, m.state], [a.brokerId, b.brokerId, "DONE"]);
      assert.ok(m.requestedAt <= m.closedAt && m.closedAt <= m.assignedAt && m.assignedAt <= m.openedAt);
      assert.equal(m.durationMs, m.openedAt - m.requestedAt);
    }
    const listed = (await api("GET", `/v1/operations?clusterId=${id}`)).body as unknown as {
      items: object[];
    };
    assert.ok(
      listed.items.every((o) => !("moves" in o)),
      "the list stays light: moves only in GET by id",
    );
    const balanced = await api("POST", `/v1/clusters/${id}/rebalance`, { dryRun: false });
    assert.equal(balanced.status, 409, "nothing left to move");
    assert.equal((balanced.body as unknown as { code: string }).code, "INVALID_STATE");
    const next = (await api("POST", `/v1/clusters/${id}/rebalance`)).body as unknown as PlanView;
    assert.deepEqual(next.moves, []);
  });

  it("plans on the traffic the leaders report, not on counts alone", async () => {
    const { id, client } = await clusterWithBrokers("traffic");
    const a = await client.register({ instanceId: "a", zone: "z", host: "127.0.0.1", port: 9001 });
    await client.register({ instanceId: "b", zone: "z", host: "127.0.0.1", port: 9002 });
    await client.createTopic({ name: "hot", partitions: 4 });
    const onA = await client.watchAssignments(a.brokerId, { epoch: a.epoch, after: -1 });
    assert.equal(onA.open.length, 2, "counts are even from the start");
    // Only a's partitions carry traffic: 2 × 20 MB/s in, nothing on b.
    await client.heartbeat(a.brokerId, {
      epoch: a.epoch,
      load: {
        bytesInPerSec: 40 * MB,
        bytesOutPerSec: 40 * MB,
        partitions: onA.open.map((p) => ({
          topicId: p.topicId,
          partition: p.partition,
          bytesInPerSec: 20 * MB,
          bytesOutPerSec: 20 * MB,
        })),
      },
    });
    const plan = (await api("POST", `/v1/clusters/${id}/rebalance`, {})).body as unknown as PlanView;
    assert.equal(plan.moves.length, 2, JSON.stringify(plan.moves));
    const byNetwork = plan.moves.filter((m) => m.goal === "network-in" || m.goal === "network-out");
    assert.equal(byNetwork.length, 1, "one busy partition goes to b");
    assert.equal(byNetwork[0]!.from, a.brokerId);
    assert.match(byNetwork[0]!.reason, /network (in|out) [+-]\d+% of its share/);
    assert.ok(plan.after.every((l) => Math.abs(l.bytesInPerSec - 20 * MB) < MB));
    assert.ok(plan.goals.every((g) => g.metAfter));
  });

  it("answers bad requests with problem+json and keeps Idempotency-Key answers", async () => {
    const { id } = await clusterWithBrokers("bad-requests");
    const code = (r: { status: number; body: unknown }) => [r.status, (r.body as { code?: string }).code];
    assert.deepEqual(code(await api("POST", `/v1/clusters/${id}/rebalance`, { dryRun: "no" })), [
      400,
      "INVALID_REQUEST",
    ]);
    assert.deepEqual(code(await api("POST", `/v1/clusters/${id}/rebalance`, { force: true })), [
      400,
      "INVALID_REQUEST",
    ]);
    assert.deepEqual(code(await api("POST", `/v1/clusters/${id}/rebalance`, { maxMoves: 0 })), [
      400,
      "INVALID_REQUEST",
    ]);
    const unknown = "00000000-0000-4000-8000-000000000000";
    assert.deepEqual(code(await api("POST", `/v1/clusters/${unknown}/rebalance`)), [404, "NOT_FOUND"]);
    assert.deepEqual(code(await api("GET", `/v1/clusters/${unknown}/rebalance/plan`)), [404, "NOT_FOUND"]);
    const noBrokers = await api("POST", `/v1/clusters/${id}/rebalance`, { dryRun: false });
    assert.deepEqual(code(noBrokers), [409, "INVALID_STATE"]);

    const headers = { "idempotency-key": "rebalance-preview-1", authorization: `Bearer ${ADMIN}` };
    const send = (body: unknown) =>
      fetch(`${server.url}/v1/clusters/${id}/rebalance`, {
        method: "POST",
        headers: { ...headers, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    const first = await send({ dryRun: true });
    assert.equal(first.status, 200);
    assert.equal((await send({ dryRun: true })).status, 200);
    const reused = await send({ dryRun: false });
    assert.equal(reused.status, 422);
    assert.equal(((await reused.json()) as { code: string }).code, "IDEMPOTENCY_KEY_REUSED");
  });
});
