// Idempotent-producer state after a partition move: the new owner rebuilds it by reading the partition's
// stored batch headers back from object storage (no side store). Measures how fast that scan goes for a
// partition full of idempotent 16 KiB batches (1 KiB records), against a plain read of the same stream in
// the same run (the ceiling: the rebuild cannot beat reading the bytes), and the admit() cost per batch.
// Prints one JSON line.
import { encodeRecordBatch, readRecordBatchHeader, splitRecordBatches } from "@cirrus/kafka-protocol";
import { MemObjectStore } from "@cirrus/object-store";
import { contiguousRecords } from "../../apps/broker/src/partitions/contiguous-records.ts";
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
