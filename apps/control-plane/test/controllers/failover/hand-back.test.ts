import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ControlPlaneClient } from "@cirrus/broker-api";
import { and, eq } from "drizzle-orm";
import { FAILOVER_OPERATION } from "../../../src/controllers/broker-lease-controller.ts";
import { brokers, operations, partitions } from "../../../src/db/schema.ts";
import { useListeningControlPlane } from "../../helpers/listening-control-plane.ts";
import { localSpec } from "../../helpers/test-app.ts";

const ADMIN = "cpt_test-admin-token-for-the-hand-back-suite";

describe("graceful hand-back (POST /internal/v1/brokers/:id/deregister)", { timeout: 60_000 }, () => {
  const server = useListeningControlPlane(ADMIN);

  async function newCluster(name: string) {
    const response = await fetch(`${server.url}/v1/clusters`, {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" },
      body: JSON.stringify({ name, spec: localSpec }),
    });
    const created = (await response.json()) as { cluster: { id: string }; brokerToken: string };
    return {
      clusterId: created.cluster.id,
      token: created.brokerToken,
      client: new ControlPlaneClient({ baseUrl: server.url, token: created.brokerToken }),
    };
  }

  const leaders = (clusterId: string) =>
    server.testDb.database.db
      .select({
        leader: partitions.leaderBrokerId,
        epoch: partitions.leaderEpoch,
        streamId: partitions.streamId,
      })
      .from(partitions)
      .where(eq(partitions.clusterId, clusterId))
      .orderBy(partitions.streamId);

  it("a broker that closed its streams hands its partitions over at once, with new leader epochs", async () => {
    const { clusterId, client } = await newCluster("hand-back");
    const a = await client.register({
      instanceId: "a",
      zone: "z",
      host: "127.0.0.1",
      port: 9001,
      volumeId: "vol-a",
    });
    await client.createTopic({ name: "t", partitions: 2 });
    const b = await client.register({
      instanceId: "b",
      zone: "z",
      host: "127.0.0.1",
      port: 9002,
      volumeId: "vol-b",
    });
    const before = await leaders(clusterId);
    assert.ok(before.every((p) => p.leader === a.brokerId));
    for (const p of before) await client.openStream(p.streamId, p.epoch, a.brokerId);
    for (const p of before) await client.closeStream(p.streamId, p.epoch); // what shutdown's upload does

    assert.deepEqual(await client.deregister(a.brokerId, { epoch: a.epoch }), { state: "STOPPED" });
    const after = await leaders(clusterId);
    for (const [i, p] of after.entries()) {
      assert.equal(p.leader, b.brokerId, "moved without waiting for the lease");
      assert.ok(p.epoch > before[i]!.epoch);
    }
    const onB = await client.watchAssignments(b.brokerId, { epoch: b.epoch, after: -1 });
    assert.equal(onB.open.length, 2);
    // Idempotent, and the stopped incarnation cannot heartbeat any more.
    assert.deepEqual(await client.deregister(a.brokerId, { epoch: a.epoch }), { state: "STOPPED" });
    await assert.rejects(client.heartbeat(a.brokerId, { epoch: a.epoch }), { code: "BROKER_FENCED" });
    const objectId = await client.prepareObjects(1, 60_000);
    await assert.rejects(
      client.commitStreamSetObject({
        objectId,
        objectSize: 4,
        nodeId: a.brokerId,
        nodeEpoch: a.epoch,
        ranges: [],
        streamObjects: [],
        compactedObjectIds: [],
      }),
      { code: "STREAM_FENCED" },
      "a deregistered epoch can never commit again",
    );
    const [row] = await server.testDb.database.db
      .select({ bootstrap: brokers.state })
      .from(brokers)
      .where(and(eq(brokers.clusterId, clusterId), eq(brokers.brokerId, a.brokerId)));
    assert.equal(row!.bootstrap, "STOPPED");
  });

  it("a broker whose streams are still open is fenced and its WAL goes to failover first", async () => {
    const { clusterId, client } = await newCluster("unfinished");
    const a = await client.register({
      instanceId: "a",
      zone: "z",
      host: "127.0.0.1",
      port: 9001,
      volumeId: "vol-u",
    });
    await client.createTopic({ name: "t", partitions: 1 });
    await client.register({ instanceId: "b", zone: "z", host: "127.0.0.1", port: 9002, volumeId: "vol-v" });
    const [p] = await leaders(clusterId);
    await client.openStream(p!.streamId, p!.epoch, a.brokerId);

    assert.deepEqual(await client.deregister(a.brokerId, { epoch: a.epoch }), { state: "FENCED" });
    const ops = await server.testDb.database.db
      .select()
      .from(operations)
      .where(and(eq(operations.clusterId, clusterId), eq(operations.type, FAILOVER_OPERATION)));
    assert.equal(ops.length, 1);
    assert.deepEqual(ops[0]!.input, { brokerId: a.brokerId, epoch: a.epoch, volumeId: "vol-u" });
    assert.equal((await leaders(clusterId))[0]!.leader, a.brokerId, "kept until its WAL is replayed");
    await client.deregister(a.brokerId, { epoch: a.epoch });
    const again = await server.testDb.database.db
      .select()
      .from(operations)
      .where(and(eq(operations.clusterId, clusterId), eq(operations.type, FAILOVER_OPERATION)));
    assert.equal(again.length, 1, "a repeat creates no second failover");
  });

  it("refuses a stale epoch and an unknown broker with typed errors", async () => {
    const { client, token } = await newCluster("refusals");
    const a = await client.register({ instanceId: "a", zone: "z", host: "127.0.0.1", port: 9001 });
    const a2 = await client.register({ instanceId: "a", zone: "z", host: "127.0.0.1", port: 9001 });
    await assert.rejects(client.deregister(a.brokerId, { epoch: a.epoch }), { code: "BROKER_FENCED" });
    await assert.rejects(client.deregister(a2.brokerId + 7, { epoch: 1 }), { code: "BROKER_NOT_FOUND" });
    const bad = await fetch(`${server.url}/internal/v1/brokers/${a2.brokerId}/deregister`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ epoch: -1 }),
    });
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as { code: string }).code, "INVALID_REQUEST");
  });
});
