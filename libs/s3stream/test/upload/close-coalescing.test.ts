// Streams closed together (a drain closing a broker's partitions at once) upload their tails together: one
// object for the streams whose close waited behind the same upload, not one object after another per stream.
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { MemObjectStore } from "@cirrus/object-store";
import { MemoryObjectManager } from "../../src/memory-object-manager.ts";
import type { CommitStreamSetObjectRequest } from "../../src/object-manager.ts";
import { Storage } from "../../src/storage.ts";
import { payloadFor } from "../helpers/records.ts";
import { tempDir } from "../helpers/temp-dir.ts";

class CountingObjectManager extends MemoryObjectManager {
  commits = 0;
  override async commitStreamSetObject(request: CommitStreamSetObjectRequest): Promise<void> {
    this.commits++;
    await super.commitStreamSetObject(request);
  }
}

describe("closing many streams at once", () => {
  it("commits their tails in few objects, and every record of every stream is in the index", async () => {
    const objectManager = new CountingObjectManager();
    const storage = await Storage.open({
      walPath: join(await tempDir("close-coalescing"), "wal"),
      walCapacity: 8 * 1024 * 1024,
      objectStore: new MemObjectStore(),
      objectManager,
      nodeId: 1,
      nodeEpoch: 1,
    });
    const streams = [];
    for (let s = 0; s < 50; s++) {
      const stream = await storage.openStream((await storage.createStream()).streamId, 1);
      for (let i = 0; i < 3; i++) await stream.append({ payload: payloadFor(stream.streamId, i), count: 1 });
      streams.push(stream);
    }
    const before = objectManager.commits;
    await Promise.all(streams.map((s) => s.close()));
    const commits = objectManager.commits - before;
    // The first close's upload may start alone; every later one joins the next.
    assert.ok(commits >= 1 && commits <= 2, `${commits} commits for 50 closes`);
    for (const s of streams) {
      const meta = await objectManager.describeStream(s.streamId);
      assert.equal(meta.endOffset, 3, `stream ${s.streamId}`);
      assert.equal(meta.state, "CLOSED");
    }
    await storage.shutdown();
  });

  it("a stream that asks after the joined upload started gets an upload of its own", async () => {
    const objectManager = new CountingObjectManager();
    const storage = await Storage.open({
      walPath: join(await tempDir("close-coalescing-late"), "wal"),
      walCapacity: 8 * 1024 * 1024,
      objectStore: new MemObjectStore(),
      objectManager,
      nodeId: 1,
      nodeEpoch: 1,
    });
    const a = await storage.openStream((await storage.createStream()).streamId, 1);
    const b = await storage.openStream((await storage.createStream()).streamId, 1);
    await a.append({ payload: payloadFor(a.streamId, 0), count: 1 });
    await b.append({ payload: payloadFor(b.streamId, 0), count: 1 });
    await a.close();
    await b.append({ payload: payloadFor(b.streamId, 1), count: 1 });
    await b.close();
    assert.equal((await objectManager.describeStream(a.streamId)).endOffset, 1);
    assert.equal((await objectManager.describeStream(b.streamId)).endOffset, 2);
    await storage.shutdown();
  });
});
