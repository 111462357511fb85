// The offsets log on a partition of the offsets topic: each GroupLog.append is one Kafka record batch
// (key/value records of offsets-log-record.ts) appended to the partition's stream, so group state lives
// in object storage like any data and moves with the partition. Replaying the stream rebuilds it.
import { encodeRecordBatch } from "@cirrus/kafka-protocol";
import { CoordinatorError, CoordinatorErrorCode } from "../errors.ts";
import { replayKeyedLog } from "../partitions/keyed-log-replay.ts";
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

/** Replays the offsets log (partitions/keyed-log-replay.ts): see replayKeyedLog. */
export function replayOffsetsLog(
  partition: OffsetsPartition,
  apply: (record: OffsetsLogRecord, offset: number) => void,
): Promise<number> {
  return replayKeyedLog(partition, "offsets log", decodeOffsetsLogRecord, apply);
}
