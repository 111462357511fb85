import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { ErrorCode, MemoryObjectManager, StreamStorageError } from "@cirrus/s3stream";
import { DbObjectManager } from "../../src/objects/db-object-manager.ts";
import { createTestDatabase, type TestDatabase, testBackends } from "../helpers/test-database.ts";
import { objectManagerSuite } from "./object-manager-suite.ts";

describe("MemoryObjectManager (reference for the shared suite)", () => {
  objectManagerSuite(async () => {
    let now = 1_000_000;
    return {
      manager: new MemoryObjectManager({ now: () => now }),
      advance: (ms) => {
        now += ms;
      },
    };
  });
});

for (const backend of testBackends()) {
  describe(`DbObjectManager on ${backend}`, { timeout: 120_000 }, () => {
    let testDb: TestDatabase;
    before(async () => {
      testDb = await createTestDatabase(backend);
    });
    after(() => testDb.drop());

    // Each test gets its own cluster id: same database, no shared streams or objects.
    objectManagerSuite(async () => {
      let now = 1_000_000;
      return {
        manager: new DbObjectManager({ db: testDb.database.db, clusterId: randomUUID(), now: () => now }),
        advance: (ms) => {
          now += ms;
        },
      };
    });

    it("opens the same stream twice in one batch one after the other, as separate calls would", async () => {
      const manager = new DbObjectManager({ db: testDb.database.db, clusterId: randomUUID() });
      const { streamId } = await manager.createStream();
      const [first, second, third] = await manager.openStreams([
        { streamId, epoch: 1, nodeId: 1 },
        { streamId, epoch: 2, nodeId: 2 },
        { streamId, epoch: 2, nodeId: 1 },
      ]);
      assert.deepEqual(
        [first, second].map((o) => (o instanceof StreamStorageError ? o.code : [o!.epoch, o!.nodeId])),
        [
          [1, 1],
          [2, 2],
        ],
      );
      assert.ok(third instanceof StreamStorageError && third.code === ErrorCode.STREAM_FENCED, String(third));
      const stream = await manager.describeStream(streamId);
      assert.deepEqual([stream.epoch, stream.nodeId], [2, 2]);
    });

    it("lets exactly one of two racing commits at the same offset win", async () => {
      const manager = new DbObjectManager({ db: testDb.database.db, clusterId: randomUUID() });
      const { streamId } = await manager.createStream();
      await manager.openStream(streamId, 1, 1);
      const first = await manager.prepareObjects(8, 60_000);
      const results = await Promise.allSettled(
        Array.from({ length: 8 }, (_, i) =>
          manager.commitStreamSetObject({
            objectId: first + i,
            objectSize: 10,
            nodeId: 1,
            nodeEpoch: 1,
            ranges: [{ streamId, streamEpoch: 1, startOffset: 0, endOffset: 10, position: 0, length: 10 }],
            streamObjects: [],
            compactedObjectIds: [],
          }),
        ),
      );
      assert.equal(results.filter((r) => r.status === "fulfilled").length, 1);
      for (const r of results) {
        if (r.status === "rejected") {
          assert.ok(r.reason instanceof StreamStorageError);
          assert.equal(r.reason.code, ErrorCode.OFFSET_OUT_OF_RANGE);
        }
      }
      assert.equal((await manager.describeStream(streamId)).endOffset, 10);
    });

    it("keeps clusters apart", async () => {
      const mine = new DbObjectManager({ db: testDb.database.db, clusterId: randomUUID() });
      const theirs = new DbObjectManager({ db: testDb.database.db, clusterId: randomUUID() });
      const { streamId } = await mine.createStream();
      await assert.rejects(theirs.describeStream(streamId), (e: unknown) => {
        return e instanceof StreamStorageError && e.code === ErrorCode.STREAM_NOT_FOUND;
      });
    });
  });
}
