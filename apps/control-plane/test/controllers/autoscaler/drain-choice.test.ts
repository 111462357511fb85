// Scale-in drains the brokers that are cheapest to drain: fewest bytes led (the partitions each leads now and
// their 60 s average load), then fewest partitions, then the newest broker.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { and, eq } from "drizzle-orm";
import { cheapestToDrain, drainCandidates } from "../../../src/controllers/autoscaler/drain-choice.ts";
import { partitionLoad, partitions } from "../../../src/db/schema.ts";
import { registerBroker } from "../../../src/services/brokers.ts";
import { createCluster } from "../../../src/services/clusters.ts";
import { createTopic } from "../../../src/services/topics.ts";
import { createTestDatabase, type TestDatabase } from "../../helpers/test-database.ts";
import { localSpec } from "../provisioner/provisioner-kit.ts";

describe("drain choice", () => {
  let testDb: TestDatabase;
  let clusterId: string;

  before(async () => {
    testDb = await createTestDatabase("pglite");
    const db = testDb.database.db;
    const { cluster } = await createCluster(
      db,
      { name: "drain", spec: localSpec(), deletionProtection: false },
      null,
    );
    clusterId = cluster.id;
    for (const id of ["i-0", "i-1", "i-2", "i-3"]) {
      await registerBroker(
        db,
        clusterId,
        { instanceId: id, zone: "local-a", host: "127.0.0.1", port: 9092 },
        60_000,
      );
    }
    const { result: topic } = await createTopic(db, clusterId, { name: "t", partitions: 6 });
    // leaders: broker 0 leads p0,p1 (hot), broker 1 leads p2,p3,p4 (cold), broker 2 leads p5 (warm), broker 3 none
    const leaders = [0, 0, 1, 1, 1, 2];
    const load = [5_000_000, 5_000_000, 100, 100, 100, 200_000];
    for (const [p, leader] of leaders.entries()) {
      await db
        .update(partitions)
        .set({ leaderBrokerId: leader })
        .where(and(eq(partitions.topicId, topic.topicId), eq(partitions.partition, p)));
      await db.insert(partitionLoad).values({
        clusterId,
        topicId: topic.topicId,
        partition: p,
        brokerId: leader,
        at: Date.now(),
        bytesInPerSec: load[p]!,
        bytesOutPerSec: 0,
        avgBytesInPerSec: load[p]! * 0.7,
        avgBytesOutPerSec: load[p]! * 0.3,
      });
    }
  });
  after(() => testDb.drop());

  it("counts what each serving broker leads and orders by bytes, then partitions, then newest", async () => {
    const serving = [0, 1, 2, 3].map((brokerId) => ({ brokerId, instanceId: `i-${brokerId}` }));
    const candidates = await drainCandidates(testDb.database.db, clusterId, serving);
    const byId = new Map(candidates.map((c) => [c.brokerId, c]));
    assert.equal(byId.get(0)?.partitionsLed, 2);
    assert.ok(Math.abs(byId.get(0)!.bytesLedPerSec - 10_000_000) < 1);
    assert.equal(byId.get(3)?.partitionsLed, 0);
    assert.equal(byId.get(3)?.bytesLedPerSec, 0);
    assert.deepEqual(
      cheapestToDrain(candidates, 4).map((c) => c.brokerId),
      [3, 1, 2, 0],
    );
    assert.deepEqual(
      cheapestToDrain(candidates, 2).map((c) => c.brokerId),
      [3, 1],
    );
    assert.deepEqual(cheapestToDrain(candidates, 0), []);
    assert.deepEqual(cheapestToDrain(candidates, -1), []);
  });

  it("ties on bytes and partitions: the newest broker goes first", () => {
    const same = [0, 1, 2].map((brokerId) => ({
      brokerId,
      instanceId: `i-${brokerId}`,
      bytesLedPerSec: 5,
      partitionsLed: 1,
    }));
    assert.deepEqual(
      cheapestToDrain(same, 1).map((c) => c.brokerId),
      [2],
    );
  });
});
