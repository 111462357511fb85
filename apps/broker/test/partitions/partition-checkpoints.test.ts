// Partition checkpoints on real s3stream storage (WAL in a temp dir, in-memory object store shared by the
// "brokers"): a graceful move writes a final checkpoint so the new owner replays nothing; a broker that dies
// between checkpoints leaves a tail the next owner replays; either way the producer gate and ListOffsets
// answer as a full scan does, and the checkpoint objects sit under checkpoints/<streamId>/.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { ErrorCode, encodeRecordBatch, readRecordBatchHeader } from "@cirrus/kafka-protocol";
import type { Storage } from "@cirrus/s3stream";
import { AppendNotifier } from "../../src/partitions/append-notifier.ts";
import { ObjectStoreCheckpointStore } from "../../src/partitions/checkpoint-store.ts";
import { Partition } from "../../src/partitions/partition.ts";
import { PartitionRegistry } from "../../src/partitions/partition-registry.ts";
import { MAX_STATE_TIMESTAMP, stateTimestamp } from "../../src/partitions/state-timestamp.ts";
import { ProducerStateManager, rebuildProducerState } from "../../src/producers/index.ts";
import type { PartitionTxnIndex } from "../../src/producers/partition-txn-index.ts";
import { rebuildTxnIndex } from "../../src/producers/rebuild-txn-index.ts";
import { appendTxnMarker } from "../../src/transactions/marker-append.ts";
import { StreamCluster } from "../groups/stream-test-kit.ts";

const cluster = new StreamCluster();
after(() => cluster.close());
const store = new ObjectStoreCheckpointStore(cluster.objectStore);
/** Realistic timestamps: producers idle for a day are expired (Kafka's producer.id.expiration.ms). */
const T0 = Date.now();
const stateOptions = { producerIdleExpiryMs: 86_400_000, maxProducers: 1000 };

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

/** What the Produce handler does: admit, append, settle. */
async function produce(
  gate: ProducerStateManager,
  partition: Partition,
  producerId: bigint,
  seq: number,
  ts: number,
) {
  const payload = encodeRecordBatch({
    producerId,
    producerEpoch: 0,
    baseSequence: seq,
    records: [0, 1, 2].map((i) => ({ value: `v${seq + i}`, timestamp: BigInt(ts) })),
  });
  const header = readRecordBatchHeader(payload);
  const offset = partition.nextOffset;
  const verdict = gate.admit(partition, header, offset);
  if (verdict.kind !== "append") return verdict;
  await partition.append([{ payload, count: 3, maxTimestamp: stateTimestamp(ts, 0) }]);
  gate.settle(partition, header, offset, true);
  return { kind: "appended" as const, offset };
}

async function assertLikeFullScan(partition: Partition) {
  const fromCheckpoint = await partition.checkpoints.producerState(stateOptions);
  const scanned = await rebuildProducerState(partition, { ...stateOptions, rebuildReadBytes: 64 * 1024 });
  assert.deepEqual(fromCheckpoint.snapshot(), scanned.snapshot());
}

describe("partition checkpoints on s3stream", () => {
  it("a graceful move hands over a checkpoint at the high watermark; a crash leaves a tail to replay", async () => {
    const streamId = await cluster.createStream();
    const onA = await openOn(await cluster.openBroker(1), streamId, 1);
    const gateA = new ProducerStateManager();
    await gateA.load(onA);
    const offsets: number[] = [];
    for (let i = 0; i < 60; i++) {
      const r = await produce(gateA, onA, BigInt(10 + (i % 3)), Math.floor(i / 3) * 3, T0 + i);
      assert.equal(r.kind, "appended");
      if (r.kind === "appended") offsets.push(r.offset);
      if (i === 29) await onA.checkpoints.checkpointNow();
    }
    const endA = onA.highWatermark;
    await onA.close();
    assert.deepEqual(await store.list(streamId), [90, endA]);

    const brokerB = await cluster.openBroker(2);
    const onB = await openOn(brokerB, streamId, 2);
    const gateB = new ProducerStateManager();
    await gateB.load(onB);
    assert.equal(onB.checkpoints.stats.loadedFrom, endA);
    assert.equal(onB.checkpoints.stats.replayedOffsets, 0);
    // The last batch of producer 12, retried after the move, is answered with its original offset.
    const retry = await produce(gateB, onB, 12n, 57, T0 + 9999);
    assert.deepEqual(retry, { kind: "duplicate", baseOffset: offsets[59] });
    const gap = await produce(gateB, onB, 12n, 66, T0 + 9999);
    assert.equal(gap.kind === "reject" && gap.errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    for (let i = 60; i < 75; i++) {
      assert.equal(
        (await produce(gateB, onB, BigInt(10 + (i % 3)), Math.floor(i / 3) * 3, T0 + i)).kind,
        "appended",
      );
    }
    assert.deepEqual(await onB.offsetForTimestamp(T0 + 30), { offset: offsets[30], timestamp: T0 + 30 });
    assert.deepEqual(await onB.maxTimestampOffset(), { offset: onB.highWatermark - 3, timestamp: T0 + 74 });
    // Dies without the final checkpoint; its storage still uploads what it acked (as WAL recovery would).
    onB.abandon();
    await brokerB.shutdown();
    const brokerC = await cluster.openBroker(3);
    const onC = await openOn(brokerC, streamId, 3);
    const gateC = new ProducerStateManager();
    await gateC.load(onC);
    assert.equal(onC.checkpoints.stats.loadedFrom, endA);
    assert.equal(onC.checkpoints.stats.replayedOffsets, 45);
    await assertLikeFullScan(onC);
    const next = await produce(gateC, onC, 10n, 75, T0 + 2000);
    assert.equal(next.kind, "appended", "the next sequence after the crash is accepted");
    const dup = await produce(gateC, onC, 11n, 72, T0 + 2000);
    assert.equal(dup.kind, "duplicate", "a batch written before the crash is not written twice");
    for (const t of [0, T0, T0 + 44, T0 + 60, T0 + 74, T0 + 2000, T0 + 5000]) {
      const scanned = await scanFor(onC, t);
      assert.deepEqual(await onC.offsetForTimestamp(t), scanned, `timestamp ${t}`);
    }
    await onC.close();
  });
});

describe("timestamps beyond what a JS number holds exactly", () => {
  it("a batch stamped 2^62 (or -2^62) still lets the partition checkpoint, and ListOffsets answers around it", async () => {
    const streamId = await cluster.createStream();
    const onA = await openOn(await cluster.openBroker(1), streamId, 1);
    const gateA = new ProducerStateManager();
    await gateA.load(onA);
    const far = 2 ** 62;
    // Kafka accepts any int64 timestamp; the record keeps it, the broker's state must still checkpoint.
    const stamps = [T0, T0 + 1, far, -1, -far, T0 + 2, far, T0 + 3, 2 ** 52, T0 + 4];
    for (let i = 0; i < 40; i++) {
      const r = await produce(
        gateA,
        onA,
        BigInt(30 + (i % 4)),
        Math.floor(i / 4) * 3,
        stamps[i % stamps.length]!,
      );
      assert.equal(r.kind, "appended");
    }
    await onA.checkpoints.checkpointNow();
    const end = onA.highWatermark;
    assert.deepEqual(await store.list(streamId), [end]);
    await onA.close();

    const onB = await openOn(await cluster.openBroker(2), streamId, 2);
    const gateB = new ProducerStateManager();
    await gateB.load(onB);
    assert.equal(onB.checkpoints.stats.loadedFrom, end);
    assert.equal(onB.checkpoints.stats.replayedOffsets, 0);
    await assertLikeFullScan(onB);
    // Up to the state's bound the index finds what a scan of the stream does, and answers with the record's
    // own timestamp (the stream's is clamped).
    for (const t of [0, T0, T0 + 3, T0 + 4, T0 + 5, 2 ** 52 - 2]) {
      const scanned = await scanFor(onB, t);
      const timestamp = scanned.timestamp === MAX_STATE_TIMESTAMP ? far : scanned.timestamp;
      assert.deepEqual(await onB.offsetForTimestamp(t), { ...scanned, timestamp }, `timestamp ${t}`);
    }
    // Beyond it, as Kafka answers from the records' own timestamps.
    assert.deepEqual(await onB.offsetForTimestamp(2 ** 52), { offset: 6, timestamp: far });
    assert.deepEqual(await onB.offsetForTimestamp(2 ** 60), { offset: 6, timestamp: far });
    assert.deepEqual(await onB.offsetForTimestamp(far), { offset: 6, timestamp: far });
    assert.deepEqual(await onB.offsetForTimestamp(2 ** 63), { offset: -1, timestamp: -1 });
    assert.deepEqual(await onB.maxTimestampOffset(), { offset: 6, timestamp: far });
    await onB.close();
  });
});

/** What the Produce handler does with a transactional batch. */
async function produceTxn(
  gate: ProducerStateManager,
  partition: Partition,
  producerId: bigint,
  epoch: number,
  seq: number,
) {
  const payload = encodeRecordBatch({
    producerId,
    producerEpoch: epoch,
    baseSequence: seq,
    isTransactional: true,
    records: [{ value: `t${seq}`, timestamp: BigInt(T0) }],
  });
  const header = readRecordBatchHeader(payload);
  const offset = partition.nextOffset;
  const verdict = gate.admit(partition, header, offset);
  if (verdict.kind !== "append") return verdict;
  await partition.append([{ payload, count: 1, maxTimestamp: T0 }]);
  gate.settle(partition, header, offset, true);
  return { kind: "appended" as const, offset };
}

/** What a read_committed fetch sees of the index. */
function txnView(index: PartitionTxnIndex | undefined, partition: Partition) {
  const end = partition.highWatermark;
  const start = partition.logStartOffset;
  return {
    lso: index?.lastStableOffset(end),
    aborted: index?.abortedIn(start, end),
    tail: index?.abortedIn(Math.floor((start + end) / 2), end),
  };
}

describe("transactions in partition checkpoints on s3stream", () => {
  it("a close while appends are in flight hands over a checkpoint covering them: the new owner replays nothing", async () => {
    const streamId = await cluster.createStream();
    const onA = await openOn(await cluster.openBroker(1), streamId, 1);
    const gateA = new ProducerStateManager();
    await gateA.load(onA);
    for (let i = 0; i < 5; i++) await produce(gateA, onA, 20n, i * 3, T0 + i);
    // Not awaited: in flight (written to the WAL, not yet durable) when the move closes the partition.
    const inFlight = [produce(gateA, onA, 20n, 15, T0 + 5), produce(gateA, onA, 21n, 0, T0 + 6)];
    const closing = onA.close();
    const acked = await Promise.all(inFlight);
    assert.deepEqual(
      acked.map((r) => r.kind),
      ["appended", "appended"],
    );
    await closing;
    const end = onA.highWatermark;
    assert.equal(end, 21);
    assert.equal((await store.list(streamId)).at(-1), end, "the final checkpoint is at the true end");

    const onB = await openOn(await cluster.openBroker(2), streamId, 2);
    const gateB = new ProducerStateManager();
    await gateB.load(onB);
    assert.equal(onB.checkpoints.stats.loadedFrom, end);
    assert.equal(onB.checkpoints.stats.replayedOffsets, 0);
    const retry = await produce(gateB, onB, 21n, 0, T0 + 99);
    assert.deepEqual(
      retry,
      { kind: "duplicate", baseOffset: 18 },
      "the in-flight batch is known after the move",
    );
  });

  it("a new owner loads the transaction index from the checkpoint and the tail, as the full scan has it", async () => {
    const streamId = await cluster.createStream();
    const onA = await openOn(await cluster.openBroker(31), streamId, 1);
    const gateA = new ProducerStateManager();
    await gateA.load(onA);
    const marker = (producerId: bigint, producerEpoch: number, committed: boolean) =>
      appendTxnMarker(onA, gateA, { producerId, producerEpoch, committed, coordinatorEpoch: 1 }, () => true);
    for (let round = 0; round < 4; round++) {
      for (let i = 0; i < 3; i++) {
        for (const id of [60n, 61n, 62n])
          assert.equal((await produceTxn(gateA, onA, id, 0, round * 3 + i)).kind, "appended");
      }
      assert.equal(await marker(60n, 0, round % 2 === 0), ErrorCode.NONE);
      assert.equal(await marker(61n, 0, false), ErrorCode.NONE);
      if (round === 1) await onA.checkpoints.checkpointNow();
    }
    // 62's transaction stays open across the move; 60 and 61 end with an abort of a bumped epoch.
    assert.equal(await marker(60n, 1, false), ErrorCode.NONE);
    const seen = txnView(gateA.transactions(onA), onA);
    assert.equal(seen.lso, 2, "62's first batch");
    await onA.close();

    const brokerB = await cluster.openBroker(32);
    const onB = await openOn(brokerB, streamId, 2);
    const gateB = new ProducerStateManager();
    await gateB.load(onB);
    assert.equal(onB.checkpoints.stats.replayedOffsets, 0, "graceful: the final checkpoint");
    assert.equal(onB.checkpoints.stats.txnScannedOffsets, 0, "the checkpoint carried the transactions");
    assert.deepEqual(txnView(gateB.transactions(onB), onB), seen);
    const zombie = await produceTxn(gateB, onB, 60n, 0, 12);
    assert.equal(zombie.kind === "reject" && zombie.errorCode, ErrorCode.INVALID_PRODUCER_EPOCH);
    // More after the last checkpoint, then a crash: the next owner replays that tail onto the checkpoint.
    assert.equal((await produceTxn(gateB, onB, 63n, 0, 0)).kind, "appended");
    assert.equal(
      await appendTxnMarker(
        onB,
        gateB,
        { producerId: 62n, producerEpoch: 0, committed: false, coordinatorEpoch: 1 },
        () => true,
      ),
      ErrorCode.NONE,
    );
    const seenB = txnView(gateB.transactions(onB), onB);
    onB.abandon();
    await brokerB.shutdown();

    const onC = await openOn(await cluster.openBroker(33), streamId, 3);
    const gateC = new ProducerStateManager();
    await gateC.load(onC);
    assert.equal(onC.checkpoints.stats.replayedOffsets, 2);
    assert.equal(onC.checkpoints.stats.txnScannedOffsets, 0);
    assert.deepEqual(txnView(gateC.transactions(onC), onC), seenB);
    const scanned = await rebuildTxnIndex(onC, 64 * 1024);
    assert.deepEqual(txnView(gateC.transactions(onC), onC), txnView(scanned.index, onC));
    await onC.close();
  });

  it("marker epochs expire by when their markers were written, also after a move (the checkpoint carries it)", async () => {
    const streamId = await cluster.createStream();
    const expiry = 100_000;
    const onA = await openOn(await cluster.openBroker(35), streamId, 1);
    const gateA = new ProducerStateManager({ producerIdleExpiryMs: expiry });
    await gateA.load(onA);
    const marker = (producerId: bigint, producerEpoch: number, committed: boolean) =>
      appendTxnMarker(onA, gateA, { producerId, producerEpoch, committed, coordinatorEpoch: 1 }, () => true);
    // 80 commits and is done; 81 commits and opens another transaction; 82 has only a marker here.
    assert.equal((await produceTxn(gateA, onA, 80n, 0, 0)).kind, "appended");
    assert.equal(await marker(80n, 0, true), ErrorCode.NONE);
    assert.equal((await produceTxn(gateA, onA, 81n, 0, 0)).kind, "appended");
    assert.equal(await marker(81n, 0, true), ErrorCode.NONE);
    assert.equal((await produceTxn(gateA, onA, 81n, 0, 1)).kind, "appended");
    assert.equal(await marker(82n, 3, false), ErrorCode.NONE);
    const written = Date.now(); // every marker was written by now
    await onA.close();

    const onB = await openOn(await cluster.openBroker(36), streamId, 2);
    let now = written + 90_000;
    const gateB = new ProducerStateManager({ producerIdleExpiryMs: expiry, now: () => now });
    await gateB.load(onB);
    assert.equal(onB.checkpoints.stats.replayedOffsets, 0, "loaded from the final checkpoint");
    assert.equal(
      gateB.checkMarker(onB, 82n, 2),
      ErrorCode.INVALID_PRODUCER_EPOCH,
      "still fenced after the move",
    );
    // 150 s after the markers, 60 s after the load: idle by the markers' own time, the expiry runs on an admit.
    now = written + 150_001;
    assert.equal((await produceTxn(gateB, onB, 83n, 0, 0)).kind, "appended");
    assert.equal(gateB.checkMarker(onB, 82n, 2), ErrorCode.NONE, "82's marker epoch was forgotten");
    assert.equal(
      (await produceTxn(gateB, onB, 81n, 0, 2)).kind,
      "appended",
      "81's open transaction keeps its producer",
    );
    const forgotten = await produceTxn(gateB, onB, 80n, 0, 1);
    assert.equal(forgotten.kind === "reject" && forgotten.errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    await onB.close();
  });

  it("the live index forgets aborted transactions below the log start", async () => {
    const streamId = await cluster.createStream();
    const onA = await openOn(await cluster.openBroker(34), streamId, 1);
    let now = T0;
    const gate = new ProducerStateManager({ now: () => now });
    await gate.load(onA);
    for (let round = 0; round < 3; round++) {
      assert.equal((await produceTxn(gate, onA, 70n, 0, round)).kind, "appended");
      const abort = { producerId: 70n, producerEpoch: 0, committed: false, coordinatorEpoch: 1 };
      assert.equal(await appendTxnMarker(onA, gate, abort, () => true), ErrorCode.NONE);
    }
    assert.equal(gate.transactions(onA)?.abortedIn(0, 6).length, 3);
    await onA.trim(4); // past the first two aborts' markers (1 and 3)
    now += 61_000; // the next admit runs the periodic clean-up
    assert.equal((await produceTxn(gate, onA, 71n, 0, 0)).kind, "appended");
    assert.deepEqual(gate.transactions(onA)?.abortedIn(0, 7), [
      { producerId: 70n, firstOffset: 4, lastOffset: 5 },
    ]);
    await onA.close();
  });
});

describe("PartitionRegistry.retireAll (SIGTERM)", () => {
  it("stops serving, then stores a final checkpoint of every partition while storage shuts down", async () => {
    const broker = await cluster.openBroker(4);
    const streams = [await cluster.createStream(), await cluster.createStream()];
    const registry = new PartitionRegistry({
      openStream: (streamId, epoch) => broker.openStream(streamId, epoch),
      checkpoints: { store, tickMs: 1e9 },
    });
    const topicId = "00000000000000000000000000000002";
    const assignments = streams.map((streamId, partition) => ({
      topicId,
      topic: "s",
      partition,
      streamId,
      leaderEpoch: 1,
    }));
    assert.equal((await registry.reconcile(assignments)).opened, 2);
    const gate = new ProducerStateManager();
    for (const [i, partition] of registry.all().entries()) {
      await gate.load(partition);
      for (let seq = 0; seq < 3 * (i + 2); seq += 3) await produce(gate, partition, 30n, seq, T0);
    }
    const ends = registry.all().map((p) => p.highWatermark);
    const { written } = await registry.retireAll();
    assert.equal(registry.byName("s", 0), undefined);
    await broker.shutdown();
    await written;
    for (const [i, streamId] of streams.entries()) assert.deepEqual(await store.list(streamId), [ends[i]]);
  });
});

/** The old ListOffsets: walk every record from the log start (the reference). */
async function scanFor(partition: Partition, timestamp: number) {
  for (let offset = partition.logStartOffset; offset < partition.highWatermark; ) {
    const records = await partition.readRecords(offset, partition.highWatermark, 64 * 1024);
    for (const r of records) {
      if (r.baseOffset + r.count <= offset) continue;
      if (r.timestamp >= timestamp)
        return { offset: Math.max(r.baseOffset, partition.logStartOffset), timestamp: r.timestamp };
    }
    const last = records.at(-1)!;
    offset = last.baseOffset + last.count;
  }
  return { offset: -1, timestamp: -1 };
}
