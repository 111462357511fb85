// The transaction log on one partition of the transaction-state topic: each append is one record batch
// of key/value records (txn-log-record.ts) appended to the partition's stream, so transaction state
// lives in object storage like any data and moves with the partition. Replaying the stream rebuilds it.
import { encodeRecordBatch, iterateRecords, splitRecordBatches } from "@cirrus/kafka-protocol";
import { CoordinatorError, CoordinatorErrorCode } from "../errors.ts";
import type { Partition } from "../partitions/partition.ts";
import {
  decodeTxnLogRecord,
  encodeTxnLogKey,
  encodeTxnLogValue,
  type TxnLogRecord,
} from "./txn-log-record.ts";

/** Where the coordinator stores its decisions. Resolves once the records are durable, together. */
export interface TxnLog {
  append(records: readonly TxnLogRecord[]): Promise<void>;
}

export type TxnLogPartition = Pick<
  Partition,
  "append" | "read" | "logStartOffset" | "nextOffset" | "highWatermark"
>;

const REPLAY_READ_BYTES = 4 * 1024 * 1024;

export class PartitionTxnLog implements TxnLog {
  readonly #partition: TxnLogPartition;
  readonly #now: () => number;

  constructor(partition: TxnLogPartition, now: () => number = Date.now) {
    this.#partition = partition;
    this.#now = now;
  }

  async append(records: readonly TxnLogRecord[]): Promise<void> {
    if (records.length === 0) return;
    const timestamp = BigInt(this.#now());
    const payload = encodeRecordBatch({
      baseTimestamp: timestamp,
      records: records.map((r) => ({
        key: encodeTxnLogKey(r.transactionalId),
        value: encodeTxnLogValue(r.value),
      })),
    });
    try {
      await this.#partition.append([{ payload, count: records.length, maxTimestamp: Number(timestamp) }]);
    } catch (error) {
      throw new CoordinatorError(CoordinatorErrorCode.LOG_APPEND_FAILED, "transaction log append failed", {
        cause: error,
      });
    }
  }
}

/**
 * Feeds every record of the partition, log start to high watermark, in offset order, to `apply`. Returns
 * the number of records; rejects with CoordinatorError(LOG_RECORD_CORRUPT) on a record it cannot decode
 * (the partition is then not served rather than served with wrong state).
 */
export async function replayTxnLog(
  partition: TxnLogPartition,
  apply: (record: TxnLogRecord) => void,
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
            apply(decodeTxnLogRecord(record.key, record.value));
            count++;
            offset = recordOffset + 1;
          }
        }
      } catch (error) {
        if (error instanceof CoordinatorError) throw error;
        throw new CoordinatorError(
          CoordinatorErrorCode.LOG_RECORD_CORRUPT,
          `transaction log unreadable near ${offset}`,
          {
            cause: error,
          },
        );
      }
    }
    if (offset === before) {
      throw new CoordinatorError(
        CoordinatorErrorCode.LOG_RECORD_CORRUPT,
        `transaction log does not advance at ${offset}`,
      );
    }
  }
  return count;
}
