import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ControlPlaneClient } from "@cirrus/broker-api";
import { getOperation } from "../../src/services/operations.ts";
import { useListeningControlPlane, watchAssignmentsUntil } from "../helpers/listening-control-plane.ts";
import { localSpec } from "../helpers/test-app.ts";

const ADMIN = "cpt_test-admin-token-for-the-rebalance-suite";

describe("rebalance", { timeout: 60_000 }, () => {
  const server = useListeningControlPlane(ADMIN);

  const api = server.api;

  it("plans even partition counts and carries the moves out through close-then-open", async () => {
    const created = (await api("POST", "/v1/clusters", { name: "rebalance", spec: localSpec }))
      .body as unknown as {
      cluster: { id: string };
      brokerToken: string;
    };
    const id = created.cluster.id;
    const client = new ControlPlaneClient({ baseUrl: server.url, token: created.brokerToken });
    const a = await client.register({ instanceId: "a", zone: "z", host: "127.0.0.1", port: 9001 });
    await client.createTopic({ name: "t", partitions: 4 });
    const b = await client.register({ instanceId: "b", zone: "z", host: "127.0.0.1", port: 9002 });
    const onA = await client.watchAssignments(a.brokerId, { epoch: a.epoch, after: -1 });
    for (const p of onA.open) await client.openStream(p.streamId, p.leaderEpoch, a.brokerId);

    const plan = (await api("GET", `/v1/clusters/${id}/rebalance/plan`)).body as unknown as {
      before: { brokerId: number; partitions: number }[];
      after: { brokerId: number; partitions: number }[];
      moves: { from: number; to: number }[];
    };
    assert.deepEqual(plan.before, [
      { brokerId: a.brokerId, partitions: 4 },
      { brokerId: b.brokerId, partitions: 0 },
    ]);
    assert.deepEqual(plan.after, [
      { brokerId: a.brokerId, partitions: 2 },
      { brokerId: b.brokerId, partitions: 2 },
    ]);
    assert.equal(plan.moves.length, 2);
    assert.ok(plan.moves.every((m) => m.from === a.brokerId && m.to === b.brokerId));

    const started = await api("POST", `/v1/clusters/${id}/rebalance`);
    assert.equal(started.status, 202);
    const closing = await watchAssignmentsUntil(client, a, onA, (x) => x.close.length === 2);
    assert.equal(closing.open.length, 2);
    for (const p of closing.close) await client.closeStream(p.streamId, p.leaderEpoch);
    const onB = await watchAssignmentsUntil(
      client,
      b,
      await client.watchAssignments(b.brokerId, { epoch: b.epoch, after: -1 }),
      (x) => x.open.length === 2,
    );
    assert.equal(onB.open.length, 2);
    for (const p of onB.open) await client.openStream(p.streamId, p.leaderEpoch, b.brokerId);

    const opId = (started.body as unknown as { id: string }).id;
    const deadline = Date.now() + 5_000;
    while (
      (await getOperation(server.testDb.database.db, opId))!.status !== "SUCCEEDED" &&
      Date.now() < deadline
    ) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal((await getOperation(server.testDb.database.db, opId))!.status, "SUCCEEDED");
    const balanced = await api("POST", `/v1/clusters/${id}/rebalance`);
    assert.equal(balanced.status, 409, "nothing left to move");
    assert.equal((balanced.body as unknown as { code: string }).code, "INVALID_STATE");
  });
});
