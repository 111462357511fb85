// A node fenced while its WAL holds records the object index lacks (the control plane was away past the lease,
// then fenced every broker at once). Its commits are refused from then on, so its storage must let go of the WAL
// without losing anything, and its next epoch must replay that same WAL before serving. A WAL that went missing
// underneath (a volume detached) must never be replaced by a freshly formatted one.
import assert from "node:assert/strict";
import { access, rm } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { MemObjectStore } from "@cirrus/object-store";
import { ErrorCode, type StreamStorageError } from "../src/errors.ts";
import { MemoryObjectManager } from "../src/memory-object-manager.ts";
import { Storage } from "../src/storage.ts";
import type { StorageOptions } from "../src/stream-types.ts";
import { assertRecords, payloadFor } from "./helpers/records.ts";
import { tempDir } from "./helpers/temp-dir.ts";
import { rejectsWith } from "./object-manager-contract.ts";

const MiB = 1024 * 1024;

/** The object index with the control plane's view of node epochs: node 1 registered at epoch 1. */
async function options(): Promise<StorageOptions & { objectManager: MemoryObjectManager }> {
  const objectManager = new MemoryObjectManager();
  objectManager.registerNode(1, 1);
  return {
    walPath: join(await tempDir("fenced"), "wal"),
    walCapacity: 4 * MiB,
    objectStore: new MemObjectStore(),
    objectManager,
    nodeId: 1,
    nodeEpoch: 1,
    uploadThresholdBytes: 3 * MiB,
    uploadIntervalMs: 3_600_000,
  };
}

async function acked(storage: Storage, n: number): Promise<number> {
  const stream = await storage.openStream((await storage.createStream()).streamId, 1);
  for (let i = 0; i < n; i++)
    await stream.append({ payload: payloadFor(stream.streamId, stream.nextOffset), count: 1 });
  return stream.streamId;
}

describe("Storage of a fenced node", () => {
  it("abandon() keeps every acked record in the WAL; the next epoch replays and serves them", async () => {
    const opts = await options();
    const storage = await Storage.open(opts);
    const streamId = await acked(storage, 25);
    opts.objectManager.fenceNode(1, 1); // fenced: the lease of epoch 1 ran out
    await storage.abandon();
    await storage.abandon(); // idempotent
    await storage.shutdown(); // after abandon: nothing more, no commit attempted
    assert.equal((await opts.objectManager.describeStream(streamId)).endOffset, 0, "nothing was committed");
    opts.objectManager.registerNode(1, 2); // the node came back under a new epoch
    const next = await Storage.open({ ...opts, nodeEpoch: 2, requireExistingWal: true });
    assert.equal(next.recovery.recoveredRecords, 25);
    assert.equal((await opts.objectManager.describeStream(streamId)).endOffset, 25);
    const stream = await next.openStream(streamId, 2);
    assertRecords(await stream.read(0, 25, MiB), streamId, 0);
    await next.shutdown();
  });

  it("appends after abandon() fail with STREAM_CLOSED and never reach the WAL", async () => {
    const opts = await options();
    const storage = await Storage.open(opts);
    const stream = await storage.openStream((await storage.createStream()).streamId, 1);
    await stream.append({ payload: payloadFor(stream.streamId, 0), count: 1 });
    opts.objectManager.fenceNode(1, 1);
    await storage.abandon();
    await assert.rejects(
      stream.append({ payload: payloadFor(stream.streamId, 1), count: 1 }),
      rejectsWith(ErrorCode.STREAM_CLOSED),
    );
    const next = await Storage.open({ ...opts, nodeEpoch: 2 });
    assert.equal(next.recovery.recoveredRecords, 1);
    await next.shutdown();
  });

  it("a shutdown whose upload is refused lets go of the WAL and leaves its records for the next open", async () => {
    const opts = await options();
    const storage = await Storage.open(opts);
    const streamId = await acked(storage, 7);
    opts.objectManager.fenceNode(1, 1);
    await assert.rejects(storage.shutdown());
    assert.equal(
      (await opts.objectManager.getOpeningStreams(1)).length,
      1,
      "the stream stays open: closing it would end it before its WAL records",
    );
    opts.objectManager.registerNode(1, 2);
    const next = await Storage.open({ ...opts, nodeEpoch: 2 });
    assert.equal(next.recovery.recoveredRecords, 7);
    assertRecords(await (await next.openStream(streamId, 2)).read(0, 7, MiB), streamId, 0);
    await next.shutdown();
  });

  it("requireExistingWal refuses to format a WAL where one is expected (WAL_MISSING, retriable)", async () => {
    const opts = await options();
    const storage = await Storage.open(opts);
    await acked(storage, 3);
    await storage.abandon();
    await rm(opts.walPath); // the volume was detached underneath
    const error = await Storage.open({ ...opts, nodeEpoch: 2, requireExistingWal: true }).catch((e) => e);
    assert.equal((error as StreamStorageError).code, ErrorCode.WAL_MISSING);
    assert.equal((error as StreamStorageError).retriable, true);
    await assert.rejects(access(opts.walPath), "no WAL was created");
  });
});
