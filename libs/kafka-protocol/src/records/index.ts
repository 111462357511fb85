// Record batches (magic 2): header, CRC, base offset, iteration, encoding.
export { compress, decompress } from "./compression.ts";
export {
  ControlRecordType,
  type EndTxnMarker,
  encodeEndTxnMarker,
  readControlRecordType,
} from "./control-records.ts";
export { encodeRecordBatch, type RecordBatchInput, type RecordInput } from "./encode-record-batch.ts";
export {
  type IterateOptions,
  iterateRecords,
  type KafkaRecord,
  type RecordHeader,
} from "./iterate-records.ts";
export { setLogAppendTime } from "./log-append-time.ts";
export {
  CONTROL_FLAG,
  Compression,
  computeRecordBatchCrc,
  logOverhead,
  RecordBatchField,
  type RecordBatchHeader,
  type RecordBatchSummary,
  readRecordBatchHeader,
  readRecordBatchSummary,
  recordBatchCrcMatches,
  recordBatchHeaderSize,
  recordBatchSize,
  type SplitOptions,
  setBaseOffset,
  setPartitionLeaderEpoch,
  splitRecordBatches,
  TimestampType,
  TRANSACTIONAL_FLAG,
  verifyRecordBatchCrc,
} from "./record-batch.ts";
