// What a partition's log says, folded up to an offset: the idempotent-producer state, the time index and the
// transactions (producers/txn-log-state.ts: open and aborted transactions, marker epochs).
// Built only from stored records in offset order (never from in-flight produces), so it is exactly what a
// scan of the log from its start to `coveredOffset` would build; a checkpoint is a copy of it, and a
// checkpoint plus the records after it gives the same state as the scan. Pure: no I/O.
import {
  CONTROL_FLAG,
  ControlRecordType,
  logOverhead,
  RecordBatchField,
  readControlRecordType,
  recordBatchSize,
  TRANSACTIONAL_FLAG,
} from "@cirrus/kafka-protocol";
import {
  PartitionProducerState,
  type PartitionProducerStateOptions,
} from "../producers/partition-producer-state.ts";
import { TxnLogState } from "../producers/txn-log-state.ts";
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
  #txns: TxnLogState;
  #coveredOffset: number;
  /** The last batch folded in (-1: none), kept as two numbers: this is updated for every batch. */
  #lastBatchOffset: number;
  #lastBatchCrc: number;
  #bytes = 0;

  private constructor(
    producers: PartitionProducerState,
    index: TimeIndex,
    txns: TxnLogState,
    coveredOffset: number,
    lastBatch: BatchFingerprint | undefined,
  ) {
    this.producers = producers;
    this.index = index;
    this.#txns = txns;
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
      TxnLogState.empty(),
      startOffset,
      undefined,
    );
  }

  /**
   * The state a checkpoint holds, ready to take the records from its offset on. A checkpoint without
   * transactions (version 1) gives an unknown TxnLogState: the loader rebuilds it (replaceTxns).
   */
  static fromCheckpoint(
    checkpoint: Checkpoint,
    options: PartitionProducerStateOptions & { granuleBytes: number },
  ): PartitionLogState {
    return new PartitionLogState(
      PartitionProducerState.fromSnapshot(checkpoint.producers, options),
      new TimeIndex(options.granuleBytes, checkpoint.granules, checkpoint.offset),
      checkpoint.txns ? TxnLogState.fromSnapshot(checkpoint.txns) : TxnLogState.unknown(),
      checkpoint.offset,
      checkpoint.lastBatch,
    );
  }

  get txns(): TxnLogState {
    return this.#txns;
  }

  /** Takes `txns`, built by scanning this same log up to coveredOffset, in place of what it holds. */
  replaceTxns(txns: TxnLogState): void {
    this.#txns = txns;
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
    // (and the type of every transaction marker read) so that a bad payload changes nothing; then only
    // batches with a producer id are replayed.
    let markerTypes: (ControlRecordType | undefined)[] | undefined;
    for (let at = 0; at < payload.length; ) {
      const size = recordBatchSize(payload, at);
      if (isMarker(payload, at)) {
        markerTypes ??= [];
        markerTypes.push(readControlRecordType(payload.subarray(at, at + size)));
      }
      at += size;
    }
    const covered = this.#coveredOffset;
    let marker = 0;
    for (
      let at = 0;
      at < payload.length;
      at = at + logOverhead + payload.readInt32BE(at + RecordBatchField.batchLength)
    ) {
      const baseOffset = payload.readInt32BE(at) * 2 ** 32 + payload.readUInt32BE(at + 4);
      const lastOffsetDelta = payload.readInt32BE(at + RecordBatchField.lastOffsetDelta);
      const attributes = payload.readInt16BE(at + RecordBatchField.attributes);
      const isControl = (attributes & CONTROL_FLAG) !== 0;
      const markerType = isMarker(payload, at) ? markerTypes![marker++] : undefined;
      if (baseOffset + lastOffsetDelta < covered) continue;
      // A producer id's high half is negative exactly when the id is -1 (none).
      const hasProducer = payload.readInt32BE(at + RecordBatchField.producerId) >= 0;
      // Transactions begin and end only at batches at or after where this state started (as the scan from
      // the log start sees them: a batch straddling the log start is not looked at).
      if (hasProducer && (attributes & TRANSACTIONAL_FLAG) !== 0 && baseOffset >= covered) {
        const producerId = payload.readBigInt64BE(at + RecordBatchField.producerId);
        // An empty data batch is the log cleaner's (rebuild-txn-index.ts): it opens nothing.
        if (!isControl) {
          if (payload.readInt32BE(at + RecordBatchField.recordCount) > 0)
            this.#txns.data(producerId, baseOffset);
        } else if (markerType !== undefined) {
          const epoch = payload.readInt16BE(at + RecordBatchField.producerEpoch);
          const writtenAt = Number(payload.readBigInt64BE(at + RecordBatchField.maxTimestamp));
          const committed = markerType === ControlRecordType.Commit;
          this.#txns.marker(producerId, epoch, baseOffset, committed, writtenAt);
        }
      }
      if (!isControl && hasProducer) {
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

  /**
   * Forgets producers (their batches and their marker epochs) idle longer than the producer expiry at `nowMs`
   * with no transaction open here. A producer is idle since its newest batch or marker, whichever is later:
   * Kafka keeps both in one entry, so a recent marker keeps the batches and a recent batch the marker.
   */
  expire(nowMs: number): void {
    const { producers } = this;
    const txns = this.#txns;
    const idle = (lastTimestamp: number) => producers.isIdle(lastTimestamp, nowMs);
    const recent = (lastTimestamp: number | undefined) => lastTimestamp !== undefined && !idle(lastTimestamp);
    producers.expire(nowMs, (id) => txns.mayHaveOpenTxn(id) || recent(txns.lastMarkerTimestamp(id)));
    txns.expire(idle, (id) => recent(producers.lastBatchTimestamp(id)));
  }

  /**
   * Retention moved the log start: forget what lies wholly below it and continue from there. Returns whether
   * the transactions are still exactly what a scan from the log start sees (txn-log-state.ts: false when a
   * transaction straddles the log start or they are unknown; rebuild them by a scan then).
   */
  forgetBelow(logStartOffset: number): boolean {
    this.producers.forgetBelow(logStartOffset);
    this.index.forgetBelow(logStartOffset);
    const exact = this.#txns.forgetBelow(logStartOffset, this.#coveredOffset);
    if (this.#coveredOffset < logStartOffset) this.#coveredOffset = logStartOffset;
    return exact;
  }
}

/** A transactional control batch of a producer (a commit or abort marker) at `at`. */
function isMarker(payload: Buffer, at: number): boolean {
  const attributes = payload.readInt16BE(at + RecordBatchField.attributes);
  return (
    (attributes & CONTROL_FLAG) !== 0 &&
    (attributes & TRANSACTIONAL_FLAG) !== 0 &&
    payload.readInt32BE(at + RecordBatchField.producerId) >= 0
  );
}
