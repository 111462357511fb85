// A stream close commits its WAL tail and closes the stream in one call to the metadata owner (one round trip a
// partition move waits for, not two). When that combined call is refused (the stream was fenced meanwhile), the
// close falls back to closeStream and reports the fencing as before; with no tail to commit, closeStream alone.
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { MemObjectStore } from "@cirrus/object-store";
import { ErrorCode, StreamStorageError } from "../../src/errors.ts";
import { MemoryObjectManager } from "../../src/memory-object-manager.ts";
import type { CommitStreamSetObjectRequest } from "../../src/object-manager.ts";
import { Storage } from "../../src/storage.ts";
import { payloadFor } from "../helpers/records.ts";
import { tempDir } from "../helpers/temp-dir.ts";

class CountingObjectManager extends MemoryObjectManager {
  commits: CommitStreamSetObjectRequest[] = [];
  closes = 0;
  override async commitStreamSetObject(request: CommitStreamSetObjectRequest): Promise<void> {
    this.commits.push(request);
    await super.commitStreamSetObject(request);
  }
  override async closeStream(streamId: number, epoch: number): Promise<void> {
    this.closes++;
    await super.closeStream(streamId, epoch);
  }
}

async function openStorage(manager: MemoryObjectManager, name: string, nodeId = 1): Promise<Storage> {
  return Storage.open({
    walPath: join(await tempDir(name), "wal"),
    walCapacity: 8 * 1024 * 1024,
    objectStore: new MemObjectStore(),
    objectManager: manager,
    nodeId,
    nodeEpoch: 1,
  });
}

describe("a stream close's tail commit", () => {
  it("closes the stream in the same call: no closeStream round trip", async () => {
    const manager = new CountingObjectManager();
    const storage = await openStorage(manager, "close-with-tail");
    const stream = await storage.openStream((await storage.createStream()).streamId, 1);
    for (let i = 0; i < 4; i++) await stream.append({ payload: payloadFor(stream.streamId, i), count: 1 });
    await stream.close();
    assert.equal(manager.closes, 0);
    assert.deepEqual(manager.commits.at(-1)?.closeStreams, [{ streamId: stream.streamId, epoch: 1 }]);
    const meta = await manager.describeStream(stream.streamId);
    assert.deepEqual([meta.state, meta.endOffset], ["CLOSED", 4]);
    await storage.shutdown();
  });

  it("with nothing left to commit, closes with closeStream", async () => {
    const manager = new CountingObjectManager();
    const storage = await openStorage(manager, "close-no-tail");
    const stream = await storage.openStream((await storage.createStream()).streamId, 1);
    await stream.append({ payload: payloadFor(stream.streamId, 0), count: 1 });
    await storage.flush();
    await stream.close();
    assert.equal(manager.closes, 1);
    assert.equal((await manager.describeStream(stream.streamId)).state, "CLOSED");
    await storage.shutdown();
  });

  it("fenced meanwhile: the combined call is refused, the close reports STREAM_FENCED, nothing of it is committed", async () => {
    const manager = new CountingObjectManager();
    const storage = await openStorage(manager, "close-fenced");
    const stream = await storage.openStream((await storage.createStream()).streamId, 1);
    for (let i = 0; i < 3; i++) await stream.append({ payload: payloadFor(stream.streamId, i), count: 1 });
    await manager.openStream(stream.streamId, 2, 9); // a new owner
    await assert.rejects(
      stream.close(),
      (e: unknown) => e instanceof StreamStorageError && e.code === ErrorCode.STREAM_FENCED,
    );
    const meta = await manager.describeStream(stream.streamId);
    assert.deepEqual(
      [meta.state, meta.epoch, meta.endOffset],
      ["OPENED", 2, 0],
      "the new owner's stream untouched",
    );
    await storage.shutdown();
  });
});

describe("a close whose checkpoint write is stuck", () => {
  it("does not hold other uploads: the tail commits without the close, which follows the checkpoint", async () => {
    const manager = new CountingObjectManager();
    const storage = await openStorage(manager, "close-stuck-checkpoint");
    const a = await storage.openStream((await storage.createStream()).streamId, 1);
    const b = await storage.openStream((await storage.createStream()).streamId, 1);
    for (let i = 0; i < 3; i++) await a.append({ payload: payloadFor(a.streamId, i), count: 1 });
    let release: () => void = () => {};
    const checkpoint = new Promise<void>((resolve) => {
      release = resolve;
    });
    const closing = a.close({ commitAfter: checkpoint });
    await b.append({ payload: payloadFor(b.streamId, 0), count: 1 });
    // Queued behind a's tail upload: must not wait for the checkpoint (released only after this).
    let timer: NodeJS.Timeout | undefined;
    const flushed = await Promise.race([
      storage.flush().then(() => true),
      new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), 10_000);
      }),
    ]);
    clearTimeout(timer);
    if (!flushed) release();
    assert.ok(flushed, "b's upload waited for a's stuck checkpoint");
    assert.equal((await manager.describeStream(b.streamId)).endOffset, 1);
    const tail = await manager.describeStream(a.streamId);
    assert.deepEqual(
      [tail.state, tail.endOffset],
      ["OPENED", 3],
      "tail committed, not closed before the checkpoint",
    );
    release();
    await closing;
    assert.equal((await manager.describeStream(a.streamId)).state, "CLOSED");
    assert.equal(manager.closes, 1, "closed on its own once the checkpoint settled");
    await storage.shutdown();
  });
});

describe("commitStreamSetObject with closeStreams (memory object manager)", () => {
  it("a refused close undoes the commit too", async () => {
    const manager = new MemoryObjectManager();
    const { streamId: a } = await manager.createStream();
    const { streamId: b } = await manager.createStream();
    await manager.openStream(a, 1, 1);
    await manager.openStream(b, 3, 1);
    const objectId = await manager.prepareObjects(1, 60_000);
    const request: CommitStreamSetObjectRequest = {
      objectId,
      objectSize: 10,
      nodeId: 1,
      nodeEpoch: 1,
      ranges: [{ streamId: a, streamEpoch: 1, startOffset: 0, endOffset: 5, position: 0, length: 10 }],
      streamObjects: [],
      compactedObjectIds: [],
      closeStreams: [
        { streamId: a, epoch: 1 },
        { streamId: b, epoch: 2 },
      ],
    };
    await assert.rejects(
      manager.commitStreamSetObject(request),
      (e: unknown) => e instanceof StreamStorageError && e.code === ErrorCode.STREAM_FENCED,
    );
    const meta = await manager.describeStream(a);
    assert.deepEqual([meta.state, meta.endOffset], ["OPENED", 0]);
    await manager.commitStreamSetObject({ ...request, closeStreams: [{ streamId: a, epoch: 1 }] });
    const after = await manager.describeStream(a);
    assert.deepEqual([after.state, after.endOffset], ["CLOSED", 5]);
    // A repeat (its reply was lost) succeeds without change.
    await manager.commitStreamSetObject({ ...request, closeStreams: [{ streamId: a, epoch: 1 }] });
  });
});
