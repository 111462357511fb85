// What a partition's log says, folded up to an offset: the idempotent-producer state and the time index.
// Built only from stored records in offset order (never from in-flight produces), so it is exactly what a
// scan of the log from its start to `coveredOffset` would build; a checkpoint is a copy of it, and a
// checkpoint plus the records after it gives the same state as the scan. Pure: no I/O.
import { CONTROL_FLAG, logOverhead, RecordBatchField, recordBatchSize } from "@cirrus/kafka-protocol";
import {
  PartitionProducerState,
  type PartitionProducerStateOptions,
} from "../producers/partition-producer-state.ts";
import type { Checkpoint } from "./checkpoint-codec.ts";
import { TimeIndex } from "./time-index.ts";

/** One stored record (one stream append: one or more Kafka batches). */
export interface LogRecord {
  readonly baseOffset: number;
  readonly count: number;
  readonly timestamp: number;
  readonly payload: Buffer;
}

/** The last Kafka batch folded in, which a checkpoint names so that a reader can check it is the same log. */
export interface BatchFingerprint {
  readonly baseOffset: number;
  readonly crc: number;
}

export class PartitionLogState {
  readonly producers: PartitionProducerState;
  readonly index: TimeIndex;
  #coveredOffset: number;
  /** The last batch folded in (-1: none), kept as two numbers: this is updated for every batch. */
  #lastBatchOffset: number;
  #lastBatchCrc: number;
  #bytes = 0;

  private constructor(
    producers: PartitionProducerState,
    index: TimeIndex,
    coveredOffset: number,
    lastBatch: BatchFingerprint | undefined,
  ) {
    this.producers = producers;
    this.index = index;
    this.#coveredOffset = coveredOffset;
    this.#lastBatchOffset = lastBatch?.baseOffset ?? -1;
    this.#lastBatchCrc = lastBatch?.crc ?? 0;
  }

  /** Nothing folded yet; the first record to apply is the one at (or overlapping) `startOffset`. */
  static empty(
    startOffset: number,
    options: PartitionProducerStateOptions & { granuleBytes: number },
  ): PartitionLogState {
    return new PartitionLogState(
      new PartitionProducerState(options),
      new TimeIndex(options.granuleBytes),
      startOffset,
      undefined,
    );
  }

  /** The state a checkpoint holds, ready to take the records from its offset on. */
  static fromCheckpoint(
    checkpoint: Checkpoint,
    options: PartitionProducerStateOptions & { granuleBytes: number },
  ): PartitionLogState {
    return new PartitionLogState(
      PartitionProducerState.fromSnapshot(checkpoint.producers, options),
      new TimeIndex(options.granuleBytes, checkpoint.granules, checkpoint.offset),
      checkpoint.offset,
      checkpoint.lastBatch,
    );
  }

  /** One past the last offset folded in. */
  get coveredOffset(): number {
    return this.#coveredOffset;
  }

  get lastBatch(): BatchFingerprint | undefined {
    return this.#lastBatchOffset < 0
      ? undefined
      : { baseOffset: this.#lastBatchOffset, crc: this.#lastBatchCrc };
  }

  /** Payload bytes folded in since this object was made (checkpoint cadence). */
  get bytesApplied(): number {
    return this.#bytes;
  }

  /**
   * Folds in the next stored record. Records wholly below `coveredOffset` are skipped (reads may return a
   * record that began before the offset asked for). Throws (ProtocolError) on a payload that is not Kafka
   * batches, as a scan would: the state is then unchanged for that record.
   */
  apply(record: LogRecord): void {
    const next = record.baseOffset + record.count;
    if (next <= this.#coveredOffset) return;
    const payload = record.payload;
    // This runs for every byte produced, so batch headers are read in place. Every batch is validated first
    // so that a bad payload changes nothing; then only batches with a producer id are replayed.
    for (let at = 0; at < payload.length; ) at += recordBatchSize(payload, at);
    for (
      let at = 0;
      at < payload.length;
      at = at + logOverhead + payload.readInt32BE(at + RecordBatchField.batchLength)
    ) {
      const baseOffset = payload.readInt32BE(at) * 2 ** 32 + payload.readUInt32BE(at + 4);
      const lastOffsetDelta = payload.readInt32BE(at + RecordBatchField.lastOffsetDelta);
      if (baseOffset + lastOffsetDelta < this.#coveredOffset) continue;
      const isControl = (payload.readInt16BE(at + RecordBatchField.attributes) & CONTROL_FLAG) !== 0;
      // A producer id's high half is negative exactly when the id is -1 (none).
      if (!isControl && payload.readInt32BE(at + RecordBatchField.producerId) >= 0) {
        this.producers.replay(
          {
            producerId: payload.readBigInt64BE(at + RecordBatchField.producerId),
            producerEpoch: payload.readInt16BE(at + RecordBatchField.producerEpoch),
            baseSequence: payload.readInt32BE(at + RecordBatchField.baseSequence),
            lastOffsetDelta,
            maxTimestamp: payload.readBigInt64BE(at + RecordBatchField.maxTimestamp),
          },
          baseOffset,
        );
      }
      this.#lastBatchOffset = baseOffset;
      this.#lastBatchCrc = payload.readUInt32BE(at + RecordBatchField.crc);
    }
    this.index.add(record.baseOffset, record.count, record.timestamp, payload.length);
    this.#bytes += payload.length;
    this.#coveredOffset = next;
  }

  /** Retention moved the log start: forget what lies wholly below it and continue from there. */
  forgetBelow(logStartOffset: number): void {
    this.producers.forgetBelow(logStartOffset);
    this.index.forgetBelow(logStartOffset);
    if (this.#coveredOffset < logStartOffset) this.#coveredOffset = logStartOffset;
  }
}
