// Control batches (KIP-98): the commit or abort marker a transaction coordinator has written to each
// partition of a transaction. One record; its key is ControlRecordType (version:int16 type:int16, 0 abort,
// 1 commit), its value EndTransactionMarker (version:int16 coordinator_epoch:int32). The batch carries the
// producer's id and epoch, is transactional and control, and has no sequence (-1).
import { encodeRecordBatch } from "./encode-record-batch.ts";
import { iterateRecords } from "./iterate-records.ts";

export const ControlRecordType = { Abort: 0, Commit: 1 } as const;
export type ControlRecordType = (typeof ControlRecordType)[keyof typeof ControlRecordType];

export interface EndTxnMarker {
  readonly producerId: bigint;
  readonly producerEpoch: number;
  readonly committed: boolean;
  readonly coordinatorEpoch: number;
  readonly timestamp: bigint;
}

export function encodeEndTxnMarker(marker: EndTxnMarker): Buffer {
  const key = Buffer.alloc(4);
  key.writeInt16BE(0, 0);
  key.writeInt16BE(marker.committed ? ControlRecordType.Commit : ControlRecordType.Abort, 2);
  const value = Buffer.alloc(6);
  value.writeInt16BE(0, 0);
  value.writeInt32BE(marker.coordinatorEpoch, 2);
  return encodeRecordBatch({
    isTransactional: true,
    isControl: true,
    producerId: marker.producerId,
    producerEpoch: marker.producerEpoch,
    baseSequence: -1,
    baseTimestamp: marker.timestamp,
    records: [{ key, value }],
  });
}

/**
 * The type of a control batch's record (commit or abort), or undefined when its first record is no known
 * control record (unknown control types are ignored, as Kafka's consumers do).
 */
export function readControlRecordType(batch: Buffer): ControlRecordType | undefined {
  for (const record of iterateRecords(batch)) {
    if (record.key === null || record.key.length < 4) return undefined;
    const type = record.key.readInt16BE(2);
    return type === ControlRecordType.Abort || type === ControlRecordType.Commit ? type : undefined;
  }
  return undefined;
}
