// What the partition-level benches share: "brokers" that are s3stream Storages on a WAL in one temp folder over
// one object store and one in-memory object manager, broker Partitions opened on their streams, and a filler
// of idempotent batches (many producers, each continuing its own sequence).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeEndTxnMarker, encodeRecordBatch } from "@cirrus/kafka-protocol";
import type { ObjectStore } from "@cirrus/object-store";
import { MemoryObjectManager, Storage, type StorageOptions } from "@cirrus/s3stream";
import { AppendNotifier } from "../../apps/broker/src/partitions/append-notifier.ts";
import { Partition } from "../../apps/broker/src/partitions/partition.ts";
import type { CheckpointOptions } from "../../apps/broker/src/partitions/partition-checkpointer.ts";
import { MiB } from "./s3stream-bench-kit.ts";

export class BenchBrokers {
  readonly dir: string;
  readonly objectStore: ObjectStore;
  readonly objectManager = new MemoryObjectManager();
  readonly #storages: Storage[] = [];

  private constructor(dir: string, objectStore: ObjectStore) {
    this.dir = dir;
    this.objectStore = objectStore;
  }

  /** A temp folder named after the bench; `objectStore` may live in it (it is given the folder). */
  static async create(name: string, objectStore: (dir: string) => ObjectStore): Promise<BenchBrokers> {
    const dir = await mkdtemp(join(tmpdir(), `cirrus-bench-${name}-`));
    return new BenchBrokers(dir, objectStore(dir));
  }

  /** Storage of broker `nodeId` (its own WAL file, 512 MiB unless overridden). */
  async storage(nodeId: number, overrides: Partial<StorageOptions> = {}): Promise<Storage> {
    const storage = await Storage.open({
      walPath: join(this.dir, `wal-${nodeId}`),
      walCapacity: 512 * MiB,
      objectStore: this.objectStore,
      objectManager: this.objectManager,
      nodeId,
      nodeEpoch: 1,
      ...overrides,
    });
    this.#storages.push(storage);
    return storage;
  }

  /** The broker's Partition on `streamId`, opened at `epoch` (partition 0 of `topic`). */
  async partition(
    storage: Storage,
    streamId: number,
    epoch: number,
    options: { topic?: string; checkpoints?: Partial<CheckpointOptions> } = {},
  ): Promise<Partition> {
    const stream = await storage.openStream(streamId, epoch);
    return new Partition(
      {
        topic: options.topic ?? "bench",
        topicId: "0".repeat(32),
        partition: 0,
        leaderEpoch: epoch,
        streamId,
      },
      stream,
      new AppendNotifier(),
      undefined,
      options.checkpoints,
    );
  }

  /** Shuts every storage down (errors ignored) and removes the folder. */
  async close(): Promise<void> {
    for (const storage of this.#storages) await storage.shutdown().catch(() => {});
    await rm(this.dir, { recursive: true, force: true });
  }
}

export interface IdempotentFill {
  producers: number;
  recordsPerBatch: number;
  /** Each record's value. */
  value: Buffer;
  /** Next sequence of each producer (ids 1000, 1001, …); advanced as batches are made. */
  sequences: number[];
  /** The batch's timestamp from its index (default: now). */
  timestampOf?: (batchIndex: number) => number;
  /**
   * Transactional batches: each producer ends its transaction after this many of its batches with a marker
   * (every third one an abort), so the partition has open, committed and aborted transactions.
   */
  transactionBatches?: number;
}

/** Appends at least `mib` of idempotent batches, 256 in flight; resolves once all are acked. */
export async function fillIdempotent(
  partition: Partition,
  mib: number,
  fill: IdempotentFill,
): Promise<{ batches: number; bytes: number }> {
  const pending: Promise<number>[] = [];
  let batches = 0;
  let bytes = 0;
  for (; bytes < mib * MiB; batches++) {
    const producer = batches % fill.producers;
    const producerId = BigInt(1000 + producer);
    const maxTimestamp = fill.timestampOf?.(batches) ?? Date.now();
    const payload = encodeRecordBatch({
      producerId,
      producerEpoch: 0,
      baseSequence: fill.sequences[producer]!,
      isTransactional: fill.transactionBatches !== undefined,
      // The records carry the batch's timestamp (ListOffsets by time reads them).
      records: Array.from({ length: fill.recordsPerBatch }, () => ({
        value: fill.value,
        timestamp: BigInt(maxTimestamp),
      })),
    });
    fill.sequences[producer]! += fill.recordsPerBatch;
    pending.push(partition.append([{ payload, count: fill.recordsPerBatch, maxTimestamp }]));
    const perProducer = Math.floor(batches / fill.producers) + 1;
    if (fill.transactionBatches && perProducer % fill.transactionBatches === 0) {
      const committed = (perProducer / fill.transactionBatches) % 3 !== 0;
      const marker = encodeEndTxnMarker({
        producerId,
        producerEpoch: 0,
        committed,
        coordinatorEpoch: 0,
        timestamp: BigInt(maxTimestamp),
      });
      pending.push(partition.append([{ payload: marker, count: 1, maxTimestamp }]));
    }
    if (pending.length >= 256) await Promise.all(pending.splice(0));
    bytes += payload.length;
  }
  await Promise.all(pending);
  return { batches, bytes };
}
