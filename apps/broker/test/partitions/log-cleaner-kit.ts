// Shared by the log-cleaner tests: real s3stream storage (WAL in a temp dir, in-memory object store and object
// manager shared by the "brokers") whose object compactor separates every stream, partitions on it with
// checkpoints, keyed appends and a reader that shows what a pass left (markers included).
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after } from "node:test";
import {
  encodeRecordBatch,
  iterateRecords,
  ErrorCode as KafkaErrorCode,
  readRecordBatchHeader,
} from "@cirrus/kafka-protocol";
import { type ObjectManager, Storage } from "@cirrus/s3stream";
import { AppendNotifier } from "../../src/partitions/append-notifier.ts";
import { ObjectStoreCheckpointStore } from "../../src/partitions/checkpoint-store.ts";
import { ObjectStoreCleanerStateStore } from "../../src/partitions/log-cleaner.ts";
import { cleanerPolicyOf } from "../../src/partitions/log-cleaner-policy.ts";
import { Partition } from "../../src/partitions/partition.ts";
import { ProducerStateManager } from "../../src/producers/index.ts";
import { appendTxnMarker } from "../../src/transactions/marker-append.ts";
import { StreamCluster } from "../groups/stream-test-kit.ts";

export const cluster = new StreamCluster();
const dirs: string[] = [];
after(async () => {
  await cluster.close();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});
export const checkpoints = new ObjectStoreCheckpointStore(cluster.objectStore);
export const states = new ObjectStoreCleanerStateStore(cluster.objectStore);
export const NOW = Date.now();
export const HOUR = 3_600_000;
export const OLD = NOW - 2 * HOUR;
export const LIMITS = { maxKeys: 100_000, readBytes: 1 << 20 };
export const policy = cleanerPolicyOf({ "cleanup.policy": "compact", "delete.retention.ms": String(HOUR) });
export const pad = "p".repeat(300);

/** A broker's storage whose object compactor separates every stream and deletes at once (run by hand). */
export async function openStorage(
  nodeId: number,
  objectManager: ObjectManager = cluster.objectManager,
): Promise<Storage> {
  const dir = await mkdtemp(join(tmpdir(), "cirrus-cleaner-"));
  dirs.push(dir);
  return Storage.open({
    walPath: join(dir, "wal"),
    walCapacity: 8 * 1024 * 1024,
    objectStore: cluster.objectStore,
    objectManager,
    nodeId,
    nodeEpoch: 1,
    logCacheBytes: 0,
    compaction: { intervalMs: 1e9, bytesPerSecond: 1e9, deleteGracePeriodMs: 0, separateStream: () => true },
  });
}

export async function openOn(
  storage: Storage,
  streamId: number,
  epoch: number,
  topic = "t",
): Promise<Partition> {
  const stream = await storage.openStream(streamId, epoch);
  const identity = {
    topic,
    topicId: "00000000000000000000000000000001",
    partition: 0,
    leaderEpoch: epoch,
    streamId,
  };
  return new Partition(identity, stream, new AppendNotifier(), undefined, {
    store: checkpoints,
    granuleBytes: 4096,
    tickMs: 1e9,
  });
}

/** Appends one batch per entry; returns the offsets given. */
export async function put(
  partition: Partition,
  entries: [string, string | null][],
  timestamp = OLD,
): Promise<number[]> {
  const offsets: number[] = [];
  for (const [key, value] of entries) {
    const payload = encodeRecordBatch({
      records: [{ key, value: value === null ? null : `${value}${pad}`, timestamp: BigInt(timestamp) }],
    });
    offsets.push(await partition.append([{ payload, count: 1, maxTimestamp: timestamp }]));
  }
  return offsets;
}

/** Every record from `from` as [offset, key, value without padding]. */
export async function readAll(partition: Partition, from = 0): Promise<[number, string, string | null][]> {
  const out: [number, string, string | null][] = [];
  for (const record of await partition.readRecords(from, partition.highWatermark, 64 << 20)) {
    for (let at = 0; at < record.payload.length; ) {
      const header = readRecordBatchHeader(record.payload, at);
      const size = header.batchLength + 12;
      if (header.isControl) {
        out.push([Number(header.baseOffset), header.recordCount > 0 ? "(marker)" : "(removed marker)", null]);
        at += size;
        continue;
      }
      for (const r of iterateRecords(record.payload.subarray(at, at + size))) {
        out.push([
          Number(r.offset),
          r.key!.toString(),
          r.value === null ? null : r.value.toString().replace(pad, ""),
        ]);
      }
      at += size;
    }
  }
  return out;
}

export async function storedBytes(): Promise<number> {
  let total = 0;
  for (const o of await cluster.objectStore.list("s3stream/")) total += o.size;
  return total;
}

/** A transaction of `producerId` writing `key`=`value`, ended by a marker; returns the marker's offset. */
export async function transaction(
  gate: ProducerStateManager,
  on: Partition,
  producerId: bigint,
  key: string,
  value: string,
  committed: boolean,
): Promise<number> {
  const txn = encodeRecordBatch({
    producerId,
    producerEpoch: 0,
    baseSequence: 0,
    isTransactional: true,
    records: [{ key, value, timestamp: BigInt(OLD) }],
  });
  const header = readRecordBatchHeader(txn);
  assert.equal(gate.admit(on, header, on.nextOffset).kind, "append");
  const offset = await on.append([{ payload: txn, count: 1, maxTimestamp: OLD }]);
  gate.settle(on, header, offset, true);
  const marker = { producerId, producerEpoch: 0, committed, coordinatorEpoch: 1 };
  assert.equal(await appendTxnMarker(on, gate, marker, () => true), KafkaErrorCode.NONE);
  return offset + 1;
}

/** A new stream opened as a partition on a new broker's storage, with its producer state loaded. */
export async function openWithProducerState(nodeId: number) {
  const storage = await openStorage(nodeId);
  const streamId = await cluster.createStream();
  const partition = await openOn(storage, streamId, 1);
  const gate = new ProducerStateManager();
  await gate.load(partition);
  return { storage, streamId, partition, gate };
}
