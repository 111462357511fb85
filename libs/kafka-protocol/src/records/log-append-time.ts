// A batch stamped with the broker's clock (topic config message.timestamp.type=LogAppendTime), as Kafka's
// broker does it (DefaultRecordBatch.setMaxTimestamp): the timestamp-type attribute bit is set, maxTimestamp
// becomes the append time, record deltas stay as sent, and the CRC (which covers both) is computed again.
// Readers then report the append time for every record of the batch (iterate-records.ts).
import { computeRecordBatchCrc, RecordBatchField, recordBatchSize } from "./record-batch.ts";

const TIMESTAMP_TYPE_FLAG = 0x08;

/** Rewrites the batch in place: LogAppendTime with `timestampMs` as its max timestamp, CRC recomputed. */
export function setLogAppendTime(batch: Buffer, timestampMs: number): void {
  recordBatchSize(batch);
  const attributes = batch.readInt16BE(RecordBatchField.attributes);
  batch.writeInt16BE(attributes | TIMESTAMP_TYPE_FLAG, RecordBatchField.attributes);
  batch.writeBigInt64BE(BigInt(timestampMs), RecordBatchField.maxTimestamp);
  batch.writeUInt32BE(computeRecordBatchCrc(batch), RecordBatchField.crc);
}
