// The idempotent-producer gate the Produce handler calls (ProducerBatchGate in handlers/handler.ts): one
// PartitionProducerState per open Partition object, rebuilt from the partition's own stream: its newest
// checkpoint (partitions/partition-checkpointer.ts: a producer-state snapshot kept beside the stream) plus
// the stored batch headers after it, or every stored batch header when no checkpoint is usable; the same for
// the transaction index (open and aborted transactions, marker epochs), which the checkpoint carries too. A partition
// reopened here after a restart, a move or a failover therefore knows every producer that wrote to it.
import {
  ErrorCode,
  type RecordBatchHeader,
  readRecordBatchHeader,
  splitRecordBatches,
} from "@cirrus/kafka-protocol";
import { brokerConfigDefaults } from "../config.ts";
import type { ProducerBatchGate, ProducerVerdict } from "../handlers/handler.ts";
import { contiguousRecords } from "../partitions/contiguous-records.ts";
import type { Partition } from "../partitions/partition.ts";
import {
  PartitionProducerState,
  type PartitionProducerStateOptions,
  type ProducerBatch,
} from "./partition-producer-state.ts";
import type { AbortedTxn, PartitionTxnIndex } from "./partition-txn-index.ts";
import { incrementSequence } from "./sequence.ts";

export interface ActiveProducer {
  readonly producerId: bigint;
  readonly producerEpoch: number;
  readonly lastSequence: number;
  readonly lastTimestamp: number;
  /** The first offset of the producer's open transaction here, -1 when none is open. */
  readonly currentTxnStartOffset: number;
}

/** The part of Partition that rebuilding producer state reads. */
export type ReadablePartition = Pick<Partition, "readRecords" | "logStartOffset" | "highWatermark">;

export interface ProducerStateManagerOptions extends PartitionProducerStateOptions {
  readonly now: () => number;
  /** Bytes read per step while rebuilding a partition's state from its stream. */
  readonly rebuildReadBytes: number;
  /** A rebuild that failed (the next admit of that partition starts another one). */
  readonly onRebuildError: (partition: Partition, error: unknown) => void;
}

export const defaultProducerStateOptions: ProducerStateManagerOptions = Object.freeze({
  // The values are the broker config's (src/config.ts: producerIdleExpiryMs, maxProducersPerPartition).
  producerIdleExpiryMs: brokerConfigDefaults.producerIdleExpiryMs,
  maxProducers: brokerConfigDefaults.maxProducersPerPartition,
  now: () => Date.now(),
  rebuildReadBytes: 4 * 1024 * 1024,
  onRebuildError: () => {},
});

const EXPIRY_CHECK_INTERVAL_MS = 60_000;

/**
 * Reads the partition's stored batches from its log start and replays their producer fields: the full scan,
 * which checkpoint + tail must always equal (tests and benchmarks compare against it).
 */
export async function rebuildProducerState(
  partition: ReadablePartition,
  options: PartitionProducerStateOptions & { rebuildReadBytes: number },
): Promise<PartitionProducerState> {
  const state = new PartitionProducerState(options);
  const from = partition.logStartOffset;
  const reads = contiguousRecords(partition, from, partition.highWatermark, options.rebuildReadBytes);
  for await (const records of reads) {
    for (const record of records) {
      for (const batch of splitRecordBatches(record.payload)) {
        const header = readRecordBatchHeader(batch);
        const baseOffset = Number(header.baseOffset);
        if (baseOffset + header.lastOffsetDelta < from) continue;
        if (!header.isControl) state.replay(header, baseOffset);
      }
    }
  }
  return state;
}

export class ProducerStateManager implements ProducerBatchGate {
  readonly #options: ProducerStateManagerOptions;
  readonly #states = new WeakMap<
    Partition,
    { state: PartitionProducerState; txns: PartitionTxnIndex; expiredAt: number }
  >();
  readonly #rebuilding = new WeakMap<Partition, Promise<void>>();

  constructor(options: Partial<ProducerStateManagerOptions> = {}) {
    this.#options = { ...defaultProducerStateOptions, ...options };
  }

  /**
   * Rebuilds the partition's producer state from its stream unless already done; concurrent calls share
   * one rebuild. Call it when a partition opens so the first idempotent produce does not wait.
   */
  load(partition: Partition): Promise<void> {
    if (this.#states.has(partition)) return Promise.resolve();
    let rebuild = this.#rebuilding.get(partition);
    if (!rebuild) {
      // Both from the partition's checkpoint plus the tail after it (partitions/partition-checkpointer.ts).
      rebuild = partition.checkpoints.openState(this.#options).then(
        ({ producers: state, txns }) => {
          for (const [producerId, m] of txns.markerEpochs)
            state.noteMarker(producerId, m.epoch, m.lastTimestamp);
          this.#states.set(partition, { state, txns: txns.index, expiredAt: this.#options.now() });
          this.#rebuilding.delete(partition);
        },
        (error: unknown) => {
          this.#rebuilding.delete(partition);
          throw error;
        },
      );
      this.#rebuilding.set(partition, rebuild);
    }
    return rebuild;
  }

  loading(partition: Partition): Promise<void> | undefined {
    if (this.#states.has(partition)) return undefined;
    return this.load(partition).catch((error: unknown) => this.#options.onRebuildError(partition, error));
  }

  isLoaded(partition: Partition): boolean {
    return this.#states.has(partition);
  }

  admit(partition: Partition, batch: ProducerBatch, baseOffset: number): ProducerVerdict {
    const entry = this.#states.get(partition);
    if (!entry) {
      this.load(partition).catch((error: unknown) => this.#options.onRebuildError(partition, error));
      // Retriable: the client sends the same batch again once the state is rebuilt.
      return {
        kind: "reject",
        errorCode: ErrorCode.NOT_ENOUGH_REPLICAS,
        message: "producer state of this partition is being rebuilt",
      };
    }
    const now = this.#options.now();
    if (now - entry.expiredAt > EXPIRY_CHECK_INTERVAL_MS) {
      entry.state.expire(now, (producerId) => entry.txns.openedAt(producerId) !== undefined);
      // Aborted transactions wholly below the log start are no fetch's business any more (Kafka drops them
      // with their segments): the list stays bounded by what retention keeps.
      entry.txns.forgetBelow(partition.logStartOffset);
      entry.expiredAt = now;
    }
    const verdict = entry.state.admit(batch, baseOffset, now);
    if (verdict.kind === "append" && isTransactionalHeader(batch))
      entry.txns.begin(batch.producerId, baseOffset);
    return verdict;
  }

  settle(partition: Partition, batch: ProducerBatch, baseOffset: number, ok: boolean): void {
    const entry = this.#states.get(partition);
    entry?.state.settle(batch, baseOffset, ok);
    if (!ok && isTransactionalHeader(batch)) entry?.txns.undoBegin(batch.producerId, baseOffset);
  }

  /**
   * The producers this partition knows (DescribeProducers): epoch, last sequence and write time, and the
   * first offset of the transaction each has open here (-1: none). Undefined while the state loads.
   */
  activeProducers(partition: Partition): ActiveProducer[] | undefined {
    const entry = this.#states.get(partition);
    if (!entry) return undefined;
    return entry.state.snapshot().map((p) => {
      const last = p.batches.at(-1);
      return {
        producerId: p.producerId,
        // Durable batches only (snapshot()), unlike currentEpoch() which counts those in flight too.
        producerEpoch: Math.max(last?.epoch ?? -1, entry.state.markerEpoch(p.producerId) ?? -1),
        lastSequence: last ? incrementSequence(last.firstSeq, last.lastOffsetDelta) : -1,
        lastTimestamp: p.lastTimestamp,
        currentTxnStartOffset: entry.txns.openedAt(p.producerId) ?? -1,
      };
    });
  }

  /** The partition's transaction index; undefined while it loads (starting the load if none runs). */
  transactions(partition: Partition): PartitionTxnIndex | undefined {
    const entry = this.#states.get(partition);
    if (!entry)
      this.load(partition).catch((error: unknown) => this.#options.onRebuildError(partition, error));
    return entry?.txns;
  }

  /**
   * Forgets these aborted transactions in the partition's live index (the log cleaner is about to remove their
   * abort markers, after forgetting them in the partition's checkpoints). False while the state is being
   * loaded: the load may have copied them before they were forgotten, so the markers must stay this time.
   * True when the state is not loaded at all: a later load starts from the checkpoints, which forgot them.
   */
  dropAborted(partition: Partition, entries: readonly AbortedTxn[]): boolean {
    if (this.#rebuilding.has(partition)) return false;
    this.#states.get(partition)?.txns.dropAborted(entries);
    return true;
  }

  /**
   * Checks a transaction marker the coordinator wants written: NONE, or the Kafka error to answer (the
   * partition's state still loads: NOT_ENOUGH_REPLICAS, retriable; an epoch older than the producer's
   * here: INVALID_PRODUCER_EPOCH, the marker comes from a superseded coordinator decision).
   */
  checkMarker(partition: Partition, producerId: bigint, producerEpoch: number): number {
    const entry = this.#states.get(partition);
    if (!entry) {
      this.load(partition).catch((error: unknown) => this.#options.onRebuildError(partition, error));
      return ErrorCode.NOT_ENOUGH_REPLICAS;
    }
    const current = entry.state.currentEpoch(producerId);
    return current !== undefined && producerEpoch < current
      ? ErrorCode.INVALID_PRODUCER_EPOCH
      : ErrorCode.NONE;
  }

  /** A marker is durable at `offset`: the producer's transaction ends here and older epochs are fenced. */
  markerWritten(
    partition: Partition,
    producerId: bigint,
    producerEpoch: number,
    offset: number,
    committed: boolean,
  ): void {
    const entry = this.#states.get(partition);
    if (!entry) return;
    entry.state.noteMarker(producerId, producerEpoch, this.#options.now());
    entry.txns.end(producerId, offset, committed);
  }
}

function isTransactionalHeader(batch: ProducerBatch): boolean {
  return (batch as Partial<RecordBatchHeader>).isTransactional === true;
}
