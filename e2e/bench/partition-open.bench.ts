// Opening a partition (restart, move, failover) with and without partition checkpoints. A partition is filled
// with transactional 16 KiB batches (1 KiB records, 50 producers, each ending its transaction every 8 of its
// batches, every third one aborted) on broker A, then opened cold on fresh brokers (no cache), the way a new
// owner does: producer state and transaction index loaded (what gates idempotent and transactional produce
// and read_committed fetches) and ListOffsets-by-time answered.
//   - full scan (the reference, no checkpoint store): every batch header read back from object storage;
//   - from the final checkpoint a graceful close wrote (tail: nothing);
//   - from an older checkpoint after a crash (tail: TAIL_MIB appended after it, replayed).
// The transaction index alone is also rebuilt by the full scan of batch headers (rebuildTxnIndex, what every
// open did before checkpoints carried it) on another cold broker, and checked equal to the crash open's.
// Also ListOffsets by timestamp for a timestamp in the middle: the time index vs scanning from the log start.
// Prints one JSON line.
import { join } from "node:path";
import { FileObjectStore } from "@cirrus/object-store";
import type { Storage } from "@cirrus/s3stream";
import {
  type CheckpointStore,
  ObjectStoreCheckpointStore,
} from "../../apps/broker/src/partitions/checkpoint-store.ts";
import { contiguousRecords } from "../../apps/broker/src/partitions/contiguous-records.ts";
import type { Partition } from "../../apps/broker/src/partitions/partition.ts";
import { ProducerStateManager } from "../../apps/broker/src/producers/index.ts";
import type { PartitionTxnIndex } from "../../apps/broker/src/producers/partition-txn-index.ts";
import { rebuildTxnIndex } from "../../apps/broker/src/producers/rebuild-txn-index.ts";
import { BenchBrokers, fillIdempotent } from "./partition-bench-kit.ts";
import { MiB, printResult, quick, round } from "./s3stream-bench-kit.ts";

const PARTITION_MIB = quick ? 24 : 200;
const TAIL_MIB = quick ? 4 : 32;
const RECORDS_PER_BATCH = 16;
const PRODUCERS = 50;
const value = Buffer.alloc(1000, 7);

// The default object store (a local folder), so cold reads are real file reads (S3 would be slower still).
const brokers = await BenchBrokers.create(
  "partition-open",
  (dir) => new FileObjectStore(join(dir, "objects")),
);
const checkpoints = new ObjectStoreCheckpointStore(brokers.objectStore);
let nodeId = 0;
let writerStorage: Storage | undefined;

/** A fresh broker (the first one, the writer, has a log cache) and the partition opened on it. */
async function openPartition(streamId: number, store: CheckpointStore | undefined): Promise<Partition> {
  nodeId++;
  const storage = await brokers.storage(nodeId, {
    logCacheBytes: nodeId === 1 ? 64 * MiB : 0,
    blockCacheBytes: 0,
  });
  writerStorage ??= storage;
  return brokers.partition(storage, streamId, nodeId, { checkpoints: { store, tickMs: 3_600_000 } });
}

/** Appends `mib` of idempotent batches, continuing each producer's sequence; returns the first timestamp. */
async function fill(partition: Partition, mib: number, sequences: number[]): Promise<number> {
  const firstTimestamp = Date.now();
  await fillIdempotent(partition, mib, {
    producers: PRODUCERS,
    recordsPerBatch: RECORDS_PER_BATCH,
    value,
    sequences,
    timestampOf: (i) => firstTimestamp + i,
    transactionBatches: 8,
  });
  return firstTimestamp;
}

/** Opens cold on a fresh broker and times the producer-state load (what gates the first idempotent produce). */
async function timeOpen(streamId: number, store: CheckpointStore | undefined) {
  const partition = await openPartition(streamId, store);
  const started = performance.now();
  const gate = new ProducerStateManager();
  await gate.load(partition);
  const seconds = (performance.now() - started) / 1000;
  const txns = gate.transactions(partition);
  if (!txns) throw new Error("the transaction index is not loaded after load()");
  return { partition, seconds, stats: partition.checkpoints.stats, txns };
}

/** What read_committed fetches see of an index (compared between the checkpoint open and the full scan). */
function txnView(index: PartitionTxnIndex, highWatermark: number) {
  const { ongoing, aborted } = index.snapshot();
  return JSON.stringify(
    {
      lso: index.lastStableOffset(highWatermark),
      ongoing: [...ongoing].sort((a, b) => (a.producerId < b.producerId ? -1 : 1)),
      aborted,
      firstHalf: index.abortedIn(0, Math.floor(highWatermark / 2)),
    },
    (_, v) => (typeof v === "bigint" ? v.toString() : v),
  );
}

/** The pre-checkpoint ListOffsets: read every record from the log start until one reaches `timestamp`. */
async function scanForTimestamp(partition: Partition, timestamp: number): Promise<number> {
  const end = partition.highWatermark;
  for await (const records of contiguousRecords(partition, partition.logStartOffset, end, 4 * MiB)) {
    for (const r of records) if (r.timestamp >= timestamp) return r.baseOffset;
  }
  return -1;
}

try {
  const streamId = (await brokers.objectManager.createStream({})).streamId;
  const writer = await openPartition(streamId, checkpoints);
  await writer.checkpoints.ready();
  const sequences = new Array<number>(PRODUCERS).fill(0);
  const firstTimestamp = await fill(writer, PARTITION_MIB - TAIL_MIB, sequences);
  await writer.checkpoints.checkpointNow(); // the last periodic checkpoint before the "crash"
  await fill(writer, TAIL_MIB, sequences);
  const batches = writer.highWatermark / RECORDS_PER_BATCH;
  writer.abandon(); // no final checkpoint: as after kill -9
  await writerStorage!.shutdown(); // what WAL recovery would upload

  const full = await timeOpen(streamId, undefined);
  const txnScanPartition = await openPartition(streamId, undefined);
  const txnScanStarted = performance.now();
  const txnScan = await rebuildTxnIndex(txnScanPartition, 4 * MiB);
  const txnScanSeconds = (performance.now() - txnScanStarted) / 1000;
  txnScanPartition.abandon();
  const crash = await timeOpen(streamId, checkpoints);
  if (crash.stats.loadedFrom === undefined) throw new Error("the crash case did not load a checkpoint");
  if (crash.stats.txnScannedOffsets !== 0)
    throw new Error(`the crash open scanned ${crash.stats.txnScannedOffsets} offsets for transactions`);
  const hw = crash.partition.highWatermark;
  if (txnView(crash.txns, hw) !== txnView(txnScan.index, hw))
    throw new Error("the transaction index from checkpoint + tail differs from the full scan's");
  if (txnScan.index.abortedIn(0, hw).length === 0)
    throw new Error("the partition holds no aborted transaction");
  await crash.partition.close(); // graceful: writes the final checkpoint
  const graceful = await timeOpen(streamId, checkpoints);
  if (graceful.stats.replayedOffsets !== 0)
    throw new Error(`graceful open replayed ${graceful.stats.replayedOffsets}`);

  const target = firstTimestamp + Math.floor(batches / 2);
  const scanStarted = performance.now();
  const scanned = await scanForTimestamp(graceful.partition, target);
  const scanMs = performance.now() - scanStarted;
  const indexStarted = performance.now();
  const indexed = await graceful.partition.offsetForTimestamp(target);
  const indexMs = performance.now() - indexStarted;
  if (indexed.offset !== scanned) throw new Error(`index answered ${indexed.offset}, the scan ${scanned}`);
  const stored = await brokers.objectStore.list(`checkpoints/${streamId}/`);

  printResult({
    bench: "partition-open",
    quick,
    partitionMiB: PARTITION_MIB,
    producers: PRODUCERS,
    fullScanOpenSeconds: round(full.seconds, 3),
    crashOpenSeconds: round(crash.seconds, 3),
    crashTailMiB: TAIL_MIB,
    gracefulOpenSeconds: round(graceful.seconds, 3),
    speedupCrashVsFullScan: round(full.seconds / crash.seconds, 1),
    speedupGracefulVsFullScan: round(full.seconds / graceful.seconds, 1),
    txnIndexFullScanSeconds: round(txnScanSeconds, 3),
    txnIndexCheckpointTailSeconds: round(crash.seconds, 3),
    txnIndexSpeedupCheckpointTailVsFullScan: round(txnScanSeconds / crash.seconds, 1),
    abortedTxns: txnScan.index.abortedIn(0, hw).length,
    listOffsetsByTimeScanMs: round(scanMs, 1),
    listOffsetsByTimeIndexMs: round(indexMs, 2),
    checkpointBytes: stored.at(-1)?.size ?? 0,
  });
  await graceful.partition.close();
  full.partition.abandon();
} finally {
  await brokers.close();
}
