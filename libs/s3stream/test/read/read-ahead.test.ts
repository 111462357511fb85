// Cold reads: read-ahead grows while a consumer reads sequentially (few large GETs), and stays off for jumps.
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { MemObjectStore } from "@cirrus/object-store";
import { MemoryObjectManager } from "../../src/memory-object-manager.ts";
import { Storage } from "../../src/storage.ts";
import type { Stream } from "../../src/stream-types.ts";
import { assertRecords, payloadFor } from "../helpers/records.ts";
import { tempDir } from "../helpers/temp-dir.ts";

const MiB = 1024 * 1024;
const RECORD = 256 * 1024;
const RECORDS = 128; // 32 MiB: 32 blocks of 1 MiB

async function coldStream(): Promise<{ storage: Storage; stream: Stream; store: MemObjectStore }> {
  const store = new MemObjectStore();
  const storage = await Storage.open({
    walPath: join(await tempDir("readahead"), "wal"),
    walCapacity: 64 * MiB,
    objectStore: store,
    objectManager: new MemoryObjectManager(),
    nodeId: 1,
    nodeEpoch: 1,
    logCacheBytes: 0,
    blockCacheBytes: 64 * MiB,
  });
  const stream = await storage.openStream((await storage.createStream()).streamId, 1);
  const acks = [];
  for (let i = 0; i < RECORDS; i++)
    acks.push(stream.append({ payload: payloadFor(stream.streamId, i, RECORD), count: 1 }));
  await Promise.all(acks);
  await storage.flush();
  return { storage, stream, store };
}

describe("cold read-ahead", () => {
  it("grows on sequential reads: far fewer GETs than blocks", async () => {
    const { storage, stream, store } = await coldStream();
    const before = store.requestCounts().GET;
    let offset = 0;
    while (offset < RECORDS)
      offset = assertRecords(await stream.read(offset, RECORDS, RECORD), stream.streamId, offset);
    const gets = store.requestCounts().GET - before;
    assert.ok(gets <= 8, `sequential read of 32 blocks took ${gets} GETs`);
    await storage.shutdown();
  });

  it("does not read ahead on jumps", async () => {
    const { storage, stream, store } = await coldStream();
    await stream.read(0, RECORDS, RECORD); // index + first block
    const before = store.requestCounts().GET;
    for (const offset of [100, 40, 80, 20])
      assertRecords(await stream.read(offset, RECORDS, RECORD), stream.streamId, offset);
    assert.equal(store.requestCounts().GET - before, 4, "one block per random read");
    assert.equal(storage.stats().blockCacheBytes, 5 * (MiB + 4 * 28), "only the blocks read are cached");
    await storage.shutdown();
  });
});
