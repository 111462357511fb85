// Log compaction throughput: one clean pass (partitions/log-cleaner.ts) over a partition full of keyed 16-record
// batches (1 KiB values, 1,000 keys each updated 16 times per 16 MiB), already in stream objects, on the
// in-memory object store: read, key map, rewrite, upload, commit. Its peer, measured in the same run on the same
// data: a bare walk that reads the log, decodes every record and re-encodes every batch whole (the CPU of a
// cleaner that would keep everything), with no key map, object writes or commits. Checks that exactly one record
// per key is left. Prints one JSON line.
import { encodeRecordBatch, iterateRecords, splitRecordBatches } from "@cirrus/kafka-protocol";
import { MemObjectStore } from "@cirrus/object-store";
import { contiguousRecords } from "../../apps/broker/src/partitions/contiguous-records.ts";
import { type CleanerState, cleanPartition } from "../../apps/broker/src/partitions/log-cleaner.ts";
import { cleanerPolicyOf } from "../../apps/broker/src/partitions/log-cleaner-policy.ts";
import { BenchBrokers } from "./partition-bench-kit.ts";
import { MiB, printResult, quick, round } from "./s3stream-bench-kit.ts";

const PARTITION_MIB = quick ? 16 : 128;
const KEYS = 1_000;
const RECORDS_PER_BATCH = 16;
const value = Buffer.alloc(1000, 7);

const brokers = await BenchBrokers.create("cleaner", () => new MemObjectStore());
const states = new Map<number, CleanerState>();
const store = {
  get: async (streamId: number) => states.get(streamId),
  put: async (streamId: number, state: CleanerState) => void states.set(streamId, state),
};

try {
  const storage = await brokers.storage(1, {
    logCacheBytes: 0,
    blockCacheBytes: 0,
    compaction: { intervalMs: 1e9, bytesPerSecond: 1e12, deleteGracePeriodMs: 0, separateStream: () => true },
  });
  const streamId = (await brokers.objectManager.createStream({})).streamId;
  const partition = await brokers.partition(storage, streamId, 1);
  let bytes = 0;
  let key = 0;
  while (bytes < PARTITION_MIB * MiB) {
    const records = Array.from({ length: RECORDS_PER_BATCH }, () => ({ key: `key-${key++ % KEYS}`, value }));
    const payload = encodeRecordBatch({ records });
    await partition.append([{ payload, count: RECORDS_PER_BATCH, maxTimestamp: Date.now() }]);
    bytes += payload.length;
  }
  await storage.flush();
  await storage.compactNow(); // into stream objects: what the cleaner rewrites

  const walkStarted = performance.now();
  let walked = 0;
  for await (const records of contiguousRecords(partition, 0, partition.highWatermark, 4 * MiB)) {
    for (const record of records) {
      for (const batch of splitRecordBatches(record.payload)) {
        const decoded = [...iterateRecords(batch)];
        walked += encodeRecordBatch({ records: decoded.map((r) => ({ key: r.key, value: r.value })) }).length;
      }
    }
  }
  const walkSeconds = (performance.now() - walkStarted) / 1000;

  const policy = cleanerPolicyOf({ "cleanup.policy": "compact" });
  const started = performance.now();
  const outcome = await cleanPartition(partition, storage, store, policy, Date.now(), {
    maxKeys: 1_000_000,
    readBytes: 4 * MiB,
  });
  const cleanSeconds = (performance.now() - started) / 1000;
  if (!outcome.cleaned) throw new Error(`not cleaned: ${outcome.why}`);
  let left = 0;
  for await (const records of contiguousRecords(partition, 0, partition.highWatermark, 4 * MiB)) {
    for (const record of records)
      for (const batch of splitRecordBatches(record.payload)) left += [...iterateRecords(batch)].length;
  }
  if (left !== KEYS) throw new Error(`${left} records left, expected one per key (${KEYS})`);

  printResult({
    bench: "log-cleaner",
    quick,
    partitionMiB: round(bytes / MiB, 1),
    keys: KEYS,
    records: partition.highWatermark,
    recordsRemoved: outcome.recordsRemoved,
    cleanSeconds: round(cleanSeconds, 3),
    cleanMiBps: round(bytes / MiB / cleanSeconds, 1),
    peerDecodeEncodeMiBps: round(bytes / MiB / walkSeconds, 1),
    cleanVsPeer: round(walkSeconds / cleanSeconds, 3),
    objectBytesBefore: outcome.rewrite.bytesBefore,
    objectBytesAfter: outcome.rewrite.bytesAfter,
    walkedBytes: walked,
  });
} finally {
  await brokers.close();
}
