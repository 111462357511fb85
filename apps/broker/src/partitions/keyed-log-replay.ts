// Replaying a coordinator's log (the offsets log of a group shard, the transaction log of a transaction
// shard): every key/value record of the partition, log start to high watermark, decoded and applied in
// offset order. One reader for both, so a fix to how a coordinator's state is rebuilt reaches both.
// The offsets log also holds transactional batches (TxnOffsetCommit) and their commit/abort markers
// (control batches): `apply` learns the producer of a transactional record, `onMarker` each marker.
import {
  ControlRecordType,
  iterateRecords,
  readControlRecordType,
  readRecordBatchHeader,
  splitRecordBatches,
} from "@cirrus/kafka-protocol";
import { CoordinatorError, CoordinatorErrorCode } from "../errors.ts";
import type { Partition } from "./partition.ts";

export type ReplayedPartition = Pick<Partition, "read" | "logStartOffset" | "highWatermark">;

/** A transaction's marker met in the log: the producer's records before it are committed or aborted. */
export interface ReplayedMarker {
  readonly producerId: bigint;
  readonly producerEpoch: number;
  readonly committed: boolean;
}

/** The producer of a record in a transactional batch. */
export interface ReplayedTxnProducer {
  readonly producerId: bigint;
  readonly producerEpoch: number;
}

/** Called with each marker (control batch) at its offset; a log holding one without this handler is corrupt. */
export type MarkerReplay = (marker: ReplayedMarker, offset: number) => void;

const REPLAY_READ_BYTES = 4 * 1024 * 1024;

/**
 * Feeds every record of `partition`, from its log start to its high watermark, in offset order, to `apply`
 * (decoded, with its stream offset). Returns the number of records. Rejects with
 * CoordinatorError(LOG_RECORD_CORRUPT), naming `logName`, on a record without a key or that `decode` cannot
 * read, or a read that does not advance (the partition is then not served rather than served with wrong
 * state); a CoordinatorError from `decode` or `apply` passes through unchanged.
 */
export async function replayKeyedLog<R>(
  partition: ReplayedPartition,
  logName: string,
  decode: (key: Buffer, value: Buffer | null) => R,
  apply: (record: R, offset: number, txn: ReplayedTxnProducer | null) => void,
  onMarker?: MarkerReplay,
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
          const header = readRecordBatchHeader(batch);
          if (header.isControl) {
            const markerOffset = Number(header.baseOffset);
            if (markerOffset < offset) continue;
            if (!onMarker) throw new Error(`unexpected control batch at ${markerOffset}`);
            const type = readControlRecordType(batch);
            if (type !== undefined) {
              const committed = type === ControlRecordType.Commit;
              onMarker(
                { producerId: header.producerId, producerEpoch: header.producerEpoch, committed },
                markerOffset,
              );
            }
            count++;
            offset = markerOffset + header.lastOffsetDelta + 1;
            continue;
          }
          const txn = header.isTransactional
            ? { producerId: header.producerId, producerEpoch: header.producerEpoch }
            : null;
          for (const record of iterateRecords(batch)) {
            const recordOffset = Number(record.offset);
            if (recordOffset < offset) continue;
            if (record.key === null) throw new Error(`record ${recordOffset} has no key`);
            apply(decode(record.key, record.value), recordOffset, txn);
            count++;
            offset = recordOffset + 1;
          }
        }
      } catch (error) {
        if (error instanceof CoordinatorError) throw error;
        throw new CoordinatorError(
          CoordinatorErrorCode.LOG_RECORD_CORRUPT,
          `${logName} unreadable near ${offset}`,
          {
            cause: error,
          },
        );
      }
    }
    if (offset === before) {
      throw new CoordinatorError(
        CoordinatorErrorCode.LOG_RECORD_CORRUPT,
        `${logName} does not advance at ${offset}`,
      );
    }
  }
  return count;
}
