// The ObjectManager contract as a reusable suite: MemoryObjectManager runs it here; the control plane runs the
// same file against its database implementation. Both decide with the same rules (src/metadata/), and this
// suite checks they refuse the same requests with the same codes, fencing by node epoch included.
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

/** What the broker registry (the control plane's brokers table) records of nodes, as a test drives it. */
export interface NodeRegistry {
  /** `nodeId` (re-)registered at `epoch`: its commits at older node epochs are refused from now on. */
  register(nodeId: number, epoch: number): Promise<void>;
  /** `nodeId`'s epoch `epoch` ended (lease expired): commits at it or older are refused. */
  fence(nodeId: number, epoch: number): Promise<void>;
}

export interface ContractSubject {
  manager: ObjectManager;
  /** Moves the manager's clock forward (for TTL and grace periods). */
  advanceClock: (ms: number) => void;
  nodes: NodeRegistry;
}

/** `open` returns a fresh manager, its clock and its node registry. */
export function objectManagerContract(name: string, open: () => Promise<ContractSubject>): void {
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

    it("refuses commits by a node epoch that was superseded or ended, and writes nothing", async () => {
      const { manager, nodes } = await open();
      const { streamId } = await manager.createStream();
      await manager.openStream(streamId, 1, NODE);
      await nodes.register(NODE, 1);
      const first = await commitData(manager, streamId, 1, 0, 10);
      await nodes.register(NODE, 2); // the node came back under a new epoch: epoch 1 is a zombie
      const id = await manager.prepareObjects(2, 60_000);
      const stale = {
        objectId: id,
        objectSize: 100,
        nodeId: NODE,
        nodeEpoch: 1,
        ranges: [{ streamId, streamEpoch: 1, startOffset: 10, endOffset: 20, position: 0, length: 76 }],
        streamObjects: [],
        compactedObjectIds: [],
      };
      const streamObject = { objectId: id + 1, streamId, streamEpoch: 1, objectSize: 64 };
      await assert.rejects(manager.commitStreamSetObject(stale), rejectsWith(ErrorCode.STREAM_FENCED));
      await assert.rejects(
        manager.commitStreamSetObject({
          ...stale,
          objectId: NO_OBJECT_ID,
          ranges: [],
          streamObjects: [{ ...streamObject, startOffset: 10, endOffset: 20 }],
        }),
        rejectsWith(ErrorCode.STREAM_FENCED),
        "stream objects alone, same node check",
      );
      await assert.rejects(
        manager.commitStreamSetObject({
          ...stale,
          objectId: NO_OBJECT_ID,
          ranges: [],
          streamObjects: [{ ...streamObject, startOffset: 0, endOffset: 10 }],
          compactedObjectIds: [first],
        }),
        rejectsWith(ErrorCode.STREAM_FENCED),
        "a zombie's compaction too",
      );
      assert.equal((await manager.describeStream(streamId)).endOffset, 10, "nothing of the refused commits");
      assert.deepEqual(
        (await manager.getObjects(streamId, 0, 100, 10)).map((o) => o.objectId),
        [first],
      );
      await manager.commitStreamSetObject({ ...stale, nodeEpoch: 2 }); // the live epoch, same prepared id
      assert.equal((await manager.describeStream(streamId)).endOffset, 20);

      await nodes.fence(NODE, 2); // its lease ran out
      const next = await manager.prepareObjects(1, 60_000);
      await assert.rejects(
        manager.commitStreamSetObject({
          ...stale,
          objectId: next,
          nodeEpoch: 2,
          ranges: [{ streamId, streamEpoch: 1, startOffset: 20, endOffset: 30, position: 0, length: 76 }],
        }),
        rejectsWith(ErrorCode.STREAM_FENCED),
      );
      assert.equal((await manager.describeStream(streamId)).endOffset, 20);
    });

    it("refuses a stale stream epoch in stream objects, committed alone or with a stream set commit", async () => {
      const { manager } = await open();
      const { streamId } = await manager.createStream();
      await manager.openStream(streamId, 1, NODE);
      await commitData(manager, streamId, 1, 0, 10);
      await manager.openStream(streamId, 2, NODE + 1); // a new owner: epoch 1 is fenced
      const id = await manager.prepareObjects(2, 60_000);
      const lone = {
        objectId: id,
        streamId,
        streamEpoch: 1,
        startOffset: 10,
        endOffset: 20,
        objectSize: 64,
        sourceObjectIds: [],
      };
      await assert.rejects(manager.commitStreamObject(lone), rejectsWith(ErrorCode.STREAM_FENCED));
      await assert.rejects(
        manager.commitStreamSetObject({
          objectId: NO_OBJECT_ID,
          objectSize: 0,
          nodeId: NODE,
          nodeEpoch: 1,
          ranges: [],
          streamObjects: [
            { objectId: id + 1, streamId, streamEpoch: 1, startOffset: 10, endOffset: 20, objectSize: 64 },
          ],
          compactedObjectIds: [],
        }),
        rejectsWith(ErrorCode.STREAM_FENCED),
      );
      await assert.rejects(
        manager.commitStreamObject({ ...lone, streamEpoch: 3 }),
        rejectsWith(ErrorCode.STREAM_NOT_OPEN),
        "an epoch nobody opened",
      );
      assert.equal((await manager.describeStream(streamId)).endOffset, 10);
      await manager.commitStreamObject({ ...lone, streamEpoch: 2 });
      assert.equal((await manager.describeStream(streamId)).endOffset, 20, "the owner's epoch commits");
    });

    it("answers a retry of a commit that applied with success, even once its node is fenced", async () => {
      const { manager, nodes } = await open();
      const { streamId } = await manager.createStream();
      await manager.openStream(streamId, 1, NODE);
      await nodes.register(NODE, 1);
      const objectId = await manager.prepareObjects(1, 60_000);
      const request = {
        objectId,
        objectSize: 100,
        nodeId: NODE,
        nodeEpoch: 1,
        ranges: [{ streamId, streamEpoch: 1, startOffset: 0, endOffset: 5, position: 0, length: 76 }],
        streamObjects: [],
        compactedObjectIds: [],
      };
      await manager.commitStreamSetObject(request);
      await nodes.fence(NODE, 1); // the reply was lost; the lease ran out before the retry
      await manager.commitStreamSetObject(request);
      assert.equal((await manager.describeStream(streamId)).endOffset, 5);
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
