// Retention on real s3stream storage (WAL in a temp dir, in-memory object store and object manager shared by
// the "brokers"): old batches leave the log (earliest offset past them, fetches below it OFFSET_OUT_OF_RANGE),
// new ones still read, the log start survives a move to another owner, the objects wholly below it become
// unreferenced and the compactor deletes their bytes; retention.bytes cuts on a batch boundary inside a
// granule; an open transaction holds retention at its first offset until its marker is written.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { ErrorCode, encodeRecordBatch, readRecordBatchHeader } from "@cirrus/kafka-protocol";
import { Storage } from "@cirrus/s3stream";
import { kafkaErrorCodeOf } from "../../src/handlers/kafka-error-codes.ts";
import { AppendNotifier } from "../../src/partitions/append-notifier.ts";
import { ObjectStoreCheckpointStore } from "../../src/partitions/checkpoint-store.ts";
import { Partition } from "../../src/partitions/partition.ts";
import { applyRetention } from "../../src/partitions/retention.ts";
import { RetentionEnforcer } from "../../src/partitions/retention-enforcer.ts";
import { retentionPolicyOf } from "../../src/partitions/retention-policy.ts";
import { ProducerStateManager } from "../../src/producers/index.ts";
import { appendTxnMarker } from "../../src/transactions/marker-append.ts";
import { StreamCluster } from "../groups/stream-test-kit.ts";

const cluster = new StreamCluster();
const dirs: string[] = [];
after(async () => {
  await cluster.close();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});
const store = new ObjectStoreCheckpointStore(cluster.objectStore);
const NOW = Date.now();
const HOUR_AGO = NOW - 3_600_000;
const value = "v".repeat(200);

async function openOn(storage: Storage, streamId: number, epoch: number): Promise<Partition> {
  const stream = await storage.openStream(streamId, epoch);
  const identity = {
    topic: "t",
    topicId: "00000000000000000000000000000001",
    partition: 0,
    leaderEpoch: epoch,
    streamId,
  };
  return new Partition(identity, stream, new AppendNotifier(), undefined, {
    store,
    granuleBytes: 2048,
    tickMs: 1e9,
  });
}

/** Appends `n` one-record batches stamped `timestamp`; returns the size of one. */
async function appendBatches(partition: Partition, n: number, timestamp: number): Promise<number> {
  let size = 0;
  for (let i = 0; i < n; i++) {
    const payload = encodeRecordBatch({ records: [{ value, timestamp: BigInt(timestamp) }] });
    size = payload.length;
    await partition.append([{ payload, count: 1, maxTimestamp: timestamp }]);
  }
  return size;
}

const outOfRange = (error: unknown) => kafkaErrorCodeOf(error) === ErrorCode.OFFSET_OUT_OF_RANGE;

async function storedBytes(): Promise<number> {
  let total = 0;
  for (const o of await cluster.objectStore.list("s3stream/")) total += o.size;
  return total;
}

describe("retention on s3stream", () => {
  it("deletes the batches older than retention.ms, durably, and their objects' bytes are reclaimed", async () => {
    const dir = await mkdtemp(join(tmpdir(), "cirrus-retention-"));
    dirs.push(dir);
    // A broker whose compactor deletes unreferenced objects at once (grace 0), run by hand below.
    const storageA = await Storage.open({
      walPath: join(dir, "wal"),
      walCapacity: 8 * 1024 * 1024,
      objectStore: cluster.objectStore,
      objectManager: cluster.objectManager,
      nodeId: 1,
      nodeEpoch: 1,
      logCacheBytes: 0,
      compaction: { intervalMs: 1e9, bytesPerSecond: 1e9, deleteGracePeriodMs: 0 },
    });
    const streamId = await cluster.createStream();
    const onA = await openOn(storageA, streamId, 1);
    await appendBatches(onA, 20, HOUR_AGO);
    await storageA.flush(); // the old batches alone in one object
    await appendBatches(onA, 10, NOW);
    await storageA.flush();
    const before = await storedBytes();
    const policy = retentionPolicyOf({ "retention.ms": "60000" });

    const outcome = await applyRetention(onA, policy, NOW);
    assert.deepEqual(outcome, { fromOffset: 0, toOffset: 20, limitOffset: 30 });
    assert.equal(onA.logStartOffset, 20, "ListOffsets earliest answers the first new batch");
    await assert.rejects(onA.read(5, 1 << 20), outOfRange);
    assert.equal((await onA.read(20, 1 << 20)).chunks.length, 10);
    assert.deepEqual(await applyRetention(onA, policy, NOW), {
      fromOffset: 20,
      toOffset: 20,
      limitOffset: 30,
    });

    // The object holding only old batches left the index; the compactor deletes its bytes.
    assert.ok((await cluster.objectManager.getUnreferencedObjects(0, 100)).length >= 1);
    await storageA.compactNow();
    assert.deepEqual(await cluster.objectManager.getUnreferencedObjects(0, 100), []);
    assert.ok((await storedBytes()) < before, "the old batches' bytes left the object store");

    // Another owner opens the partition where retention left it.
    await onA.close();
    await storageA.shutdown();
    const onB = await openOn(await cluster.openBroker(2), streamId, 2);
    assert.equal(onB.logStartOffset, 20);
    await assert.rejects(onB.read(0, 1 << 20), outOfRange);
    assert.equal((await onB.read(20, 1 << 20)).chunks.length, 10);
    await onB.close();
  });

  it("retention.bytes keeps at least that many bytes, cutting on a batch boundary inside a granule", async () => {
    const streamId = await cluster.createStream();
    const partition = await openOn(await cluster.openBroker(3), streamId, 1);
    const size = await appendBatches(partition, 30, NOW);
    // Granules hold ~2048 bytes: 19 is no granule boundary with batches of this size.
    assert.ok(2048 % size !== 0 && 19 % Math.ceil(2048 / size) !== 0);
    const policy = retentionPolicyOf({ "retention.bytes": String(10 * size + 1) });
    const outcome = await applyRetention(partition, policy, NOW);
    assert.equal(outcome.toOffset, 19, "11 batches (more than 10 + 1 byte) stay");
    assert.equal((await partition.read(19, 1 << 20)).chunks.length, 11);
    // -1 (no limit) and a compact-only topic delete nothing.
    const all = { "retention.ms": "1", "retention.bytes": "0" };
    assert.equal(
      (await applyRetention(partition, retentionPolicyOf({ ...all, "cleanup.policy": "compact" }), NOW))
        .toOffset,
      19,
    );
    assert.equal(
      (await applyRetention(partition, retentionPolicyOf({ "retention.ms": "-1" }), NOW)).toOffset,
      19,
    );
    await partition.close();
  });

  it("an open transaction holds retention at its first offset until its marker is written", async () => {
    const streamId = await cluster.createStream();
    const partition = await openOn(await cluster.openBroker(4), streamId, 1);
    const gate = new ProducerStateManager();
    await gate.load(partition);
    await appendBatches(partition, 5, HOUR_AGO);
    const payload = encodeRecordBatch({
      producerId: 7n,
      producerEpoch: 0,
      baseSequence: 0,
      isTransactional: true,
      records: [{ value: "in a transaction", timestamp: BigInt(HOUR_AGO) }],
    });
    const header = readRecordBatchHeader(payload);
    assert.equal(gate.admit(partition, header, partition.nextOffset).kind, "append");
    const txnOffset = await partition.append([{ payload, count: 1, maxTimestamp: HOUR_AGO }]);
    gate.settle(partition, header, txnOffset, true);
    await appendBatches(partition, 5, HOUR_AGO);
    const policy = retentionPolicyOf({ "retention.ms": "60000" });

    const held = await applyRetention(partition, policy, NOW);
    assert.deepEqual(held, { fromOffset: 0, toOffset: 5, limitOffset: 5 });
    const marker = { producerId: 7n, producerEpoch: 0, committed: true, coordinatorEpoch: 1 };
    assert.equal(await appendTxnMarker(partition, gate, marker, () => true), ErrorCode.NONE);
    // The marker is stamped now: everything before it goes, the marker stays.
    const released = await applyRetention(partition, policy, NOW);
    assert.deepEqual(released, { fromOffset: 5, toOffset: 11, limitOffset: 12 });
    await partition.close();
  });

  it("the enforcer checks served partitions of known topics only, never internal ones", async () => {
    const storage = await cluster.openBroker(5);
    const user = await openOn(storage, await cluster.createStream(), 1);
    const unknown = await cluster.openPartition(storage, await cluster.createStream(), 1, "not-in-metadata");
    const internal = await cluster.openPartition(
      storage,
      await cluster.createStream(),
      1,
      "__consumer_offsets",
    );
    for (const p of [user, unknown, internal]) await appendBatches(p, 3, HOUR_AGO);
    const logged: string[] = [];
    const enforcer = new RetentionEnforcer({
      intervalMs: 1e9,
      partitions: () => [user, unknown, internal],
      policies: async () => (topic) =>
        topic === "not-in-metadata" ? undefined : retentionPolicyOf({ "retention.ms": "1000" }),
      canTrim: () => true,
      now: () => NOW,
      log: (message) => logged.push(message),
    });
    const round = await enforcer.checkNow();
    assert.deepEqual(round, { checked: 1, trimmed: [{ key: user.key, from: 0, to: 3 }], failed: 0 });
    assert.equal(unknown.logStartOffset, 0);
    assert.equal(internal.logStartOffset, 0);
    // Topic configs unavailable: nothing is checked, and it is said.
    const blind = new RetentionEnforcer({
      intervalMs: 1e9,
      partitions: () => [unknown],
      policies: () => Promise.reject(new Error("control plane down")),
      canTrim: () => true,
      log: (message) => logged.push(message),
    });
    assert.deepEqual(await blind.checkNow(), { checked: 0, trimmed: [], failed: 1 });
    assert.ok(logged.some((m) => m.includes("topic configs unavailable")));
    // A broker that may not write (lease lost, shutting down) checks nothing.
    const fenced = new RetentionEnforcer({
      intervalMs: 1e9,
      partitions: () => [unknown, internal],
      policies: async () => () => retentionPolicyOf({ "retention.ms": "1000" }),
      canTrim: () => false,
      now: () => NOW,
      log: (message) => logged.push(message),
    });
    assert.deepEqual(await fenced.checkNow(), { checked: 0, trimmed: [], failed: 0 });
    assert.equal(unknown.logStartOffset, 0);
    await fenced.stop();
    await enforcer.stop();
    await blind.stop();
    for (const p of [user, unknown, internal]) await p.close();
  });
});
