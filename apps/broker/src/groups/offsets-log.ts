// The offsets log on a partition of the offsets topic: each GroupLog.append is one Kafka record batch
// (key/value records of offsets-log-record.ts) appended to the partition's stream, so group state lives
// in object storage like any data and moves with the partition. Replaying the stream rebuilds it.
import { encodeRecordBatch, iterateRecords, splitRecordBatches } from "@cirrus/kafka-protocol";
import { CoordinatorError, CoordinatorErrorCode } from "../errors.ts";
import type { Partition } from "../partitions/partition.ts";
import type { GroupLog } from "./group-context.ts";
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

const REPLAY_READ_BYTES = 4 * 1024 * 1024;

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
   * before the call is therefore newer than everything appended before it.
   */
  async append(records: readonly OffsetsLogRecord[]): Promise<void> {
    if (records.length === 0) return;
    const timestamp = BigInt(this.#now());
    const payload = encodeRecordBatch({
      baseTimestamp: timestamp,
      records: records.map((r) => ({ key: encodeOffsetsLogKey(r), value: encodeOffsetsLogValue(r) })),
    });
    const base = this.#partition.nextOffset;
    const appended = this.#partition.append([
      { payload, count: records.length, maxTimestamp: Number(timestamp) },
    ]);
    const tookOffsets = this.#partition.nextOffset === base + records.length;
    if (tookOffsets && this.#index) {
      for (let i = 0; i < records.length; i++) this.#index.note(records[i]!, base + i);
    }
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
 * Feeds every record of the partition, from its log start to its high watermark, in offset order, to
 * `apply` (with the record's stream offset). Returns the number of records. Rejects with CoordinatorError(LOG_RECORD_CORRUPT) on a record
 * that cannot be decoded (the partition is then not served rather than served with wrong state).
 */
export async function replayOffsetsLog(
  partition: OffsetsPartition,
  apply: (record: OffsetsLogRecord, offset: number) => void,
): Promise<number> {
  let offset = partition.logStartOffset;
  const end = partition.highWatermark;
  let count = 0;
  while (offset < end) {
    const { chunks } = await partition.read(offset, REPLAY_READ_BYTES);
    if (chunks.length === 0) break;
    const before = offset;
    for (const chunk of chunks) {
      try {
        for (const batch of splitRecordBatches(chunk)) {
          for (const record of iterateRecords(batch)) {
            const recordOffset = Number(record.offset);
            if (recordOffset < offset) continue;
            if (record.key === null) throw new Error(`record ${recordOffset} has no key`);
            apply(decodeOffsetsLogRecord(record.key, record.value), recordOffset);
            count++;
            offset = recordOffset + 1;
          }
        }
      } catch (error) {
        if (error instanceof CoordinatorError) throw error;
        throw new CoordinatorError(
          CoordinatorErrorCode.LOG_RECORD_CORRUPT,
          `offsets log unreadable near ${offset}`,
          {
            cause: error,
          },
        );
      }
    }
    if (offset === before) {
      throw new CoordinatorError(
        CoordinatorErrorCode.LOG_RECORD_CORRUPT,
        `offsets log does not advance at ${offset}`,
      );
    }
  }
  return count;
}
