// The transaction log on one partition of the transaction-state topic: each append is one record batch
// of key/value records (txn-log-record.ts) appended to the partition's stream, so transaction state
// lives in object storage like any data and moves with the partition. Replaying the stream rebuilds it.
import { encodeRecordBatch } from "@cirrus/kafka-protocol";
import { CoordinatorError, CoordinatorErrorCode } from "../errors.ts";
import { replayKeyedLog } from "../partitions/keyed-log-replay.ts";
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

/** Replays the transaction log (partitions/keyed-log-replay.ts): see replayKeyedLog. */
export function replayTxnLog(
  partition: TxnLogPartition,
  apply: (record: TxnLogRecord) => void,
): Promise<number> {
  return replayKeyedLog(partition, "transaction log", decodeTxnLogRecord, apply);
}
