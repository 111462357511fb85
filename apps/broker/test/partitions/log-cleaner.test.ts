// Log compaction on real s3stream storage (log-cleaner-kit.ts): a keyed partition with updates and tombstones
// compacts to the last value per key with its original offsets; the log start and end are unchanged; the
// rewritten objects replace the old ones, whose bytes the object compactor then deletes; a pass with nothing
// new rewrites nothing; tombstones go after delete.retention.ms; another owner reads the same log and knows it
// is clean; min.compaction.lag.ms and an open transaction hold cleaning back, and once it aborts its records go
// (its marker: log-cleaner-aborts.test.ts); a fenced old owner's pass racing the new owner's loses at the
// commit and nothing is lost or doubled; the cleaner runs only on compacted, known, non-internal topics.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  encodeRecordBatch,
  ErrorCode as KafkaErrorCode,
  readRecordBatchHeader,
} from "@cirrus/kafka-protocol";
import { ErrorCode, type ObjectManager } from "@cirrus/s3stream";
import { cleanerStateKey, cleanPartition } from "../../src/partitions/log-cleaner.ts";
import { LogCleaner } from "../../src/partitions/log-cleaner-enforcer.ts";
import { cleanerPolicyOf } from "../../src/partitions/log-cleaner-policy.ts";
import type { Partition } from "../../src/partitions/partition.ts";
import { ProducerStateManager } from "../../src/producers/index.ts";
import { rebuildTxnIndex } from "../../src/producers/rebuild-txn-index.ts";
import { appendTxnMarker } from "../../src/transactions/marker-append.ts";
import {
  checkpoints,
  cluster,
  HOUR,
  LIMITS,
  NOW,
  OLD,
  openOn,
  openStorage,
  openWithProducerState,
  policy,
  put,
  readAll,
  states,
  storedBytes,
  transaction,
} from "./log-cleaner-kit.ts";

describe("log compaction on s3stream", () => {
  it("keeps the last record per key at its offset, replaces the objects, then drops tombstones", async () => {
    const storageA = await openStorage(1);
    const streamId = await cluster.createStream();
    const onA = await openOn(storageA, streamId, 1);
    await put(onA, [
      ["a", "a1"],
      ["b", "b1"],
      ["c", "c1"],
      ["a", "a2"],
      ["d", "d1"],
    ]);
    await storageA.flush();
    await put(onA, [
      ["b", "b2"],
      ["c", null],
      ["a", "a3"],
    ]);
    await storageA.flush();
    const before = await readAll(onA);
    assert.equal(before.length, 8);

    // Still in a stream set object: nothing is cleanable (the active tail is never touched).
    assert.deepEqual(await cleanPartition(onA, storageA, states, policy, NOW, LIMITS), {
      cleaned: false,
      why: "nothing-cleanable",
    });
    await storageA.compactNow(); // moves the stream's data to a stream object of its own
    const bytesBefore = await storedBytes();
    const outcome = await cleanPartition(onA, storageA, states, policy, NOW, LIMITS);
    assert.ok(outcome.cleaned);
    assert.deepEqual([outcome.from, outcome.to, outcome.recordsRemoved], [0, 8, 4]);
    assert.equal(outcome.rewrite.objectsRewritten, 1);
    assert.ok(outcome.rewrite.bytesAfter < outcome.rewrite.bytesBefore);

    const expected: [number, string, string | null][] = [
      [3 + 1, "d", "d1"],
      [5, "b", "b2"],
      [6, "c", null],
      [7, "a", "a3"],
    ];
    assert.deepEqual(await readAll(onA), expected, "last value per key, original offsets, tombstone kept");
    assert.deepEqual(
      await readAll(onA, 5),
      expected.slice(1),
      "a fetch from an offset inside reads the rest",
    );
    assert.deepEqual(
      [onA.logStartOffset, onA.highWatermark],
      [0, 8],
      "ListOffsets earliest / latest unchanged",
    );
    await storageA.compactNow(); // the replaced object is unreferenced: its bytes go
    assert.ok((await storedBytes()) < bytesBefore, "the topic's bytes in the object store shrank");
    assert.deepEqual(await cluster.objectManager.getUnreferencedObjects(0, 100), []);

    // The state lies beside the checkpoints (a cluster purge deletes both); the checkpoint store ignores it.
    const keys = (await cluster.objectStore.list(`checkpoints/${streamId}/`)).map((o) => o.key);
    assert.ok(keys.includes(cleanerStateKey(streamId)));
    for (const offset of await checkpoints.list(streamId)) assert.ok(Number.isSafeInteger(offset));
    assert.deepEqual((await states.get(streamId))?.cleanOffset, 8);
    const damaged = await cluster.createStream();
    await cluster.objectStore.put(cleanerStateKey(damaged), Buffer.from("{not json"));
    assert.equal(await states.get(damaged), undefined, "a damaged state reads as none");

    // Nothing new: below the dirty ratio, nothing rewritten.
    assert.deepEqual(await cleanPartition(onA, storageA, states, policy, NOW, LIMITS), {
      cleaned: false,
      why: "below-dirty-ratio",
    });

    // Another owner reads the same log, and knows what is clean.
    await onA.close();
    await storageA.shutdown();
    const storageB = await openStorage(2);
    const onB = await openOn(storageB, streamId, 2);
    assert.deepEqual(await readAll(onB), expected);
    assert.deepEqual(await cleanPartition(onB, storageB, states, policy, NOW, LIMITS), {
      cleaned: false,
      why: "below-dirty-ratio",
    });
    // Past delete.retention.ms after the pass that kept it, the tombstone goes too (below the dirty ratio).
    const later = await cleanPartition(onB, storageB, states, policy, NOW + HOUR + 1, LIMITS);
    assert.ok(later.cleaned);
    assert.equal(later.why, "delete-horizon");
    assert.deepEqual(await readAll(onB), [expected[0], expected[1], expected[3]]);
    assert.equal(onB.highWatermark, 8);
    await onB.close();
  });

  it("min.compaction.lag.ms and an open transaction hold the cleanable end back; an aborted one is removed", async () => {
    const storage = await openStorage(3);
    const partition = await openOn(storage, await cluster.createStream(), 1);
    await put(partition, [
      ["k", "old"],
      ["k", "older-than-lag"],
    ]);
    await put(partition, [["k", "recent"]], NOW);
    await storage.flush();
    await storage.compactNow();
    const lagged = cleanerPolicyOf({ "cleanup.policy": "compact", "min.compaction.lag.ms": String(HOUR) });
    const outcome = await cleanPartition(partition, storage, states, lagged, NOW, LIMITS);
    assert.ok(outcome.cleaned);
    assert.equal(outcome.to, 2, "the recent record is not cleanable yet");
    assert.deepEqual(await readAll(partition), [
      [1, "k", "older-than-lag"],
      [2, "k", "recent"],
    ]);

    // An open transaction: the last stable offset bounds the pass.
    const gate = new ProducerStateManager();
    await gate.load(partition);
    const txn = encodeRecordBatch({
      producerId: 9n,
      producerEpoch: 0,
      baseSequence: 0,
      isTransactional: true,
      records: [{ key: "t", value: "open", timestamp: BigInt(OLD) }],
    });
    const header = readRecordBatchHeader(txn);
    assert.equal(gate.admit(partition, header, partition.nextOffset).kind, "append");
    const txnOffset = await partition.append([{ payload: txn, count: 1, maxTimestamp: OLD }]);
    gate.settle(partition, header, txnOffset, true);
    await put(partition, [["k", "after-the-transaction"]]);
    await storage.flush();
    await storage.compactNow();
    const eager = cleanerPolicyOf({ "cleanup.policy": "compact", "min.cleanable.dirty.ratio": "0.01" });
    const held = await cleanPartition(partition, storage, states, eager, NOW, LIMITS);
    assert.ok(held.cleaned);
    assert.equal(held.to, 3, "stops at the open transaction's first offset");
    assert.deepEqual(
      (await readAll(partition)).map(([o]) => o),
      [2, 3, 4],
      "the record after it is kept",
    );

    // The transaction aborts: its records go at the next pass, its marker stays, and the key it wrote does not
    // hide anything.
    const marker = { producerId: 9n, producerEpoch: 0, committed: false, coordinatorEpoch: 1 };
    assert.equal(await appendTxnMarker(partition, gate, marker, () => true), KafkaErrorCode.NONE);
    await put(partition, [["z", "after-the-marker"]]);
    await storage.flush();
    await storage.compactNow();
    const released = await cleanPartition(partition, storage, states, eager, NOW, LIMITS);
    assert.ok(released.cleaned);
    assert.equal(released.to, 7);
    assert.deepEqual(await readAll(partition), [
      [4, "k", "after-the-transaction"],
      [5, "(marker)", null],
      [6, "z", "after-the-marker"],
    ]);
    await partition.close();
  });

  it("a commit marker goes after delete.retention.ms once its transaction has no record left; nothing stays open", async () => {
    const { storage, streamId, partition, gate } = await openWithProducerState(4);
    /** A committed transaction of `producerId` writing k=value; returns its marker's offset. */
    /** A committed transaction of `producerId` writing k=value; returns its marker's offset. */
    const committedTxn = (on: Partition, producerId: bigint, value: string) =>
      transaction(gate, on, producerId, "k", value, true);
    const markerAt = await committedTxn(partition, 11n, "in-txn");
    await put(partition, [["k", "after"]]);
    await storage.flush();
    await storage.compactNow();
    const stamped = await cleanPartition(partition, storage, states, policy, NOW, LIMITS);
    assert.ok(stamped.cleaned);
    assert.deepEqual(await readAll(partition), [
      [markerAt, "(marker)", null],
      [2, "k", "after"],
    ]);
    assert.equal((await states.get(streamId))?.deleteHorizonMs, NOW + HOUR, "the marker's horizon is due");
    const removed = await cleanPartition(partition, storage, states, policy, NOW + HOUR + 1, LIMITS);
    assert.ok(removed.cleaned);
    assert.equal(removed.why, "delete-horizon");
    assert.equal(removed.recordsRemoved, 1);
    assert.deepEqual(await readAll(partition), [
      [markerAt, "(removed marker)", null],
      [2, "k", "after"],
    ]);
    assert.deepEqual([partition.logStartOffset, partition.highWatermark], [0, 3], "offsets preserved");

    // Nothing is left open: a full scan, and another owner from the checkpoint written at the close.
    const scanned = await rebuildTxnIndex(partition, 1 << 20);
    assert.equal(scanned.index.lastStableOffset(3), 3);
    await partition.close();
    await storage.shutdown();
    const storageB = await openStorage(5);
    const onB = await openOn(storageB, streamId, 2);
    assert.equal((await onB.checkpoints.catchUp()).txns.lastStableOffset(onB.highWatermark), 3);
    await gate.load(onB);
    assert.equal(gate.transactions(onB)?.lastStableOffset(onB.highWatermark), 3);

    // A checkpoint stored below a marker holds it: a reload from there would fold the log past it.
    const heldAt = await committedTxn(onB, 12n, "second");
    await put(onB, [["k", "after-second"]]);
    await storageB.flush();
    await storageB.compactNow();
    assert.ok((await checkpoints.list(streamId)).some((o) => o <= heldAt));
    const first = await cleanPartition(onB, storageB, states, policy, NOW, LIMITS);
    assert.ok(
      first.cleaned && first.recordsRemoved === 2,
      "k=after and the second transaction's k superseded",
    );
    // The held marker is not stamped: no horizon is due, so no pass runs for it later.
    assert.deepEqual(await cleanPartition(onB, storageB, states, policy, NOW + 3 * HOUR, LIMITS), {
      cleaned: false,
      why: "below-dirty-ratio",
    });
    const rows = await readAll(onB);
    assert.deepEqual(
      rows.find(([o]) => o === heldAt),
      [heldAt, "(marker)", null],
    );
    assert.deepEqual(rows.at(-1), [heldAt + 1, "k", "after-second"]);
    await onB.close();
  });

  it("a fenced old owner's pass racing the new owner's: the object is replaced once, nothing lost or doubled", async () => {
    // A's commits wait until B's pass is done: A read and rewrote the object, B replaced it meanwhile.
    let releaseA = () => {};
    const bDone = new Promise<void>((resolve) => {
      releaseA = resolve;
    });
    const real = cluster.objectManager;
    const gated = new Proxy(real, {
      get(target, property) {
        if (property === "commitStreamObject") {
          return async (request: Parameters<ObjectManager["commitStreamObject"]>[0]) => {
            if (request.sourceObjectIds.length > 0) await bDone;
            return real.commitStreamObject(request);
          };
        }
        const value = Reflect.get(target, property, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const storageA = await openStorage(5, gated);
    const streamId = await cluster.createStream();
    const onA = await openOn(storageA, streamId, 1);
    for (let round = 0; round < 4; round++) {
      await put(
        onA,
        ["k0", "k1", "k2", "k3", "k4"].map((k) => [k, `${k}-${round}`]),
      );
    }
    await storageA.flush();
    await storageA.compactNow();
    // The partition moves while A still has it open (A is fenced, and does not know it yet).
    const storageB = await openStorage(6);
    const onB = await openOn(storageB, streamId, 2);
    const passA = cleanPartition(onA, storageA, states, policy, NOW, LIMITS);
    const passB = await cleanPartition(onB, storageB, states, policy, NOW, LIMITS);
    releaseA();
    assert.ok(passB.cleaned && passB.rewrite.objectsRewritten === 1, "the new owner replaced the object");
    await assert.rejects(
      passA,
      (error: Error & { code?: string }) => error.code === ErrorCode.OBJECT_NOT_FOUND,
    );
    const expected = ["k0", "k1", "k2", "k3", "k4"].map((k, i): [number, string, string] => [
      15 + i,
      k,
      `${k}-3`,
    ]);
    assert.deepEqual(await readAll(onB), expected, "the last value of each key, once, at its offset");
    const objects = await cluster.objectManager.getObjects(streamId, 0, 20, 100);
    assert.deepEqual(
      objects.map((o) => [o.ranges[0]!.startOffset, o.ranges[0]!.endOffset]),
      [[0, 20]],
      "one object covers the log: no hole, no overlap",
    );
    await onB.close();
    await onA.close().catch(() => {}); // fenced: its close may be refused
  });

  it("the cleaner runs over compacted, known, non-internal partitions only", async () => {
    const storage = await openStorage(4);
    const make = async (topic: string) => {
      const p = await openOn(storage, await cluster.createStream(), 1, topic);
      await put(p, [
        ["x", "1"],
        ["x", "2"],
      ]);
      return p;
    };
    const [compacted, deleted, unknown, internal] = await Promise.all(
      ["compacted", "deleted", "unknown", "__consumer_offsets"].map(make),
    );
    await storage.flush();
    await storage.compactNow();
    const logged: string[] = [];
    const cleaner = new LogCleaner({
      intervalMs: 1e9,
      partitions: () => [compacted!, deleted!, unknown!, internal!],
      policies: async () => (topic) =>
        topic === "unknown" ? undefined : topic === "deleted" ? cleanerPolicyOf({}) : policy,
      storage: () => storage,
      store: {
        get: (streamId) => {
          reads++;
          return states.get(streamId);
        },
        put: (streamId, state) => states.put(streamId, state),
      },
      limits: LIMITS,
      canWrite: () => true,
      now: () => NOW,
      log: (message) => logged.push(message),
    });
    let reads = 0;
    const outcomes = await cleaner.cleanNow();
    assert.deepEqual([...outcomes.keys()], [compacted!.key]);
    assert.deepEqual(await cleaner.cleanNow().then((o) => o.get(compacted!.key)), {
      cleaned: false,
      why: "below-dirty-ratio",
    });
    assert.equal(reads, 1, "the stored state is read once per opened partition, not once per round");
    assert.equal(cleaner.stats.passes, 1);
    assert.equal(cleaner.stats.recordsRemoved, 1);
    assert.ok(cleaner.stats.bytesAfter < cleaner.stats.bytesBefore);
    assert.equal((await readAll(compacted!)).length, 1);
    for (const p of [deleted!, unknown!, internal!]) assert.equal((await readAll(p)).length, 2, p.topic);
    assert.equal(logged.length, 1);
    await cleaner.stop();
  });
});
