// Backpressure and path isolation: a full WAL makes appends wait (bounded), a stuck object store never blocks
// appends that fit, and corrupt objects are never served.
import assert from "node:assert/strict";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { FileObjectStore, MemObjectStore } from "@cirrus/object-store";
import { ErrorCode } from "../src/errors.ts";
import { MemoryObjectManager } from "../src/memory-object-manager.ts";
import { Storage } from "../src/storage.ts";
import { DATA_START } from "../src/wal/wal-header.ts";
import { GatedObjectStore } from "./helpers/gated-object-store.ts";
import { assertRecords, payloadFor } from "./helpers/records.ts";
import { tempDir } from "./helpers/temp-dir.ts";
import { rejectsWith } from "./object-manager-contract.ts";

const MiB = 1024 * 1024;

async function openGated(appendTimeoutMs: number) {
  const store = new GatedObjectStore(new MemObjectStore());
  const storage = await Storage.open({
    walPath: join(await tempDir("bp"), "wal"),
    walCapacity: DATA_START + MiB,
    objectStore: store,
    objectManager: new MemoryObjectManager(),
    nodeId: 1,
    nodeEpoch: 1,
    uploadThresholdBytes: 256 * 1024,
    appendTimeoutMs,
    logCacheBytes: 0,
  });
  const stream = await storage.openStream((await storage.createStream()).streamId, 1);
  return { store, storage, stream };
}

describe("Storage backpressure", () => {
  it("appends wait while the WAL is full and the upload is stuck, then complete in order when it resumes", async () => {
    const { store, storage, stream } = await openGated(10_000);
    store.holdPuts();
    const acks: Promise<{ baseOffset: number }>[] = [];
    for (let i = 0; i < 40; i++)
      acks.push(stream.append({ payload: payloadFor(stream.streamId, stream.nextOffset, 50_000), count: 1 }));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const stats = storage.stats();
    assert.ok(stats.walUsedBytes <= stats.walCapacityBytes, "never more than the WAL holds");
    assert.ok(stream.confirmOffset < 40, "some appends are waiting");
    store.releasePuts();
    const results = await Promise.all(acks);
    assert.deepEqual(
      results.map((r) => r.baseOffset),
      Array.from({ length: 40 }, (_, i) => i),
    );
    assertRecords(await stream.read(0, 40, 100 * MiB), stream.streamId, 0);
    await storage.shutdown();
  });

  it("a wait that runs out rejects with BACKPRESSURE_TIMEOUT and rolls offsets back without a gap", async () => {
    const { store, storage, stream } = await openGated(200);
    store.holdPuts();
    const acks = Array.from({ length: 30 }, () =>
      stream.append({ payload: payloadFor(stream.streamId, stream.nextOffset, 50_000), count: 1 }).then(
        (r) => r.baseOffset,
        (e: unknown) => e,
      ),
    );
    const settled = await Promise.all(acks);
    const acked = settled.filter((r) => typeof r === "number");
    const failed = settled.filter((r) => typeof r !== "number");
    assert.ok(failed.length > 0);
    for (const error of failed) rejectsWith(ErrorCode.BACKPRESSURE_TIMEOUT)(error);
    assert.equal(stream.nextOffset, acked.length, "offsets restart right after the last acked append");
    store.releasePuts();
    const next = await stream.append({
      payload: payloadFor(stream.streamId, stream.nextOffset, 100),
      count: 1,
    });
    assert.equal(next.baseOffset, acked.length);
    assertRecords(await stream.read(0, stream.nextOffset, 100 * MiB), stream.streamId, 0);
    await storage.shutdown();
  });

  it("a stuck cold read does not delay appends", async () => {
    const { store, storage, stream } = await openGated(5_000);
    for (let i = 0; i < 10; i++)
      await stream.append({ payload: payloadFor(stream.streamId, i, 1000), count: 1 });
    await storage.flush();
    store.holdGets();
    const cold = stream.read(0, 10, MiB);
    const started = performance.now();
    for (let i = 10; i < 30; i++)
      await stream.append({ payload: payloadFor(stream.streamId, i, 1000), count: 1 });
    assert.ok(performance.now() - started < 2000, "appends completed while the read was stuck");
    store.releaseGets();
    assertRecords(await cold, stream.streamId, 0);
    await storage.shutdown();
  });

  it("a corrupt object is detected on read (CORRUPT_DATA) and never served", async () => {
    const objects = await tempDir("corrupt");
    const storage = await Storage.open({
      walPath: join(await tempDir("corrupt-wal"), "wal"),
      walCapacity: 4 * MiB,
      objectStore: new FileObjectStore(objects),
      objectManager: new MemoryObjectManager(),
      nodeId: 1,
      nodeEpoch: 1,
      logCacheBytes: 0,
    });
    const stream = await storage.openStream((await storage.createStream()).streamId, 1);
    for (let i = 0; i < 5; i++)
      await stream.append({ payload: payloadFor(stream.streamId, i, 1000), count: 1 });
    await storage.flush();
    const files = (await readdir(objects, { recursive: true })).filter((f) =>
      /^s3stream\/[0-9a-f]{3}\/\d+$/.test(f),
    );
    assert.equal(files.length, 1);
    const path = join(objects, files[0]!);
    const bytes = await readFile(path);
    bytes[100]! ^= 0x01;
    await writeFile(path, bytes);
    await assert.rejects(stream.read(0, 5, MiB), rejectsWith(ErrorCode.CORRUPT_DATA));
    await storage.shutdown();
  });
});
