// The transaction index in partition checkpoints: a partition opened from its newest checkpoint plus the tail
// after it has exactly the transactions of a full scan of the log (rebuildTxnIndex): the open transactions,
// the aborted ones (every abortedIn answer), the LSO and the marker epochs. Random workloads mix
// transactional producers (data, commit and abort markers, retried markers, epoch bumps), idempotent and
// plain batches, records of several batches, retention trims (to any offset, through transactions),
// checkpoints at random points, and end without a final checkpoint (kill -9). The same property holds when
// the writer's checkpoints are in the previous format (version 1, no transactions) or the newest ones are
// damaged: then the transactions come from a scan, never from a wrong checkpoint.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { crc32 } from "node:zlib";
import { encodeEndTxnMarker, encodeRecordBatch } from "@cirrus/kafka-protocol";
import { MemObjectStore } from "@cirrus/object-store";
import fc from "fast-check";
import {
  CHECKPOINT_VERSION,
  decodeCheckpoint,
  encodeCheckpoint,
} from "../../src/partitions/checkpoint-codec.ts";
import { type CheckpointStore, ObjectStoreCheckpointStore } from "../../src/partitions/checkpoint-store.ts";
import { PartitionCheckpointer } from "../../src/partitions/partition-checkpointer.ts";
import type { PartitionTxnIndex } from "../../src/producers/partition-txn-index.ts";
import { type RebuiltTxns, rebuildTxnIndex } from "../../src/producers/rebuild-txn-index.ts";
import { MemoryLog } from "./memory-log.ts";

const stateOptions = { producerIdleExpiryMs: 1e15, maxProducers: 1_000_000 };
const checkpointOptions = { ...stateOptions, granuleBytes: 400, tickMs: 1e9, readBytes: 700 };
const TXN_PRODUCERS = 4;

type Op =
  | { kind: "data"; producer: number; records: number; extra: boolean }
  | { kind: "marker"; producer: number; commit: boolean }
  | { kind: "bump"; producer: number }
  | { kind: "idempotent"; producer: number; records: number }
  | { kind: "plain"; records: number }
  | { kind: "checkpoint" }
  | { kind: "trim"; fraction: number };

const producer = fc.integer({ min: 0, max: TXN_PRODUCERS - 1 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant("data" as const),
      producer,
      records: fc.integer({ min: 1, max: 3 }),
      extra: fc.boolean(),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({ kind: fc.constant("marker" as const), producer, commit: fc.boolean() }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("bump" as const), producer }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("idempotent" as const),
      producer: fc.integer({ min: 0, max: 1 }),
      records: fc.integer({ min: 1, max: 3 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant("plain" as const), records: fc.integer({ min: 1, max: 3 }) }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("checkpoint" as const) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("trim" as const),
      fraction: fc.double({ min: 0, max: 0.7, noNaN: true }),
    }),
  },
);

/** How the writer's checkpoints reach the store: as written, in the previous format, or the newest damaged. */
type StoreMode = "current" | "version1" | "damaged";

/** The body of a version 1 checkpoint: a version 2 one without transactions, minus its "none" byte. */
function asVersion1(body: Buffer): Buffer {
  const v1 = Buffer.from(body.subarray(0, -1));
  v1.writeUInt8(1, 4);
  v1.writeUInt32BE(crc32(v1.subarray(9)) >>> 0, 5);
  return v1;
}

/** A store that rewrites what the writer puts (the reader reads what was stored). */
function writerStore(inner: CheckpointStore, mode: StoreMode): CheckpointStore {
  if (mode === "current") return inner;
  return {
    list: (s) => inner.list(s),
    get: (s, o) => inner.get(s, o),
    delete: (s, o) => inner.delete(s, o),
    put: (s, o, body) => {
      if (mode === "damaged") {
        const bad = Buffer.from(body);
        bad[bad.length - 1]! ^= 0x5a;
        return inner.put(s, o, bad);
      }
      return inner.put(s, o, body);
    },
  };
}

function txnBatch(producerId: bigint, epoch: number, sequence: number, records: number): Buffer {
  return encodeRecordBatch({
    producerId,
    producerEpoch: epoch,
    baseSequence: sequence,
    isTransactional: true,
    records: Array.from({ length: records }, (_, i) => ({ value: `t${i}` })),
  });
}

function plainBatch(records: number): Buffer {
  return encodeRecordBatch({ records: Array.from({ length: records }, (_, i) => ({ value: `p${i}` })) });
}

/** What a fetch sees of the index: everything it holds, and every answer it gives on the log's offsets. */
function view(txns: RebuiltTxns, log: MemoryLog) {
  const index: PartitionTxnIndex = txns.index;
  const snapshot = index.snapshot();
  const hw = log.highWatermark;
  const answers: unknown[] = [];
  const step = Math.max(1, Math.floor((hw - log.logStartOffset) / 12));
  for (let from = log.logStartOffset; from <= hw; from += step) {
    for (let to = from; to <= hw + 1; to += step) answers.push([from, to, index.abortedIn(from, to)]);
  }
  return {
    ongoing: [...snapshot.ongoing].sort((a, b) => (a.producerId < b.producerId ? -1 : 1)),
    aborted: snapshot.aborted,
    lso: index.lastStableOffset(hw),
    openedAt: Array.from({ length: TXN_PRODUCERS }, (_, p) => index.openedAt(BigInt(200 + p))),
    markerEpochs: [...txns.markerEpochs].sort((a, b) => (a[0] < b[0] ? -1 : 1)),
    answers,
  };
}

interface Tally {
  runs: number;
  fromCheckpointTxns: number;
  fromCheckpointScanned: number;
  fullScans: number;
  withAborts: number;
}

async function run(ops: readonly Op[], mode: StoreMode, tally: Tally): Promise<void> {
  const log = new MemoryLog();
  const store = new ObjectStoreCheckpointStore(new MemObjectStore());
  const writer = new PartitionCheckpointer(log, {
    ...checkpointOptions,
    store: writerStore(store, mode),
  });
  await writer.ready();
  const txn = Array.from({ length: TXN_PRODUCERS }, () => ({ epoch: 0, seq: 0 }));
  const idem = [0, 0];
  for (const op of ops) {
    if (op.kind === "checkpoint") {
      await writer.checkpointNow();
      if (mode === "version1") {
        // Rewrite what was just stored into the previous format (the checkpointer's own write stays the current version).
        for (const offset of await store.list(log.streamId)) {
          const body = await store.get(log.streamId, offset);
          if (body.readUInt8(4) !== CHECKPOINT_VERSION) continue;
          const withoutTxns = encodeCheckpoint({ ...decodeCheckpoint(body), txns: undefined });
          await store.put(log.streamId, offset, asVersion1(withoutTxns));
        }
      }
    } else if (op.kind === "trim") log.trim(Math.floor(log.highWatermark * op.fraction));
    else if (op.kind === "plain") log.appendBatches([plainBatch(op.records)], 0);
    else if (op.kind === "bump") {
      txn[op.producer]!.epoch++;
      txn[op.producer]!.seq = 0;
    } else if (op.kind === "idempotent") {
      const batch = encodeRecordBatch({
        producerId: BigInt(100 + op.producer),
        producerEpoch: 0,
        baseSequence: idem[op.producer]!,
        records: Array.from({ length: op.records }, (_, i) => ({ value: `i${i}` })),
      });
      idem[op.producer]! += op.records;
      log.appendBatches([batch], 0);
    } else if (op.kind === "data") {
      const p = txn[op.producer]!;
      const batches = [txnBatch(BigInt(200 + op.producer), p.epoch, p.seq, op.records)];
      p.seq += op.records;
      if (op.extra) batches.push(plainBatch(1));
      log.appendBatches(batches, 0);
    } else {
      const p = txn[op.producer]!;
      const marker = encodeEndTxnMarker({
        producerId: BigInt(200 + op.producer),
        producerEpoch: p.epoch,
        committed: op.commit,
        coordinatorEpoch: 1,
        timestamp: 0n,
      });
      log.appendBatches([marker], 0);
    }
  }
  writer.abandon();
  const reader = new PartitionCheckpointer(log, { ...checkpointOptions, store });
  const opened = await reader.openState(stateOptions);
  const scanned = await rebuildTxnIndex(log, 900);
  assert.deepEqual(view(opened.txns, log), view(scanned, log));
  const stats = reader.stats;
  tally.runs++;
  if (stats.loadedFrom === undefined) tally.fullScans++;
  else if (stats.txnScannedOffsets === 0) tally.fromCheckpointTxns++;
  else tally.fromCheckpointScanned++;
  if (scanned.index.snapshot().aborted.length > 0) tally.withAborts++;
  if (mode !== "current" && stats.loadedFrom !== undefined) {
    assert.equal(mode, "version1", "a damaged checkpoint was used");
    assert.equal(stats.txnScannedOffsets, stats.loadedFrom - log.logStartOffset);
  }
  // What the reader checkpoints next carries the transactions (version 2), and opens to the same index.
  if (log.highWatermark > log.logStartOffset) {
    log.appendBatches([plainBatch(1)], 0);
    await reader.checkpointNow();
    reader.abandon();
    const again = new PartitionCheckpointer(log, { ...checkpointOptions, store });
    const reopened = await again.openState(stateOptions);
    assert.equal(again.stats.loadedFrom, log.highWatermark);
    assert.equal(again.stats.txnScannedOffsets, 0, "the reader's own checkpoint carried the index");
    assert.deepEqual(view(reopened.txns, log), view(await rebuildTxnIndex(log, 900), log));
    again.abandon();
  } else reader.abandon();
}

const ops = fc.array(opArb, { minLength: 10, maxLength: 150 });

describe("transaction index in checkpoints", () => {
  it("checkpoint + tail equals a full scan: open and aborted transactions, abortedIn answers, LSO, marker epochs", async () => {
    const tally: Tally = {
      runs: 0,
      fromCheckpointTxns: 0,
      fromCheckpointScanned: 0,
      fullScans: 0,
      withAborts: 0,
    };
    await fc.assert(
      fc.asyncProperty(ops, (o) => run(o, "current", tally)),
      { numRuns: 200 },
    );
    assert.ok(
      tally.fromCheckpointTxns > 100,
      `only ${tally.fromCheckpointTxns} of 200 opened from a checkpoint's index`,
    );
    assert.ok(tally.withAborts > 60, `only ${tally.withAborts} runs had aborted transactions`);
  });

  it("a checkpoint in the previous format (no transactions) loads, its transactions rebuilt by a scan", async () => {
    const tally: Tally = {
      runs: 0,
      fromCheckpointTxns: 0,
      fromCheckpointScanned: 0,
      fullScans: 0,
      withAborts: 0,
    };
    await fc.assert(
      fc.asyncProperty(ops, (o) => run(o, "version1", tally)),
      { numRuns: 80 },
    );
    assert.ok(
      tally.fromCheckpointScanned > 40,
      `only ${tally.fromCheckpointScanned} of 80 used a v1 checkpoint`,
    );
    assert.equal(tally.fromCheckpointTxns, 0);
  });

  it("damaged checkpoints are never used: the whole log is scanned", async () => {
    const tally: Tally = {
      runs: 0,
      fromCheckpointTxns: 0,
      fromCheckpointScanned: 0,
      fullScans: 0,
      withAborts: 0,
    };
    await fc.assert(
      fc.asyncProperty(ops, (o) => run(o, "damaged", tally)),
      { numRuns: 40 },
    );
    assert.equal(tally.fullScans, tally.runs);
  });

  it("a transaction straddling a log start that moved after the checkpoint: rebuilt by a scan up to it", async () => {
    for (const end of ["open", "aborted", "committed"] as const) {
      const log = new MemoryLog();
      const store = new ObjectStoreCheckpointStore(new MemObjectStore());
      const writer = new PartitionCheckpointer(log, { ...checkpointOptions, store });
      await writer.ready();
      log.appendBatches([plainBatch(3)], 0); // 0-2
      log.appendBatches([txnBatch(200n, 0, 0, 2)], 0); // 3-4: the transaction begins
      log.appendBatches([plainBatch(3)], 0); // 5-7
      log.appendBatches([txnBatch(200n, 0, 2, 2)], 0); // 8-9: its second batch
      log.appendBatches([txnBatch(201n, 0, 0, 1)], 0); // 10: another producer's
      if (end !== "open") {
        const committed = end === "committed";
        log.appendBatches(
          [
            encodeEndTxnMarker({
              producerId: 200n,
              producerEpoch: 0,
              committed,
              coordinatorEpoch: 1,
              timestamp: 0n,
            }),
          ],
          0,
        ); // 11
      }
      await writer.checkpointNow();
      const checkpointAt = log.highWatermark;
      log.appendBatches([plainBatch(2)], 0);
      writer.abandon();
      log.trim(6); // through the transaction of 200, after its first batch
      const reader = new PartitionCheckpointer(log, { ...checkpointOptions, store });
      const opened = await reader.openState(stateOptions);
      const scanned = await rebuildTxnIndex(log, 900);
      assert.deepEqual(view(opened.txns, log), view(scanned, log), end);
      assert.equal(reader.stats.loadedFrom, checkpointAt, end);
      // The scan sees the transaction from its batch at 8 (or, committed, nothing of it is left).
      assert.equal(reader.stats.txnScannedOffsets, end === "committed" ? 0 : checkpointAt - 6, end);
      if (end === "open") assert.equal(opened.txns.index.openedAt(200n), 8);
      if (end === "aborted")
        assert.deepEqual(opened.txns.index.abortedIn(6, 100), [
          { producerId: 200n, firstOffset: 8, lastOffset: 11 },
        ]);
      reader.abandon();
    }
  });

  it("reads only the tail when the checkpoint carries the index", async () => {
    const log = new MemoryLog();
    const store = new ObjectStoreCheckpointStore(new MemObjectStore());
    const writer = new PartitionCheckpointer(log, { ...checkpointOptions, store });
    await writer.ready();
    for (let i = 0; i < 200; i++) {
      log.appendBatches([txnBatch(200n + BigInt(i % 3), 0, i, 1)], 0);
      if (i % 7 === 6)
        log.appendBatches(
          [
            encodeEndTxnMarker({
              producerId: 200n + BigInt(i % 3),
              producerEpoch: 0,
              committed: i % 2 === 0,
              coordinatorEpoch: 1,
              timestamp: 0n,
            }),
          ],
          0,
        );
    }
    await writer.checkpointNow();
    for (let i = 0; i < 5; i++) log.appendBatches([txnBatch(203n, 0, i, 1)], 0);
    writer.abandon();
    const reader = new PartitionCheckpointer(log, { ...checkpointOptions, store });
    log.recordsRead = 0;
    const opened = await reader.openState(stateOptions);
    assert.equal(reader.stats.txnScannedOffsets, 0);
    assert.ok(log.recordsRead <= 5 + 2, `read ${log.recordsRead} records`);
    assert.deepEqual(view(opened.txns, log), view(await rebuildTxnIndex(log, 900), log));
    reader.abandon();
  });

  it("marker epochs: the log start passing a producer's older markers keeps the epoch of its newer ones", async () => {
    const log = new MemoryLog();
    const store = new ObjectStoreCheckpointStore(new MemObjectStore());
    const writer = new PartitionCheckpointer(log, { ...checkpointOptions, store });
    await writer.ready();
    const marker = (producerId: bigint, producerEpoch: number) =>
      encodeEndTxnMarker({ producerId, producerEpoch, committed: true, coordinatorEpoch: 1, timestamp: 0n });
    log.appendBatches([txnBatch(200n, 3, 0, 1)], 0); // 0
    log.appendBatches([marker(200n, 3)], 0); // 1
    log.appendBatches([marker(201n, 1)], 0); // 2: 201's only marker
    log.appendBatches([txnBatch(200n, 3, 1, 1)], 0); // 3
    log.appendBatches([marker(200n, 3)], 0); // 4: same epoch, newer
    log.appendBatches([plainBatch(2)], 0); // 5-6
    await writer.checkpointNow();
    writer.abandon();
    log.trim(3);
    const reader = new PartitionCheckpointer(log, { ...checkpointOptions, store });
    const opened = await reader.openState(stateOptions);
    assert.equal(reader.stats.txnScannedOffsets, 0);
    assert.deepEqual([...opened.txns.markerEpochs], [[200n, { epoch: 3, lastTimestamp: 0 }]]);
    assert.deepEqual(view(opened.txns, log), view(await rebuildTxnIndex(log, 900), log));
    reader.abandon();
  });
});
