// Per-partition load from heartbeats is kept (latest rate and a 60 s moving average) and served by
// GET /v1/clusters/{id}/partitions/load; a broker's report counts only for partitions it leads.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { eq } from "drizzle-orm";
import { partitions, topics } from "../../src/db/schema.ts";
import {
  LOAD_AVERAGE_TAU_MS,
  listPartitionLoad,
  partitionTrafficWindow,
  recordPartitionLoad,
} from "../../src/services/partition-load.ts";
import { createTestApp, localSpec, type TestApp } from "../helpers/test-app.ts";

describe("per-partition load", { timeout: 60_000 }, () => {
  let t: TestApp;
  let clusterId: string;
  let broker: { authorization: string };
  const registered: { brokerId: number; epoch: number }[] = [];

  before(async () => {
    t = await createTestApp("pglite");
    const made = await t.app.server.inject({
      method: "POST",
      url: "/v1/clusters",
      headers: t.auth(t.admin),
      payload: { name: "load", spec: localSpec },
    });
    clusterId = made.json().cluster.id;
    broker = { authorization: `Bearer ${made.json().brokerToken}` };
    for (const instanceId of ["i-1", "i-2"]) {
      const answer = await t.app.server.inject({
        method: "POST",
        url: "/internal/v1/brokers/register",
        headers: broker,
        payload: { instanceId, zone: "zone-a", host: "127.0.0.1", port: 9092 },
      });
      registered.push(answer.json());
    }
    const topic = await t.app.server.inject({
      method: "POST",
      url: `/v1/clusters/${clusterId}/topics`,
      headers: t.auth(t.admin),
      payload: { name: "orders", partitions: 2 },
    });
    assert.equal(topic.statusCode, 201, topic.body);
  });
  after(() => t.close());

  const led = async () => {
    const db = t.testDb.database.db;
    const rows = await db
      .select({
        topicId: partitions.topicId,
        partition: partitions.partition,
        leader: partitions.leaderBrokerId,
      })
      .from(partitions)
      .innerJoin(topics, eq(topics.id, partitions.topicId))
      .where(eq(topics.name, "orders"));
    return rows;
  };

  it("stores what a heartbeat reports for partitions the broker leads, and nothing else", async () => {
    const rows = await led();
    const mine = rows.find((r) => r.leader === registered[0]!.brokerId)!;
    const other = rows.find((r) => r.leader !== registered[0]!.brokerId)!;
    const beat = await t.app.server.inject({
      method: "POST",
      url: `/internal/v1/brokers/${registered[0]!.brokerId}/heartbeat`,
      headers: broker,
      payload: {
        epoch: registered[0]!.epoch,
        load: {
          bytesInPerSec: 3000,
          bytesOutPerSec: 1000,
          partitions: [
            { topicId: mine.topicId, partition: mine.partition, bytesInPerSec: 2000, bytesOutPerSec: 500 },
            // Not its partition, and a topic that does not exist: ignored.
            { topicId: other.topicId, partition: other.partition, bytesInPerSec: 999, bytesOutPerSec: 999 },
            {
              topicId: "00000000-0000-4000-8000-00000000dead",
              partition: 0,
              bytesInPerSec: 1,
              bytesOutPerSec: 1,
            },
          ],
        },
      },
    });
    assert.equal(beat.statusCode, 200, beat.body);
    const view = await t.app.server.inject({
      method: "GET",
      url: `/v1/clusters/${clusterId}/partitions/load`,
      headers: t.auth(t.admin),
    });
    assert.equal(view.statusCode, 200, view.body);
    const items = view.json().items as {
      topic: string;
      partition: number;
      brokerId: number;
      bytesInPerSec: number;
    }[];
    assert.deepEqual(
      items.map((i) => [i.topic, i.partition, i.brokerId, i.bytesInPerSec]),
      [["orders", mine.partition, registered[0]!.brokerId, 2000]],
    );
  });

  it("keeps a moving average with a 60 s time constant, whatever the heartbeat period", async () => {
    const rows = await led();
    const mine = rows.find((r) => r.leader === registered[1]!.brokerId)!;
    const rate = (bytesInPerSec: number) => [
      { topicId: mine.topicId, partition: mine.partition, bytesInPerSec, bytesOutPerSec: 0 },
    ];
    const db = t.testDb.database.db;
    const t0 = 1_000_000;
    await recordPartitionLoad(db, clusterId, registered[1]!.brokerId, t0, rate(100));
    await recordPartitionLoad(db, clusterId, registered[1]!.brokerId, t0 + 60_000, rate(0));
    await recordPartitionLoad(db, clusterId, registered[1]!.brokerId, t0 + 30_000, rate(5000)); // older: ignored
    const row = (await listPartitionLoad(db, clusterId)).find((r) => r.partition === mine.partition)!;
    assert.equal(row.bytesInPerSec, 0);
    assert.ok(Math.abs(row.avgBytesInPerSec - 100 * Math.exp(-1)) < 1e-6, `average ${row.avgBytesInPerSec}`);
  });

  it("gives the balancer each partition's traffic over the window, decayed to now for a quiet partition", async () => {
    const rows = await led();
    const mine = rows.find((r) => r.leader === registered[0]!.brokerId)!;
    const db = t.testDb.database.db;
    const t0 = Date.now() + 3_600_000; // after every report the earlier tests made
    await recordPartitionLoad(db, clusterId, registered[0]!.brokerId, t0, [
      { topicId: mine.topicId, partition: mine.partition, bytesInPerSec: 800, bytesOutPerSec: 400 },
    ]);
    const key = `${mine.topicId}/${mine.partition}`;
    const average = (await listPartitionLoad(db, clusterId)).find((r) => r.partition === mine.partition)!;
    const atReport = (await partitionTrafficWindow(db, clusterId, t0)).get(key)!;
    assert.deepEqual(atReport, {
      bytesInPerSec: average.avgBytesInPerSec,
      bytesOutPerSec: average.avgBytesOutPerSec,
    });
    // No report for one time constant (the partition went quiet): the average as if zeros had come in.
    const later = (await partitionTrafficWindow(db, clusterId, t0 + LOAD_AVERAGE_TAU_MS)).get(key)!;
    assert.ok(Math.abs(later.bytesInPerSec - average.avgBytesInPerSec * Math.exp(-1)) < 1e-9);
    assert.ok(Math.abs(later.bytesOutPerSec - average.avgBytesOutPerSec * Math.exp(-1)) < 1e-9);
    const other = await partitionTrafficWindow(db, "00000000-0000-4000-8000-000000000000", t0);
    assert.equal(other.size, 0, "another cluster's partitions are not in it");
  });

  it("answers 404 problem+json for a cluster that does not exist", async () => {
    const view = await t.app.server.inject({
      method: "GET",
      url: "/v1/clusters/00000000-0000-4000-8000-000000000000/partitions/load",
      headers: t.auth(t.admin),
    });
    assert.equal(view.statusCode, 404);
    assert.match(String(view.headers["content-type"]), /application\/problem\+json/);
  });
});
