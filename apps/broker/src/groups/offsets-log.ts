// The offsets log on a partition of the offsets topic: each GroupLog.append is one Kafka record batch
// (key/value records of offsets-log-record.ts) appended to the partition's stream, so group state lives
// in object storage like any data and moves with the partition. Replaying the stream rebuilds it.
import { encodeEndTxnMarker, encodeRecordBatch } from "@cirrus/kafka-protocol";
import { CoordinatorError, CoordinatorErrorCode } from "../errors.ts";
import {
  type MarkerReplay,
  type ReplayedTxnProducer,
  replayKeyedLog,
} from "../partitions/keyed-log-replay.ts";
import type { Partition } from "../partitions/partition.ts";
import type { GroupLog, TxnEnd, TxnProducer } from "./group-context.ts";
import type { OffsetsLogIndex } from "./offsets-log-index.ts";
import {
  decodeOffsetsLogRecord,
  encodeOffsetsLogKey,
  encodeOffsetsLogValue,
  type OffsetsLogRecord,
} from "./offsets-log-record.ts";

/** The part of Partition the offsets log writes to, reads from and trims (compaction). */
export type OffsetsPartition = Pick<
  Partition,
  "append" | "read" | "trim" | "logStartOffset" | "nextOffset" | "highWatermark"
>;

export class PartitionGroupLog implements GroupLog {
  readonly #partition: OffsetsPartition;
  readonly #now: () => number;
  readonly #index: OffsetsLogIndex | undefined;

  /** `index`, when given, learns every appended record with its offset at the moment the offset is taken. */
  constructor(partition: OffsetsPartition, now: () => number = Date.now, index?: OffsetsLogIndex) {
    this.#partition = partition;
    this.#now = now;
    this.#index = index;
  }

  /**
   * One batch per call: the records become durable together or not at all. The offsets are taken
   * synchronously, within this call (Partition.append's contract): a record built from the index right
   * before the call is therefore newer than everything appended before it. A transactional batch (`txn`)
   * is not the latest of its keys yet: the index only learns that the producer's transaction is open.
   */
  async append(records: readonly OffsetsLogRecord[], txn?: TxnProducer): Promise<void> {
    if (records.length === 0) return;
    const timestamp = BigInt(this.#now());
    const payload = encodeRecordBatch({
      baseTimestamp: timestamp,
      records: records.map((r) => ({ key: encodeOffsetsLogKey(r), value: encodeOffsetsLogValue(r) })),
      ...(txn && {
        isTransactional: true,
        producerId: txn.producerId,
        producerEpoch: txn.producerEpoch,
        baseSequence: -1,
      }),
    });
    return this.#appendBatch(payload, records.length, Number(timestamp), (base) => {
      if (txn) this.#index?.openTxn(txn.producerId, base, records);
      else for (let i = 0; i < records.length; i++) this.#index?.note(records[i]!, base + i);
    });
  }

  /** The marker ends the producer's open transaction; committed records become the latest of their keys. */
  async appendTxnMarker(end: TxnEnd, materialized: readonly OffsetsLogRecord[]): Promise<void> {
    const timestamp = this.#now();
    const payload = encodeEndTxnMarker({ ...end, timestamp: BigInt(timestamp) });
    return this.#appendBatch(payload, 1, timestamp, (offset) => {
      for (const r of materialized) this.#index?.note(r, offset);
      this.#index?.endTxn(end.producerId);
    });
  }

  /** Appends one batch; `noteOffsets(base)` runs synchronously once the batch took its offsets. */
  async #appendBatch(
    payload: Buffer,
    count: number,
    maxTimestamp: number,
    noteOffsets: (base: number) => void,
  ): Promise<void> {
    const base = this.#partition.nextOffset;
    const appended = this.#partition.append([{ payload, count, maxTimestamp }]);
    const tookOffsets = this.#partition.nextOffset === base + count;
    if (tookOffsets) noteOffsets(base);
    try {
      await appended;
    } catch (error) {
      // Offsets were taken but the records are not stored: the index names records that do not exist.
      if (tookOffsets) this.#index?.markBroken();
      throw new CoordinatorError(CoordinatorErrorCode.LOG_APPEND_FAILED, "offsets log append failed", {
        cause: error,
      });
    }
  }
}

/**
 * Replays the offsets log (partitions/keyed-log-replay.ts): see replayKeyedLog. `apply` gets the producer of
 * a TxnOffsetCommit record (null for others); `onMarker` each transaction marker.
 */
export function replayOffsetsLog(
  partition: OffsetsPartition,
  apply: (record: OffsetsLogRecord, offset: number, txn: ReplayedTxnProducer | null) => void,
  onMarker?: MarkerReplay,
): Promise<number> {
  return replayKeyedLog(partition, "offsets log", decodeOffsetsLogRecord, apply, onMarker);
}
