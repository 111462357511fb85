// Idempotent-producer state after a partition move: the new owner rebuilds it by reading the partition's
// stored batch headers back from object storage (no side store). Measures how fast that scan goes for a
// partition full of idempotent 16 KiB batches (1 KiB records), against a plain read of the same stream in
// the same run (the ceiling: the rebuild cannot beat reading the bytes), and the admit() cost per batch.
// Prints one JSON line; then a second one for marker-epoch expiry: many short-lived transactional producers
// (a new producer id every 100 ms of simulated time, one transaction each, every other one writing only its
// marker here) through the live state and the checkpoint's log state, with a 10 min producer expiry, against
// the same workload with an expiry beyond the run (every producer ever seen is kept).

import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import {
  encodeEndTxnMarker,
  encodeRecordBatch,
  readRecordBatchHeader,
  setBaseOffset,
  splitRecordBatches,
} from "@cirrus/kafka-protocol";
import { MemObjectStore } from "@cirrus/object-store";
import { encodeCheckpoint } from "../../apps/broker/src/partitions/checkpoint-codec.ts";
import { contiguousRecords } from "../../apps/broker/src/partitions/contiguous-records.ts";
import { PartitionLogState } from "../../apps/broker/src/partitions/partition-log-state.ts";
import { PartitionProducerState } from "../../apps/broker/src/producers/partition-producer-state.ts";
import { PartitionTxnIndex } from "../../apps/broker/src/producers/partition-txn-index.ts";
import { rebuildProducerState } from "../../apps/broker/src/producers/producer-state-manager.ts";
import { BenchBrokers, fillIdempotent } from "./partition-bench-kit.ts";
import { MiB, printResult, quick, round } from "./s3stream-bench-kit.ts";

const PARTITION_MIB = quick ? 32 : 256;
const RECORDS_PER_BATCH = 16;
const PRODUCERS = 50;
const value = Buffer.alloc(1000, 7);

const brokers = await BenchBrokers.create("producers", () => new MemObjectStore());
const coldBroker = (nodeId: number) => brokers.storage(nodeId, { logCacheBytes: 0, blockCacheBytes: 0 });

try {
  const streamId = (await brokers.objectManager.createStream({})).streamId;
  const onA = await brokers.partition(await coldBroker(1), streamId, 1);
  const sequences = new Array<number>(PRODUCERS).fill(0);
  const { batches, bytes } = await fillIdempotent(onA, PARTITION_MIB, {
    producers: PRODUCERS,
    recordsPerBatch: RECORDS_PER_BATCH,
    value,
    sequences,
  });
  await onA.close(); // uploads everything: the new owner reads from object storage

  const onB = await brokers.partition(await coldBroker(2), streamId, 2);
  const readStarted = performance.now();
  // The same walk as the rebuild (contiguous reads, split, read each header) without touching producer state.
  let walked = 0;
  const reads = contiguousRecords(onB, onB.logStartOffset, onB.highWatermark, 4 * MiB);
  for await (const records of reads) {
    for (const record of records) {
      for (const batch of splitRecordBatches(record.payload))
        walked += readRecordBatchHeader(batch).recordCount;
    }
  }
  if (walked !== onB.highWatermark) throw new Error(`walked ${walked} of ${onB.highWatermark} offsets`);
  const readSeconds = (performance.now() - readStarted) / 1000;

  await onB.close();
  // A third broker, so the rebuild reads cold from object storage as the plain read did.
  const onC = await brokers.partition(await coldBroker(3), streamId, 3);
  const rebuildStarted = performance.now();
  const state = await rebuildProducerState(onC, {
    producerIdleExpiryMs: 86_400_000,
    maxProducers: 100_000,
    rebuildReadBytes: 4 * MiB,
  });
  const rebuildSeconds = (performance.now() - rebuildStarted) / 1000;
  if (state.producerCount !== PRODUCERS) throw new Error(`rebuilt ${state.producerCount} producers`);

  // admit + settle cost on the hot path (next batch of every producer, in sequence).
  const header = readRecordBatchHeader(
    encodeRecordBatch({ producerId: 1000n, producerEpoch: 0, baseSequence: 0, records: [{ value: "x" }] }),
  );
  const admits = quick ? 100_000 : 1_000_000;
  const admitStarted = performance.now();
  for (let i = 0; i < admits; i++) {
    const producer = i % PRODUCERS;
    const batch = {
      ...header,
      producerId: BigInt(1000 + producer),
      baseSequence: sequences[producer]!,
      lastOffsetDelta: 0,
    };
    const verdict = state.admit(batch, onC.highWatermark + i, Date.now());
    if (verdict.kind !== "append") throw new Error(`admit ${i}: ${JSON.stringify(verdict)}`);
    state.settle(batch, onC.highWatermark + i, true);
    sequences[producer]! += 1;
  }
  const admitNs = ((performance.now() - admitStarted) * 1e6) / admits;

  printResult({
    bench: "producer-state",
    quick,
    partitionMiB: round(bytes / MiB, 1),
    batches,
    producers: PRODUCERS,
    rebuildSeconds: round(rebuildSeconds, 3),
    rebuildMiBps: round(bytes / MiB / rebuildSeconds, 1),
    ceilingReadMiBps: round(bytes / MiB / readSeconds, 1),
    rebuildVsRead: round(readSeconds / rebuildSeconds, 3),
    admitSettleNsPerBatch: round(admitNs, 0),
  });
} finally {
  await brokers.close();
}

const TXN_PRODUCERS = quick ? 20_000 : 200_000;
const ARRIVAL_MS = 100;
/** Simulated time starts at a real date, so that stored times cost what they do in production. */
const START_MS = 1_765_000_000_000;
const EXPIRY_MS = 600_000;
/** As often as ProducerStateManager checks (live) and the checkpointer writes (log state) by default. */
const EXPIRE_EVERY_MS = 60_000;
setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

/** Every producer id the workload used that a state still knows (its batches or its marker epoch). */
function remembered(state: PartitionProducerState): number {
  let n = 0;
  for (let p = 0; p < TXN_PRODUCERS; p++) if (state.currentEpoch(BigInt(10_000 + p)) !== undefined) n++;
  return n;
}

/** One transaction per producer, live (admit, settle, marker) and folded from the log as the checkpointer does. */
function markerWorkload(expiryMs: number) {
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const options = { producerIdleExpiryMs: expiryMs, maxProducers: 1_000_000 };
  const live = new PartitionProducerState(options);
  const index = new PartitionTxnIndex();
  const log = PartitionLogState.empty(0, { ...options, granuleBytes: 1024 * 1024 });
  // CPU time, not wall time: the machine is shared, and this loop never waits.
  const started = process.cpuUsage();
  let lastExpiry = START_MS;
  let nextOffset = 0;
  for (let p = 0; p < TXN_PRODUCERS; p++) {
    const now = START_MS + p * ARRIVAL_MS;
    const producerId = BigInt(10_000 + p);
    const offset = nextOffset;
    // Every other producer's transaction wrote nothing here (the partition was added, then it aborted):
    // this partition knows it only by its marker.
    const wroteData = p % 2 === 0;
    let payload: Buffer[] = [];
    if (wroteData) {
      const data = encodeRecordBatch({
        producerId,
        producerEpoch: 0,
        baseSequence: 0,
        isTransactional: true,
        records: [{ value: "v", timestamp: BigInt(now) }],
      });
      setBaseOffset(data, BigInt(offset));
      const header = readRecordBatchHeader(data);
      if (live.admit(header, offset, now).kind !== "append") throw new Error(`producer ${p} refused`);
      live.settle(header, offset, true);
      index.begin(producerId, offset);
      payload = [data];
    }
    const marker = encodeEndTxnMarker({
      producerId,
      producerEpoch: 0,
      committed: wroteData,
      coordinatorEpoch: 1,
      timestamp: BigInt(now),
    });
    const markerOffset = offset + payload.length;
    setBaseOffset(marker, BigInt(markerOffset));
    live.noteMarker(producerId, 0, now);
    index.end(producerId, markerOffset, wroteData);
    payload.push(marker);
    nextOffset = markerOffset + 1;
    const count = nextOffset - offset;
    log.apply({ baseOffset: offset, count, timestamp: now, payload: Buffer.concat(payload) });
    if (now - lastExpiry >= EXPIRE_EVERY_MS) {
      live.expire(now, (id) => index.openedAt(id) !== undefined);
      log.expire(now);
      lastExpiry = now;
    }
  }
  const cpu = process.cpuUsage(started);
  const cpuNsPerProducer = ((cpu.user + cpu.system) * 1e3) / TXN_PRODUCERS;
  gc();
  const heapMiB = (process.memoryUsage().heapUsed - heapBefore) / MiB;
  const snapshot = log.txns.snapshot();
  const checkpointBytes = encodeCheckpoint({
    streamId: 1,
    leaderEpoch: 1,
    offset: log.coveredOffset,
    writtenAtMs: START_MS + TXN_PRODUCERS * ARRIVAL_MS,
    granuleBytes: log.index.granuleBytes,
    lastBatch: log.lastBatch,
    producers: log.producers.snapshot(),
    granules: log.index.granules,
    txns: snapshot,
  }).length;
  return {
    liveProducersRemembered: remembered(live),
    checkpointProducers: log.producers.snapshot().length,
    checkpointMarkerEpochs: snapshot.markers.length,
    checkpointKiB: round(checkpointBytes / 1024, 1),
    heapMiB: round(heapMiB, 1),
    cpuNsPerProducer: round(cpuNsPerProducer, 0),
  };
}

// Alternated, so that drift on a noisy machine falls on both; the median of 3 each.
const runs: { expiring: ReturnType<typeof markerWorkload>[]; kept: ReturnType<typeof markerWorkload>[] } = {
  expiring: [],
  kept: [],
};
for (let i = 0; i < 3; i++) {
  runs.expiring.push(markerWorkload(EXPIRY_MS));
  runs.kept.push(markerWorkload(365 * 86_400_000));
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const summary = (rs: ReturnType<typeof markerWorkload>[]) => ({
  ...rs[0]!,
  heapMiB: median(rs.map((r) => r.heapMiB)),
  cpuNsPerProducer: median(rs.map((r) => r.cpuNsPerProducer)),
});
const expiring = summary(runs.expiring);
const kept = summary(runs.kept);
printResult({
  bench: "producer-state-marker-expiry",
  quick,
  transactionalProducers: TXN_PRODUCERS,
  simulatedHours: round((TXN_PRODUCERS * ARRIVAL_MS) / 3_600_000, 2),
  expiryMs: EXPIRY_MS,
  expiring,
  keptForever: kept,
  heapRatio: round(expiring.heapMiB / kept.heapMiB, 3),
  checkpointSizeRatio: round(expiring.checkpointKiB / kept.checkpointKiB, 3),
  cpuRatio: round(expiring.cpuNsPerProducer / kept.cpuNsPerProducer, 3),
});
