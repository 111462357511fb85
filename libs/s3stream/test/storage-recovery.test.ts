// Start-up and failover recovery paths that the crash tests do not reach, and option validation.
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { MemObjectStore } from "@cirrus/object-store";
import { ErrorCode, type StreamStorageError } from "../src/errors.ts";
import { MemoryObjectManager } from "../src/memory-object-manager.ts";
import { recoverForeignWal } from "../src/recover-foreign-wal.ts";
import { Storage } from "../src/storage.ts";
import type { StorageOptions } from "../src/stream-types.ts";
import { WalFile } from "../src/wal/wal-file.ts";
import { GatedObjectStore } from "./helpers/gated-object-store.ts";
import { assertRecords, payloadFor } from "./helpers/records.ts";
import { tempDir } from "./helpers/temp-dir.ts";
import { rejectsWith } from "./object-manager-contract.ts";

const MiB = 1024 * 1024;

async function base(): Promise<StorageOptions> {
  return {
    walPath: join(await tempDir("recovery"), "wal"),
    walCapacity: 4 * MiB,
    objectStore: new MemObjectStore(),
    objectManager: new MemoryObjectManager(),
    nodeId: 1,
    nodeEpoch: 1,
    uploadThresholdBytes: 3 * MiB,
    uploadIntervalMs: 3_600_000,
  };
}

/** Appends, then abandons the storage without shutdown (as a crash would; the WAL file stays as written). */
async function crashWith(options: StorageOptions, n: number): Promise<number> {
  const storage = await Storage.open(options);
  const stream = await storage.openStream((await storage.createStream()).streamId, 1);
  for (let i = 0; i < n; i++)
    await stream.append({ payload: payloadFor(stream.streamId, stream.nextOffset), count: 1 });
  return stream.streamId;
}

describe("Storage recovery", () => {
  it("refuses to open another node's WAL as its own (WAL_INVALID)", async () => {
    const options = await base();
    await crashWith(options, 3);
    await assert.rejects(Storage.open({ ...options, nodeId: 2 }), rejectsWith(ErrorCode.WAL_INVALID));
  });

  it("adopts another node's WAL when asked: replays it, releases that node's streams, takes the WAL over", async () => {
    const options = await base();
    const streamId = await crashWith(options, 12);
    const adopted = await Storage.open({ ...options, nodeId: 5, adoptForeignWal: true });
    assert.equal(adopted.recovery.recoveredRecords, 12);
    assert.deepEqual(
      await options.objectManager.getOpeningStreams(1),
      [],
      "the old owner's streams are closed",
    );
    const stream = await adopted.openStream(streamId, 2);
    assertRecords(await stream.read(0, 12, MiB), streamId, 0);
    await adopted.shutdown();
    const again = await Storage.open({ ...options, nodeId: 5 });
    assert.equal(again.recovery.recoveredRecords, 0, "the WAL now belongs to node 5");
    await again.shutdown();
  });

  it("replays its own WAL on open, and a second replay commits nothing more", async () => {
    const options = await base();
    const streamId = await crashWith(options, 20);
    const first = await recoverForeignWal(options.walPath, { ...options, nodeId: 1 });
    assert.equal(first.recoveredRecords, 20);
    const again = await Storage.open({ ...options, nodeEpoch: 2 });
    assert.equal(again.recovery.recoveredRecords, 0, "already committed records are skipped");
    const stream = await again.openStream(streamId, 2);
    assertRecords(await stream.read(0, 20, MiB), streamId, 0);
    await again.shutdown();
  });

  it("failover skips a stream that a newer epoch already reopened, and reports it", async () => {
    const options = await base();
    const streamId = await crashWith(options, 5);
    await options.objectManager.openStream(streamId, 2, 9);
    const report = await recoverForeignWal(options.walPath, { ...options, nodeId: 3 });
    assert.equal(report.recoveredRecords, 0);
    assert.match(report.skippedStreams.get(streamId) ?? "", /epoch/);
  });

  it("refuses to overwrite a file that is not a WAL", async () => {
    const options = await base();
    await writeFile(options.walPath, "precious data");
    await assert.rejects(Storage.open(options), rejectsWith(ErrorCode.WAL_INVALID));
    assert.equal(await readFile(options.walPath, "utf8"), "precious data");
  });

  it("formats a zero-filled block file (a fresh volume) and recovers it after a crash", async () => {
    const options = await base();
    await writeFile(options.walPath, Buffer.alloc(options.walCapacity * 2));
    await crashWith(options, 7);
    const bytes = await readFile(options.walPath);
    assert.equal(await WalFile.probe(options.walPath), "wal", "a WAL header was written");
    assert.equal(bytes.length, options.walCapacity, "formatted to the WAL capacity");
    const again = await Storage.open(options);
    assert.equal(again.recovery.recoveredRecords, 7);
    await again.shutdown();
  });

  it("refuses a block file whose header area holds data that is not a WAL header", async () => {
    const options = await base();
    const bytes = Buffer.alloc(options.walCapacity);
    bytes.write("precious", 100);
    await writeFile(options.walPath, bytes);
    await assert.rejects(Storage.open(options), rejectsWith(ErrorCode.WAL_INVALID));
  });

  it("a close that cannot upload fails, keeps the data, and succeeds when retried", async () => {
    const options = await base();
    const store = new GatedObjectStore(options.objectStore);
    const storage = await Storage.open({ ...options, objectStore: store });
    const stream = await storage.openStream((await storage.createStream()).streamId, 1);
    for (let i = 0; i < 5; i++) await stream.append({ payload: payloadFor(stream.streamId, i), count: 1 });
    store.failPuts = true;
    await assert.rejects(stream.close(), (error: unknown) => {
      rejectsWith(ErrorCode.UPSTREAM_UNAVAILABLE)(error);
      assert.equal((error as StreamStorageError).retriable, true, "the object store's failure was retriable");
      return true;
    });
    await assert.rejects(
      stream.append({ payload: Buffer.alloc(1), count: 1 }),
      rejectsWith(ErrorCode.STREAM_CLOSED),
    );
    store.failPuts = false;
    await stream.close();
    const other = await Storage.open({
      ...options,
      walPath: `${options.walPath}-2`,
      nodeId: 2,
      objectStore: store,
    });
    const moved = await other.openStream(stream.streamId, 2);
    assertRecords(await moved.read(0, 5, MiB), stream.streamId, 0);
    assert.equal(moved.nextOffset, 5);
    await storage.shutdown();
    await other.shutdown();
  });

  it("reports a WAL path it cannot create as WAL_IO_ERROR", async () => {
    const options = await base();
    await assert.rejects(
      Storage.open({ ...options, walPath: join(options.walPath, "no", "such", "dir", "wal") }),
      rejectsWith(ErrorCode.WAL_IO_ERROR),
    );
  });

  it("validates options with typed errors", async () => {
    const options = await base();
    await assert.rejects(
      Storage.open({ ...options, walCapacity: 1000 }),
      rejectsWith(ErrorCode.INVALID_ARGUMENT),
    );
    await assert.rejects(Storage.open({ ...options, nodeId: -1 }), rejectsWith(ErrorCode.INVALID_ARGUMENT));
    await assert.rejects(
      Storage.open({ ...options, uploadThresholdBytes: 100 * MiB }),
      rejectsWith(ErrorCode.INVALID_ARGUMENT),
    );
    await assert.rejects(Storage.open({ ...options, walPath: "" }), rejectsWith(ErrorCode.INVALID_ARGUMENT));
  });

  it("merges the small stream objects left by repeated closes", async () => {
    const options = await base();
    const storage = await Storage.open({
      ...options,
      compaction: { intervalMs: 3_600_000, bytesPerSecond: 1024 * MiB, deleteGracePeriodMs: 0 },
    });
    const { streamId } = await storage.createStream();
    let epoch = 1;
    for (; epoch <= 3; epoch++) {
      const stream = await storage.openStream(streamId, epoch);
      for (let i = 0; i < 5; i++)
        await stream.append({ payload: payloadFor(streamId, stream.nextOffset), count: 1 });
      await stream.close();
    }
    const stream = await storage.openStream(streamId, epoch);
    assert.equal((await options.objectManager.getObjects(streamId, 0, 15, 100)).length, 3);
    await storage.compactNow();
    assert.equal((await options.objectManager.getObjects(streamId, 0, 15, 100)).length, 1);
    assertRecords(await stream.read(0, 15, MiB), streamId, 0);
    assert.equal((await options.objectStore.list("s3stream/")).length, 1, "sources deleted");
    await storage.shutdown();
  });
});
