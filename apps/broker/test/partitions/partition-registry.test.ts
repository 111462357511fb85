// The partition registry on real s3stream storage (WAL in a temp dir, in-memory object store and object
// manager): reconcile opens and closes streams, reopens on a new leader epoch, reports failed opens, and
// closing a partition hides it at once and wakes the fetches waiting on it.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { encodeRecordBatch } from "@cirrus/kafka-protocol";
import { MemObjectStore } from "@cirrus/object-store";
import { MemoryObjectManager, Storage } from "@cirrus/s3stream";
import { PartitionRegistry } from "../../src/partitions/partition-registry.ts";

const dir = mkdtempSync(join(tmpdir(), "cirrus-registry-"));
const objectManager = new MemoryObjectManager();
let storage: Storage;
const topicId = "00000000-0000-4000-8000-000000000001";
let streams: number[] = [];

before(async () => {
  storage = await Storage.open({
    walPath: join(dir, "wal"),
    walCapacity: 16 * 1024 * 1024,
    objectStore: new MemObjectStore("mem://registry"),
    objectManager,
    nodeId: 1,
    nodeEpoch: 1,
  });
  streams = await Promise.all([0, 1].map(async () => (await objectManager.createStream()).streamId));
});

after(async () => {
  await storage.shutdown();
  rmSync(dir, { recursive: true, force: true });
});

const assignment = (partition: number, leaderEpoch: number) => ({
  topicId,
  topic: "t",
  partition,
  streamId: streams[partition]!,
  leaderEpoch,
});

function batchOf(values: string[]) {
  const payload = encodeRecordBatch({ records: values.map((value) => ({ value })) });
  return { payload, count: values.length, maxTimestamp: 0 };
}

test("reconcile opens what is assigned and closes what is not, keeping offsets across a reopen", async () => {
  const opened: string[] = [];
  const registry = new PartitionRegistry(storage, (p) => opened.push(p.key));
  const first = await registry.reconcile([assignment(0, 1), assignment(1, 1)]);
  assert.deepEqual(first, { opened: 2, closed: 0, failed: [] });
  assert.equal(opened.length, 2);
  const p0 = registry.byName("t", 0)!;
  assert.equal(registry.byId(topicId, 0), p0);
  assert.equal(await p0.append([batchOf(["a", "b"])]), 0);
  assert.equal(await p0.append([batchOf(["c"])]), 2);
  assert.equal(p0.highWatermark, 3);

  const second = await registry.reconcile([assignment(1, 1)]);
  assert.deepEqual(second, { opened: 0, closed: 1, failed: [] });
  assert.equal(registry.byName("t", 0), undefined, "closed partitions are gone from lookup");
  assert.equal(p0.closed, true);
  await assert.rejects(p0.append([batchOf(["late"])]), /closed/);

  await registry.reconcile([assignment(0, 2), assignment(1, 1)]);
  const reopened = registry.byName("t", 0)!;
  assert.equal(reopened.leaderEpoch, 2);
  assert.equal(reopened.highWatermark, 3, "the new owner continues where the stream ended");
  assert.equal(await reopened.append([batchOf(["d"])]), 3);
  const { chunks } = await reopened.read(0, 1 << 20);
  assert.equal(chunks.length, 3);
  await registry.closeAll();
});

test("a new leader epoch closes and reopens the partition; a stale one fails to open and is reported", async () => {
  const registry = new PartitionRegistry(storage);
  await registry.reconcile([assignment(1, 3)]);
  const before = registry.byName("t", 1)!;
  const result = await registry.reconcile([assignment(1, 4)]);
  assert.equal(result.closed, 1);
  assert.equal(result.opened, 1);
  assert.notEqual(registry.byName("t", 1), before);
  const stale = await registry.reconcile([assignment(1, 2)]);
  assert.equal(stale.failed.length, 1, "opening at an older epoch is refused by the stream");
  assert.equal(registry.byName("t", 1), undefined);
  await registry.closeAll();
});

test("closing a partition wakes the fetches waiting on it", async () => {
  const registry = new PartitionRegistry(storage);
  await registry.reconcile([assignment(1, 5)]);
  const p1 = registry.byName("t", 1)!;
  const waiting = registry.notifier.wait({ keys: [p1.key], timeoutMs: 10_000, onAppend: () => false });
  const started = performance.now();
  await registry.closeAll();
  assert.equal(await waiting, "aborted");
  assert.ok(performance.now() - started < 5_000);
  assert.equal(registry.size, 0);
});

test("a stream that fails an append is dropped at once and reopened by the next reconcile", async () => {
  let captured: { markClosed(error: Error): void } | undefined;
  const registry = new PartitionRegistry({
    openStream: async (streamId, epoch) => {
      const stream = await storage.openStream(streamId, epoch);
      captured = stream as unknown as { markClosed(error: Error): void };
      return stream;
    },
  });
  const dropped: string[] = [];
  registry.onDropped = (p) => dropped.push(p.key);
  await registry.reconcile([assignment(0, 6)]);
  const p0 = registry.byName("t", 0)!;
  const end = p0.highWatermark;
  // What s3stream does when an upload of this stream is refused or its WAL write fails.
  captured!.markClosed(Object.assign(new Error("WAL write failed"), { code: "WAL_IO_ERROR" }));
  await assert.rejects(p0.append([batchOf(["lost"])]));
  assert.deepEqual(dropped, [p0.key]);
  assert.equal(registry.byName("t", 0), undefined, "not served while broken");
  await registry.reconcile([assignment(0, 6)]);
  const reopened = registry.byName("t", 0)!;
  assert.equal(await reopened.append([batchOf(["kept"])]), end, "no offset was taken by the failed append");
  await registry.closeAll();
});
