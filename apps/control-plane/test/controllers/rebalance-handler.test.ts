import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type Assignments, ControlPlaneClient } from "@cirrus/broker-api";
import { loadConfig } from "../../src/config.ts";
import { ControlPlane } from "../../src/control-plane.ts";
import { getOperation } from "../../src/services/operations.ts";
import { localSpec } from "../helpers/test-app.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/test-database.ts";

const ADMIN = "cpt_test-admin-token-for-the-rebalance-suite";

describe("rebalance", { timeout: 60_000 }, () => {
  let testDb: TestDatabase;
  let cp: ControlPlane;
  let url: string;
  before(async () => {
    testDb = await createTestDatabase("pglite");
    const config = loadConfig(
      {},
      {
        databaseUrl: testDb.url,
        port: 0,
        logLevel: "silent",
        reconcileIntervalMs: 20,
        leaseMs: 30_000,
        bootstrapAdminToken: ADMIN,
      },
    );
    cp = await ControlPlane.start({ config, database: testDb.database });
    url = await cp.listen();
  });
  after(async () => {
    await cp.close();
    await testDb.drop();
  });

  const api = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(url + path, {
      method,
      headers: { authorization: `Bearer ${ADMIN}`, ...(body ? { "content-type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : null,
    });
    return { status: response.status, body: (await response.json()) as Record<string, never> };
  };

  async function watchUntil(
    client: ControlPlaneClient,
    b: { brokerId: number; epoch: number },
    from: Assignments,
    done: (a: Assignments) => boolean,
  ) {
    let current = from;
    const deadline = Date.now() + 5_000;
    while (!done(current) && Date.now() < deadline) {
      current = await client.watchAssignments(b.brokerId, {
        epoch: b.epoch,
        after: current.version,
        waitMs: 1_000,
      });
    }
    return current;
  }

  it("plans even partition counts and carries the moves out through close-then-open", async () => {
    const created = (await api("POST", "/v1/clusters", { name: "rebalance", spec: localSpec }))
      .body as unknown as {
      cluster: { id: string };
      brokerToken: string;
    };
    const id = created.cluster.id;
    const client = new ControlPlaneClient({ baseUrl: url, token: created.brokerToken });
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
    const closing = await watchUntil(client, a, onA, (x) => x.close.length === 2);
    assert.equal(closing.open.length, 2);
    for (const p of closing.close) await client.closeStream(p.streamId, p.leaderEpoch);
    const onB = await watchUntil(
      client,
      b,
      await client.watchAssignments(b.brokerId, { epoch: b.epoch, after: -1 }),
      (x) => x.open.length === 2,
    );
    assert.equal(onB.open.length, 2);
    for (const p of onB.open) await client.openStream(p.streamId, p.leaderEpoch, b.brokerId);

    const opId = (started.body as unknown as { id: string }).id;
    const deadline = Date.now() + 5_000;
    while ((await getOperation(testDb.database.db, opId))!.status !== "SUCCEEDED" && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal((await getOperation(testDb.database.db, opId))!.status, "SUCCEEDED");
    const balanced = await api("POST", `/v1/clusters/${id}/rebalance`);
    assert.equal(balanced.status, 409, "nothing left to move");
    assert.equal((balanced.body as unknown as { code: string }).code, "INVALID_STATE");
  });
});
