// Behaviour every ObjectManager shows; run against s3stream's MemoryObjectManager (the reference)
// and the database-backed one, so both agree.
import assert from "node:assert/strict";
import { it } from "node:test";
import {
  ErrorCode,
  NO_OBJECT_ID,
  ObjectIdPool,
  type ObjectManager,
  StreamStorageError,
} from "@cirrus/s3stream";

export interface Subject {
  manager: ObjectManager;
  /** Moves the manager's clock forward; without it (a remote manager) the suite really waits. */
  advance?(ms: number): void;
}

async function elapse(s: Subject, ms: number): Promise<void> {
  if (s.advance) s.advance(ms);
  else await new Promise((resolve) => setTimeout(resolve, ms));
}

function rejectsWith(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  return assert.rejects(promise, (e: unknown) => {
    assert.ok(e instanceof StreamStorageError, `expected StreamStorageError, got ${String(e)}`);
    assert.equal(e.code, code);
    return true;
  });
}

const range = (streamId: number, epoch: number, start: number, end: number, position = 0) => ({
  streamId,
  streamEpoch: epoch,
  startOffset: start,
  endOffset: end,
  position,
  length: (end - start) * 10,
});

export function objectManagerSuite(make: () => Promise<Subject>): void {
  async function openNew(s: Subject, epoch = 1, node = 1): Promise<number> {
    const { streamId } = await s.manager.createStream({ tags: { topic: "t" } });
    await s.manager.openStream(streamId, epoch, node);
    return streamId;
  }
  async function commitNew(s: Subject, ranges: ReturnType<typeof range>[], node = 1): Promise<number> {
    const objectId = await s.manager.prepareObjects(1, 60_000);
    await s.manager.commitStreamSetObject({
      objectId,
      objectSize: 1000,
      nodeId: node,
      nodeEpoch: 1,
      ranges,
      streamObjects: [],
      compactedObjectIds: [],
    });
    return objectId;
  }

  /** A settled call as the call's promise again (for rejectsWith). */
  const settledCall = (r: PromiseSettledResult<unknown>) =>
    r.status === "rejected" ? Promise.reject(r.reason) : Promise.resolve(r.value);

  it("closes started together each get their own outcome (a broker's closes travel as one batch)", async () => {
    const s = await make();
    const a = await openNew(s);
    const b = await openNew(s);
    const c = await openNew(s, 2);
    const [closedA, refusedB, closedC, unknown] = await Promise.allSettled([
      s.manager.closeStream(a, 1),
      s.manager.closeStream(b, 2),
      s.manager.closeStream(c, 2),
      s.manager.closeStream(987_654, 1),
    ]);
    assert.equal(closedA.status, "fulfilled");
    assert.equal(closedC.status, "fulfilled");
    await rejectsWith(settledCall(refusedB), ErrorCode.STREAM_NOT_OPEN);
    await rejectsWith(settledCall(unknown), ErrorCode.STREAM_NOT_FOUND);
    assert.equal((await s.manager.describeStream(a)).state, "CLOSED");
    assert.equal(
      (await s.manager.describeStream(b)).state,
      "OPENED",
      "a refused close leaves its stream open",
    );
    assert.equal((await s.manager.describeStream(c)).state, "CLOSED");
  });

  it("opens started together each get their own outcome (a broker's opens travel as one batch)", async () => {
    const s = await make();
    const { streamId: a } = await s.manager.createStream();
    const { streamId: b } = await s.manager.createStream();
    await s.manager.openStream(b, 3, 1);
    const [openedA, fencedB, unknown] = await Promise.allSettled([
      s.manager.openStream(a, 1, 2),
      s.manager.openStream(b, 2, 2),
      s.manager.openStream(987_654, 1, 2),
    ]);
    assert.ok(openedA.status === "fulfilled");
    assert.deepEqual(openedA.value, {
      streamId: a,
      epoch: 1,
      startOffset: 0,
      endOffset: 0,
      state: "OPENED",
      nodeId: 2,
    });
    await rejectsWith(settledCall(fencedB), ErrorCode.STREAM_FENCED);
    await rejectsWith(settledCall(unknown), ErrorCode.STREAM_NOT_FOUND);
    assert.equal(
      (await s.manager.describeStream(b)).nodeId,
      1,
      "a refused open leaves its stream to its owner",
    );
  });

  it("opens streams with epoch fencing", async () => {
    const s = await make();
    const { streamId } = await s.manager.createStream();
    const opened = await s.manager.openStream(streamId, 1, 1);
    assert.deepEqual(opened, {
      streamId,
      epoch: 1,
      startOffset: 0,
      endOffset: 0,
      state: "OPENED",
      nodeId: 1,
    });
    await rejectsWith(s.manager.openStream(streamId, 1, 2), ErrorCode.STREAM_FENCED);
    await rejectsWith(s.manager.openStream(streamId, 0, 1), ErrorCode.STREAM_FENCED);
    assert.equal((await s.manager.openStream(streamId, 1, 1)).epoch, 1, "same owner re-opens");
    assert.equal((await s.manager.openStream(streamId, 2, 2)).nodeId, 2);
    await rejectsWith(s.manager.closeStream(streamId, 1), ErrorCode.STREAM_FENCED);
    await rejectsWith(s.manager.closeStream(streamId, 3), ErrorCode.STREAM_NOT_OPEN);
    await s.manager.closeStream(streamId, 2);
    assert.equal((await s.manager.describeStream(streamId)).state, "CLOSED");
    await rejectsWith(s.manager.describeStream(987_654), ErrorCode.STREAM_NOT_FOUND);
  });

  it("commits a stream set object and indexes its ranges", async () => {
    const s = await make();
    const a = await openNew(s);
    const b = await openNew(s);
    const objectId = await commitNew(s, [range(a, 1, 0, 10), range(b, 1, 0, 5, 100)]);
    assert.equal((await s.manager.describeStream(a)).endOffset, 10);
    assert.equal((await s.manager.describeStream(b)).endOffset, 5);
    const found = await s.manager.getObjects(b, 0, 5, 10);
    assert.equal(found.length, 1);
    assert.equal(found[0]!.objectId, objectId);
    assert.equal(found[0]!.type, "STREAM_SET");
    assert.deepEqual(found[0]!.ranges, [range(b, 1, 0, 5, 100)]);
    const second = await commitNew(s, [range(a, 1, 10, 20)]);
    assert.deepEqual(
      (await s.manager.getObjects(a, 5, 15, 10)).map((o) => o.objectId),
      [objectId, second],
    );
    assert.deepEqual(
      (await s.manager.getObjects(a, 12, 100, 10)).map((o) => o.objectId),
      [second],
    );
    assert.equal((await s.manager.getObjects(a, 0, 100, 1)).length, 1, "limit");
    const sets = await s.manager.getStreamSetObjects(1);
    assert.deepEqual(
      sets.map((o) => o.objectId),
      [objectId, second],
    );
    assert.ok(sets[0]!.orderId < sets[1]!.orderId);
  });

  it("refuses a stale stream epoch and writes nothing", async () => {
    const s = await make();
    const a = await openNew(s, 1, 1);
    await commitNew(s, [range(a, 1, 0, 10)]);
    await s.manager.openStream(a, 2, 2); // a new owner takes over: epoch 1 is fenced
    const objectId = await s.manager.prepareObjects(1, 60_000);
    const stale = {
      objectId,
      objectSize: 100,
      nodeId: 1,
      nodeEpoch: 1,
      ranges: [range(a, 1, 10, 20)],
      streamObjects: [],
      compactedObjectIds: [],
    };
    await rejectsWith(s.manager.commitStreamSetObject(stale), ErrorCode.STREAM_FENCED);
    assert.equal((await s.manager.describeStream(a)).endOffset, 10);
    assert.equal((await s.manager.getObjects(a, 0, 100, 10)).length, 1);
    // The id is still prepared: the new owner can use it.
    await s.manager.commitStreamSetObject({ ...stale, nodeId: 2, ranges: [range(a, 2, 10, 20)] });
    assert.equal((await s.manager.describeStream(a)).endOffset, 20);
  });

  it("refuses gaps, overlaps, unprepared and expired ids", async () => {
    const s = await make();
    const a = await openNew(s);
    await commitNew(s, [range(a, 1, 0, 10)]);
    await rejectsWith(commitNew(s, [range(a, 1, 11, 20)]), ErrorCode.OFFSET_OUT_OF_RANGE);
    await rejectsWith(commitNew(s, [range(a, 1, 5, 20)]), ErrorCode.OFFSET_OUT_OF_RANGE);
    const commit = (objectId: number) =>
      s.manager.commitStreamSetObject({
        objectId,
        objectSize: 1,
        nodeId: 1,
        nodeEpoch: 1,
        ranges: [range(a, 1, 10, 11)],
        streamObjects: [],
        compactedObjectIds: [],
      });
    await rejectsWith(commit(10_000_000), ErrorCode.OBJECT_NOT_PREPARED);
    const expiring = await s.manager.prepareObjects(1, 50);
    await elapse(s, 150);
    await rejectsWith(commit(expiring), ErrorCode.OBJECT_NOT_PREPARED);
    const unreferenced = await s.manager.getUnreferencedObjects(0, 100);
    assert.ok(unreferenced.some((o) => o.objectId === expiring));
    await rejectsWith(commitNew(s, [range(a, 1, 10, 10)]), ErrorCode.INVALID_ARGUMENT);
    assert.equal((await s.manager.describeStream(a)).endOffset, 10);
  });

  it("treats a repeated commit as a success without change", async () => {
    const s = await make();
    const a = await openNew(s);
    const objectId = await s.manager.prepareObjects(1, 60_000);
    const request = {
      objectId,
      objectSize: 10,
      nodeId: 1,
      nodeEpoch: 1,
      ranges: [range(a, 1, 0, 3)],
      streamObjects: [],
      compactedObjectIds: [],
    };
    await s.manager.commitStreamSetObject(request);
    await s.manager.commitStreamSetObject(request);
    assert.equal((await s.manager.describeStream(a)).endOffset, 3);
    assert.equal((await s.manager.getObjects(a, 0, 10, 10)).length, 1);
  });

  it("trims and deletes streams, releasing their objects", async () => {
    const s = await make();
    const a = await openNew(s);
    const first = await commitNew(s, [range(a, 1, 0, 10)]);
    await commitNew(s, [range(a, 1, 10, 20)]);
    await rejectsWith(s.manager.trimStream(a, 1, 21), ErrorCode.OFFSET_OUT_OF_RANGE);
    await s.manager.trimStream(a, 1, 12);
    assert.equal((await s.manager.describeStream(a)).startOffset, 12);
    await rejectsWith(s.manager.getObjects(a, 5, 20, 10), ErrorCode.OFFSET_OUT_OF_RANGE);
    const unreferenced = await s.manager.getUnreferencedObjects(0, 100);
    assert.deepEqual(
      unreferenced.map((o) => o.objectId),
      [first],
    );
    await s.manager.forgetObjects([first]);
    assert.deepEqual(await s.manager.getUnreferencedObjects(0, 100), []);
    await rejectsWith(s.manager.deleteStream(a, 0), ErrorCode.STREAM_FENCED);
    await s.manager.deleteStream(a, 1);
    await rejectsWith(s.manager.describeStream(a), ErrorCode.STREAM_NOT_FOUND);
    assert.equal((await s.manager.getUnreferencedObjects(0, 100)).length, 1);
  });

  it("compacts stream set objects into one, checking coverage", async () => {
    const s = await make();
    const a = await openNew(s);
    const b = await openNew(s);
    const one = await commitNew(s, [range(a, 1, 0, 10), range(b, 1, 0, 4)]);
    const two = await commitNew(s, [range(a, 1, 10, 20)]);
    const target = await s.manager.prepareObjects(1, 60_000);
    const compaction = (ranges: ReturnType<typeof range>[]) =>
      s.manager.commitStreamSetObject({
        objectId: target,
        objectSize: 300,
        nodeId: 1,
        nodeEpoch: 1,
        ranges,
        streamObjects: [],
        compactedObjectIds: [one, two],
      });
    await rejectsWith(compaction([range(a, 1, 0, 19), range(b, 1, 0, 4)]), ErrorCode.OFFSET_OUT_OF_RANGE);
    await rejectsWith(compaction([range(a, 1, 0, 20)]), ErrorCode.OFFSET_OUT_OF_RANGE);
    await compaction([range(a, 1, 0, 20), range(b, 1, 0, 4, 200)]);
    assert.deepEqual(
      (await s.manager.getObjects(a, 0, 20, 10)).map((o) => o.objectId),
      [target],
    );
    assert.deepEqual(
      (await s.manager.getUnreferencedObjects(0, 10)).map((o) => o.objectId).sort((x, y) => x - y),
      [one, two],
    );
    assert.equal((await s.manager.describeStream(a)).endOffset, 20, "a compaction moves no end offset");
  });

  it("commits and compacts stream objects", async () => {
    const s = await make();
    const a = await openNew(s);
    const first = await s.manager.prepareObjects(3, 60_000);
    await s.manager.commitStreamSetObject({
      objectId: NO_OBJECT_ID,
      objectSize: 0,
      nodeId: 1,
      nodeEpoch: 1,
      ranges: [],
      streamObjects: [
        { objectId: first, streamId: a, streamEpoch: 1, startOffset: 0, endOffset: 5, objectSize: 50 },
      ],
      compactedObjectIds: [],
    });
    const base = { streamId: a, streamEpoch: 1, objectSize: 50 };
    await s.manager.commitStreamObject({
      ...base,
      objectId: first + 1,
      startOffset: 5,
      endOffset: 9,
      sourceObjectIds: [],
    });
    const merged = first + 2;
    await rejectsWith(
      s.manager.commitStreamObject({
        ...base,
        objectId: merged,
        startOffset: 0,
        endOffset: 8,
        sourceObjectIds: [first, first + 1],
      }),
      ErrorCode.OFFSET_OUT_OF_RANGE,
    );
    await s.manager.commitStreamObject({
      ...base,
      objectId: merged,
      startOffset: 0,
      endOffset: 9,
      sourceObjectIds: [first, first + 1],
    });
    const found = await s.manager.getObjects(a, 0, 9, 10);
    assert.deepEqual(
      found.map((o) => [o.objectId, o.type]),
      [[merged, "STREAM"]],
    );
    assert.equal((await s.manager.describeStream(a)).endOffset, 9);
  });

  it("lists a node's opened streams", async () => {
    const s = await make();
    const a = await openNew(s, 1, 7);
    const b = await openNew(s, 1, 7);
    await openNew(s, 1, 8);
    await s.manager.closeStream(b, 1);
    assert.deepEqual(
      (await s.manager.getOpeningStreams(7)).map((m) => m.streamId),
      [a],
    );
  });

  it("cleans up ids a broker's pool prepared and never used, like any orphaned preparation", async () => {
    const s = await make();
    const a = await openNew(s);
    const pool = new ObjectIdPool(s.manager, { ttlMs: 2_000, blockSize: 4, lowWater: 1 });
    pool.warm();
    await pool.idle();
    const ids = await pool.take(4);
    assert.equal(pool.takenFromPool, 4, "the four ids came from the block prepared ahead");
    pool.stop();
    const [used, ...unused] = ids as [number, ...number[]];
    const commit = (objectId: number, start: number) =>
      s.manager.commitStreamSetObject({
        objectId,
        objectSize: 100,
        nodeId: 1,
        nodeEpoch: 1,
        ranges: [range(a, 1, start, start + 10)],
        streamObjects: [],
        compactedObjectIds: [],
      });
    await commit(used, 0);
    const orphansOf = async () =>
      (await s.manager.getUnreferencedObjects(0, 1000))
        .map((o) => o.objectId)
        .filter((id) => ids.includes(id));
    assert.deepEqual(await orphansOf(), [], "nothing is orphaned while the preparation is valid");
    await elapse(s, 2_100);
    assert.deepEqual(
      (await orphansOf()).sort((x, y) => x - y),
      unused,
      "the unused ids, not the committed one",
    );
    await rejectsWith(commit(unused[0]!, 10), ErrorCode.OBJECT_NOT_PREPARED);
    await s.manager.forgetObjects(unused);
    assert.deepEqual(await orphansOf(), []);
    assert.equal((await s.manager.describeStream(a)).endOffset, 10);
  });

  it("commits a tail and closes its stream in one call; a refused close undoes the commit too", async () => {
    const s = await make();
    const a = await openNew(s);
    const b = await openNew(s, 3);
    const objectId = await s.manager.prepareObjects(1, 60_000);
    const request = {
      objectId,
      objectSize: 100,
      nodeId: 1,
      nodeEpoch: 1,
      ranges: [range(a, 1, 0, 10)],
      streamObjects: [],
      compactedObjectIds: [],
    };
    await rejectsWith(
      s.manager.commitStreamSetObject({
        ...request,
        closeStreams: [
          { streamId: a, epoch: 1 },
          { streamId: b, epoch: 2 },
        ],
      }),
      ErrorCode.STREAM_FENCED,
    );
    const untouched = await s.manager.describeStream(a);
    assert.deepEqual([untouched.state, untouched.endOffset], ["OPENED", 0]);
    const closing = { ...request, closeStreams: [{ streamId: a, epoch: 1 }] };
    await s.manager.commitStreamSetObject(closing);
    const closed = await s.manager.describeStream(a);
    assert.deepEqual([closed.state, closed.endOffset], ["CLOSED", 10]);
    await s.manager.commitStreamSetObject(closing); // a retry whose first reply was lost
    assert.equal((await s.manager.describeStream(b)).state, "OPENED");
    await rejectsWith(
      s.manager.commitStreamSetObject({
        ...request,
        objectId: await s.manager.prepareObjects(1, 60_000),
        ranges: [],
        compactedObjectIds: [objectId],
        closeStreams: [{ streamId: b, epoch: 3 }],
      }),
      ErrorCode.INVALID_ARGUMENT,
    );
  });
}
