// The ObjectManager contract as a reusable suite: MemoryObjectManager runs it here; the control plane's HTTP
// implementation can run the same file against itself.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ErrorCode, StreamStorageError } from "../src/errors.ts";
import { NO_OBJECT_ID, type ObjectManager, ObjectType, StreamState } from "../src/object-manager.ts";

export function rejectsWith(code: string): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof StreamStorageError, `expected StreamStorageError, got ${String(error)}`);
    assert.equal(error.code, code);
    return true;
  };
}

const NODE = 7;

/** `open` returns a fresh manager; `advanceClock` moves its clock forward (for TTL and grace periods). */
export function objectManagerContract(
  name: string,
  open: () => Promise<{ manager: ObjectManager; advanceClock: (ms: number) => void }>,
): void {
  async function commitData(m: ObjectManager, streamId: number, epoch: number, start: number, end: number) {
    const objectId = await m.prepareObjects(1, 60_000);
    await m.commitStreamSetObject({
      objectId,
      objectSize: 100,
      nodeId: NODE,
      nodeEpoch: 1,
      ranges: [{ streamId, streamEpoch: epoch, startOffset: start, endOffset: end, position: 0, length: 76 }],
      streamObjects: [],
      compactedObjectIds: [],
    });
    return objectId;
  }

  describe(`ObjectManager contract: ${name}`, () => {
    it("creates streams with increasing ids, closed at epoch 0", async () => {
      const { manager } = await open();
      const a = await manager.createStream();
      const b = await manager.createStream({ tags: { topic: "t" } });
      assert.ok(b.streamId > a.streamId);
      const meta = await manager.describeStream(a.streamId);
      assert.deepEqual(meta, {
        streamId: a.streamId,
        epoch: 0,
        startOffset: 0,
        endOffset: 0,
        state: StreamState.CLOSED,
        nodeId: -1,
      });
    });

    it("opens with an epoch: older is fenced, newer fences the previous owner", async () => {
      const { manager } = await open();
      const { streamId } = await manager.createStream();
      const opened = await manager.openStream(streamId, 1, NODE);
      assert.equal(opened.state, StreamState.OPENED);
      assert.deepEqual(
        await manager.openStream(streamId, 1, NODE),
        opened,
        "re-open by the same owner is idempotent",
      );
      await assert.rejects(manager.openStream(streamId, 1, NODE + 1), rejectsWith(ErrorCode.STREAM_FENCED));
      await manager.openStream(streamId, 2, NODE + 1);
      await assert.rejects(manager.openStream(streamId, 1, NODE), rejectsWith(ErrorCode.STREAM_FENCED));
      await assert.rejects(commitData(manager, streamId, 1, 0, 10), rejectsWith(ErrorCode.STREAM_FENCED));
      await assert.rejects(manager.closeStream(streamId, 1), rejectsWith(ErrorCode.STREAM_FENCED));
      assert.deepEqual(
        (await manager.getOpeningStreams(NODE + 1)).map((s) => s.streamId),
        [streamId],
      );
      assert.deepEqual(await manager.getOpeningStreams(NODE), []);
    });

    it("commits new data contiguously and serves it in offset order", async () => {
      const { manager } = await open();
      const { streamId } = await manager.createStream();
      await manager.openStream(streamId, 1, NODE);
      const first = await commitData(manager, streamId, 1, 0, 10);
      const second = await commitData(manager, streamId, 1, 10, 25);
      assert.equal((await manager.describeStream(streamId)).endOffset, 25);
      await assert.rejects(
        commitData(manager, streamId, 1, 30, 40),
        rejectsWith(ErrorCode.OFFSET_OUT_OF_RANGE),
      );
      const objects = await manager.getObjects(streamId, 12, 100, 10);
      assert.deepEqual(
        objects.map((o) => o.objectId),
        [second],
      );
      assert.deepEqual(
        (await manager.getObjects(streamId, 0, 100, 10)).map((o) => [
          o.objectId,
          o.type,
          o.ranges[0]!.startOffset,
        ]),
        [
          [first, ObjectType.STREAM_SET, 0],
          [second, ObjectType.STREAM_SET, 10],
        ],
      );
      assert.equal((await manager.getObjects(streamId, 0, 100, 1)).length, 1, "limit is honoured");
    });

    it("refuses a stale epoch in a multi-stream commit without committing anything", async () => {
      const { manager } = await open();
      const a = (await manager.createStream()).streamId;
      const b = (await manager.createStream()).streamId;
      await manager.openStream(a, 1, NODE);
      await manager.openStream(b, 1, NODE);
      await manager.openStream(b, 2, NODE + 1);
      const objectId = await manager.prepareObjects(1, 60_000);
      await assert.rejects(
        manager.commitStreamSetObject({
          objectId,
          objectSize: 200,
          nodeId: NODE,
          nodeEpoch: 1,
          ranges: [
            { streamId: a, streamEpoch: 1, startOffset: 0, endOffset: 5, position: 0, length: 100 },
            { streamId: b, streamEpoch: 1, startOffset: 0, endOffset: 5, position: 100, length: 76 },
          ],
          streamObjects: [],
          compactedObjectIds: [],
        }),
        rejectsWith(ErrorCode.STREAM_FENCED),
      );
      assert.equal((await manager.describeStream(a)).endOffset, 0, "nothing of the refused commit applied");
    });

    it("is idempotent on a retried commit", async () => {
      const { manager } = await open();
      const { streamId } = await manager.createStream();
      await manager.openStream(streamId, 1, NODE);
      const objectId = await manager.prepareObjects(1, 60_000);
      const request = {
        objectId: NO_OBJECT_ID,
        objectSize: 0,
        nodeId: NODE,
        nodeEpoch: 1,
        ranges: [],
        streamObjects: [{ objectId, streamId, streamEpoch: 1, startOffset: 0, endOffset: 8, objectSize: 64 }],
        compactedObjectIds: [],
      };
      await manager.commitStreamSetObject(request);
      await manager.commitStreamSetObject(request);
      assert.equal((await manager.describeStream(streamId)).endOffset, 8);
    });

    it("refuses unprepared and expired object ids", async () => {
      const { manager, advanceClock } = await open();
      const { streamId } = await manager.createStream();
      await manager.openStream(streamId, 1, NODE);
      const base = {
        streamId,
        streamEpoch: 1,
        startOffset: 0,
        endOffset: 1,
        objectSize: 10,
        sourceObjectIds: [],
      };
      await assert.rejects(
        manager.commitStreamObject({ ...base, objectId: 999 }),
        rejectsWith(ErrorCode.OBJECT_NOT_PREPARED),
      );
      const objectId = await manager.prepareObjects(1, 1000);
      advanceClock(2000);
      await assert.rejects(
        manager.commitStreamObject({ ...base, objectId }),
        rejectsWith(ErrorCode.OBJECT_NOT_PREPARED),
      );
      const unreferenced = await manager.getUnreferencedObjects(0, 10);
      assert.deepEqual(
        unreferenced.map((o) => o.objectId),
        [objectId],
        "an expired preparation is garbage",
      );
    });

    it("trims: objects wholly below the start become unreferenced after the grace period", async () => {
      const { manager, advanceClock } = await open();
      const { streamId } = await manager.createStream();
      await manager.openStream(streamId, 1, NODE);
      const first = await commitData(manager, streamId, 1, 0, 10);
      await commitData(manager, streamId, 1, 10, 20);
      await assert.rejects(manager.trimStream(streamId, 1, 21), rejectsWith(ErrorCode.OFFSET_OUT_OF_RANGE));
      await manager.trimStream(streamId, 1, 12);
      await assert.rejects(
        manager.getObjects(streamId, 5, 20, 10),
        rejectsWith(ErrorCode.OFFSET_OUT_OF_RANGE),
      );
      assert.deepEqual(await manager.getUnreferencedObjects(1000, 10), [], "grace period not over");
      advanceClock(1000);
      assert.deepEqual(
        (await manager.getUnreferencedObjects(1000, 10)).map((o) => o.objectId),
        [first],
      );
      await manager.forgetObjects([first]);
      assert.deepEqual(await manager.getUnreferencedObjects(0, 10), []);
    });

    it("compacts stream set objects into a stream object, replacing the sources atomically", async () => {
      const { manager } = await open();
      const { streamId } = await manager.createStream();
      await manager.openStream(streamId, 1, NODE);
      const a = await commitData(manager, streamId, 1, 0, 10);
      const b = await commitData(manager, streamId, 1, 10, 20);
      assert.deepEqual(
        (await manager.getStreamSetObjects(NODE)).map((o) => o.objectId),
        [a, b],
      );
      const merged = await manager.prepareObjects(1, 60_000);
      const compaction = {
        objectId: NO_OBJECT_ID,
        objectSize: 0,
        nodeId: NODE,
        nodeEpoch: 1,
        ranges: [],
        compactedObjectIds: [a, b],
      };
      await assert.rejects(
        manager.commitStreamSetObject({
          ...compaction,
          streamObjects: [
            { objectId: merged, streamId, streamEpoch: 1, startOffset: 0, endOffset: 15, objectSize: 150 },
          ],
        }),
        rejectsWith(ErrorCode.OFFSET_OUT_OF_RANGE),
        "a compaction that loses data is refused",
      );
      await manager.commitStreamSetObject({
        ...compaction,
        streamObjects: [
          { objectId: merged, streamId, streamEpoch: 1, startOffset: 0, endOffset: 20, objectSize: 150 },
        ],
      });
      assert.deepEqual(await manager.getStreamSetObjects(NODE), []);
      assert.deepEqual(
        (await manager.getObjects(streamId, 0, 20, 10)).map((o) => [o.objectId, o.type]),
        [[merged, ObjectType.STREAM]],
      );
      assert.deepEqual(
        (await manager.getUnreferencedObjects(0, 10)).map((o) => o.objectId).sort(),
        [a, b].sort(),
      );
    });

    it("merges stream objects", async () => {
      const { manager } = await open();
      const { streamId } = await manager.createStream();
      await manager.openStream(streamId, 1, NODE);
      const ids: number[] = [];
      for (const [start, end] of [
        [0, 5],
        [5, 9],
      ]) {
        const objectId = await manager.prepareObjects(1, 60_000);
        await manager.commitStreamObject({
          objectId,
          streamId,
          streamEpoch: 1,
          startOffset: start!,
          endOffset: end!,
          objectSize: 10,
          sourceObjectIds: [],
        });
        ids.push(objectId);
      }
      const merged = await manager.prepareObjects(1, 60_000);
      await manager.commitStreamObject({
        objectId: merged,
        streamId,
        streamEpoch: 1,
        startOffset: 0,
        endOffset: 9,
        objectSize: 20,
        sourceObjectIds: ids,
      });
      assert.deepEqual(
        (await manager.getObjects(streamId, 0, 9, 10)).map((o) => o.objectId),
        [merged],
      );
    });

    it("deletes a stream: its objects become unreferenced and it is gone", async () => {
      const { manager } = await open();
      const { streamId } = await manager.createStream();
      await manager.openStream(streamId, 1, NODE);
      const objectId = await commitData(manager, streamId, 1, 0, 3);
      await manager.deleteStream(streamId, 1);
      await assert.rejects(manager.describeStream(streamId), rejectsWith(ErrorCode.STREAM_NOT_FOUND));
      assert.deepEqual(
        (await manager.getUnreferencedObjects(0, 10)).map((o) => o.objectId),
        [objectId],
      );
    });

    it("refuses ids and offsets that are not safe non-negative integers", async () => {
      const { manager } = await open();
      await assert.rejects(manager.describeStream(-1), rejectsWith(ErrorCode.INVALID_ARGUMENT));
      await assert.rejects(manager.openStream(0.5, 1, NODE), rejectsWith(ErrorCode.INVALID_ARGUMENT));
      await assert.rejects(manager.prepareObjects(2 ** 60, 1), rejectsWith(ErrorCode.INVALID_ARGUMENT));
      await assert.rejects(manager.describeStream(12345), rejectsWith(ErrorCode.STREAM_NOT_FOUND));
    });
  });
}
