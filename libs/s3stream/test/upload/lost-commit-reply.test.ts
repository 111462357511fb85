// A commit that applied but whose reply was lost (an HTTP timeout) must not close the stream or lose data.
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { MemObjectStore } from "@cirrus/object-store";
import { ErrorCode, StreamStorageError } from "../../src/errors.ts";
import { MemoryObjectManager } from "../../src/memory-object-manager.ts";
import type { CommitStreamSetObjectRequest } from "../../src/object-manager.ts";
import { Storage } from "../../src/storage.ts";
import { assertRecords, payloadFor } from "../helpers/records.ts";
import { tempDir } from "../helpers/temp-dir.ts";

class LossyObjectManager extends MemoryObjectManager {
  loseNextReply = false;

  override async commitStreamSetObject(request: CommitStreamSetObjectRequest): Promise<void> {
    await super.commitStreamSetObject(request);
    if (this.loseNextReply) {
      this.loseNextReply = false;
      throw new StreamStorageError(ErrorCode.UPSTREAM_UNAVAILABLE, "reply lost (test)");
    }
  }
}

describe("upload after a lost commit reply", () => {
  it("recognises the data as committed and keeps the stream open", async () => {
    const objectManager = new LossyObjectManager();
    const storage = await Storage.open({
      walPath: join(await tempDir("lossy"), "wal"),
      walCapacity: 4 * 1024 * 1024,
      objectStore: new MemObjectStore(),
      objectManager,
      nodeId: 1,
      nodeEpoch: 1,
      logCacheBytes: 0,
    });
    const stream = await storage.openStream((await storage.createStream()).streamId, 1);
    for (let i = 0; i < 5; i++) await stream.append({ payload: payloadFor(stream.streamId, i), count: 1 });
    objectManager.loseNextReply = true;
    await assert.rejects(storage.flush());
    await stream.append({ payload: payloadFor(stream.streamId, 5), count: 1 });
    await storage.flush();
    assert.equal(stream.confirmOffset, 6);
    await stream.append({ payload: payloadFor(stream.streamId, 6), count: 1 });
    assert.equal(storage.stats().walUsedBytes > 0, true);
    await storage.flush();
    assert.equal(storage.stats().walUsedBytes, 0, "everything trimmed: nothing left pinned");
    assert.equal((await objectManager.describeStream(stream.streamId)).endOffset, 7);
    assertRecords(await stream.read(0, 7, 1 << 20), stream.streamId, 0);
    await storage.shutdown();
  });
});
