import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ControlPlaneClient } from "@cirrus/broker-api";
import { getOperation } from "../../src/services/operations.ts";
import { useListeningControlPlane, watchAssignmentsUntil } from "../helpers/listening-control-plane.ts";
import { localSpec } from "../helpers/test-app.ts";

const ADMIN = "cpt_test-admin-token-for-the-drain-suite";

describe("draining a broker", { timeout: 60_000 }, () => {
  const server = useListeningControlPlane(ADMIN);
  /** The parsed body of an admin request. */
  const api = async (method: string, path: string, body?: unknown) =>
    (await server.api(method, path, body)).body;

  it("moves partitions only after the drained broker closed their streams", async () => {
    const created = (await api("POST", "/v1/clusters", { name: "drain", spec: localSpec })) as unknown as {
      cluster: { id: string };
      brokerToken: string;
    };
    const client = new ControlPlaneClient({ baseUrl: server.url, token: created.brokerToken });
    const a = await client.register({ instanceId: "a", zone: "z", host: "127.0.0.1", port: 9001 });
    await client.createTopic({ name: "t", partitions: 2 });
    const b = await client.register({ instanceId: "b", zone: "z", host: "127.0.0.1", port: 9002 });
    const onA = await client.watchAssignments(a.brokerId, { epoch: a.epoch, after: -1 });
    assert.equal(onA.open.length, 2);
    for (const p of onA.open) await client.openStream(p.streamId, p.leaderEpoch, a.brokerId);

    const op = (await api(
      "POST",
      `/v1/clusters/${created.cluster.id}/brokers/${a.brokerId}/drain`,
    )) as unknown as { id: string };
    // Level-triggered: several versions may pass; watch until the source is told to close.
    const closing = await watchAssignmentsUntil(client, a, onA, (x) => x.close.length >= 2);
    assert.equal(closing.open.length, 0);
    assert.equal(closing.close.length, 2, "the drained broker is told to close its streams");
    await new Promise((resolve) => setTimeout(resolve, 200));
    const onB = await client.watchAssignments(b.brokerId, { epoch: b.epoch, after: -1 });
    assert.equal(onB.open.length, 0, "nothing moves while the streams are still open on the source");
    assert.equal((await getOperation(server.testDb.database.db, op.id))!.status, "RUNNING");

    for (const p of closing.close) await client.closeStream(p.streamId, p.leaderEpoch);
    const moved = await watchAssignmentsUntil(client, b, onB, (x) => x.open.length >= 2);
    assert.equal(moved.open.length, 2);
    assert.ok(moved.open.every((p) => p.leaderEpoch === 2));
    for (const p of moved.open) {
      const opened = await client.openStream(p.streamId, p.leaderEpoch, b.brokerId);
      assert.equal(opened.nodeId, b.brokerId);
    }
    const deadline = Date.now() + 5_000;
    let status = "";
    while (Date.now() < deadline) {
      status = (await getOperation(server.testDb.database.db, op.id))!.status;
      if (status === "SUCCEEDED") break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal(status, "SUCCEEDED");
    const viewed = (await api("GET", `/v1/operations/${op.id}`)) as unknown as {
      moves: { from: number; to: number; state: string; durationMs: number | null }[];
    };
    assert.deepEqual(
      viewed.moves.map((m) => [m.from, m.to, m.state]),
      [
        [a.brokerId, b.brokerId, "DONE"],
        [a.brokerId, b.brokerId, "DONE"],
      ],
      "each partition the drain moved, with its timings",
    );
    assert.ok(
      viewed.moves.every((m) => m.durationMs !== null && m.durationMs >= 200),
      "it waited for the close",
    );
    const brokers = (await api("GET", `/v1/clusters/${created.cluster.id}/brokers`)) as unknown as {
      items: { brokerId: number; state: string; partitions: number }[];
    };
    assert.deepEqual(
      brokers.items.map((x) => [x.brokerId, x.state, x.partitions]),
      [
        [a.brokerId, "DRAINING", 0],
        [b.brokerId, "ACTIVE", 2],
      ],
    );
  });
  it("drains every broker before a cluster deletion fences them", async () => {
    const created = (await api("POST", "/v1/clusters", {
      name: "drain-then-delete",
      spec: localSpec,
    })) as unknown as {
      cluster: { id: string };
      brokerToken: string;
    };
    const id = created.cluster.id;
    const client = new ControlPlaneClient({ baseUrl: server.url, token: created.brokerToken });
    const a = await client.register({ instanceId: "a", zone: "z", host: "127.0.0.1", port: 9001 });
    await client.createTopic({ name: "t", partitions: 1 });
    const onA = await client.watchAssignments(a.brokerId, { epoch: a.epoch, after: -1 });
    const p = onA.open[0]!;
    await client.openStream(p.streamId, p.leaderEpoch, a.brokerId);
    await api("PATCH", `/v1/clusters/${id}`, { version: 1, deletionProtection: false });
    const { operation } = (await api("DELETE", `/v1/clusters/${id}`)) as unknown as {
      operation: { id: string };
    };

    const seen = await watchAssignmentsUntil(client, a, onA, (x) => x.close.length > 0);
    assert.deepEqual(
      seen.close.map((x) => x.streamId),
      [p.streamId],
      "the broker is asked to upload and close first",
    );
    const waiting = (await getOperation(server.testDb.database.db, operation.id))!;
    assert.equal(waiting.steps[0]!.status, "RUNNING", "drain-brokers waits for the close");
    assert.equal(
      (await client.heartbeat(a.brokerId, { epoch: a.epoch })).leaseUntil > 0,
      true,
      "not fenced yet",
    );
    await client.closeStream(p.streamId, p.leaderEpoch);
    const deadline = Date.now() + 5_000;
    let status = "";
    while (status !== "SUCCEEDED" && Date.now() < deadline) {
      status = (await getOperation(server.testDb.database.db, operation.id))!.status;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal(status, "SUCCEEDED");
  });
});
