import { crc32c } from "@node-rs/crc32";
import { ProtocolError } from "../errors.ts";

// Record batches, magic 2 (the only format since Kafka 0.11 that this codec reads):
//
// baseOffset: int64            @0   (NOT covered by the CRC: rewritten by the broker)
// batchLength: int32           @8   (bytes after this field: total size = batchLength + 12)
// partitionLeaderEpoch: int32  @12  (not covered by the CRC)
// magic: int8                  @16
// crc: uint32                  @17  (CRC-32C of everything from attributes to the end)
// attributes: int16            @21  (bits 0-2 compression, 3 timestamp type, 4 transactional, 5 control)
// lastOffsetDelta: int32       @23
// baseTimestamp: int64         @27
// maxTimestamp: int64          @35
// producerId: int64            @43
// producerEpoch: int16         @51
// baseSequence: int32          @53
// recordCount: int32           @57
// records                      @61
//
// Everything here reads the batch in place: no record bytes are copied.

/** Byte positions of the header fields above, for readers that take single fields in place. */
export const RecordBatchField = {
  baseOffset: 0,
  batchLength: 8,
  partitionLeaderEpoch: 12,
  magic: 16,
  crc: 17,
  attributes: 21,
  lastOffsetDelta: 23,
  baseTimestamp: 27,
  maxTimestamp: 35,
  producerId: 43,
  producerEpoch: 51,
  baseSequence: 53,
  recordCount: 57,
} as const;
/** Attribute bits. */
export const TRANSACTIONAL_FLAG = 0x10;
export const CONTROL_FLAG = 0x20;

export const recordBatchHeaderSize = 61;
/** Bytes before the batchLength-counted part (baseOffset + batchLength). */
export const logOverhead = 12;
const crcStart = RecordBatchField.attributes;

export const Compression = { None: 0, Gzip: 1, Snappy: 2, Lz4: 3, Zstd: 4 } as const;
export type Compression = (typeof Compression)[keyof typeof Compression];

export const TimestampType = { CreateTime: 0, LogAppendTime: 1 } as const;
export type TimestampType = (typeof TimestampType)[keyof typeof TimestampType];

export interface RecordBatchHeader {
  baseOffset: bigint;
  batchLength: number;
  partitionLeaderEpoch: number;
  magic: number;
  crc: number;
  attributes: number;
  compression: number;
  timestampType: TimestampType;
  isTransactional: boolean;
  isControl: boolean;
  lastOffsetDelta: number;
  baseTimestamp: bigint;
  maxTimestamp: bigint;
  producerId: bigint;
  producerEpoch: number;
  baseSequence: number;
  recordCount: number;
}

/** Total bytes of the batch at `offset` (12 + batchLength), after checking it is a magic-2 batch that fits. */
export function recordBatchSize(buf: Buffer, offset = 0): number {
  const left = buf.length - offset;
  if (left < recordBatchHeaderSize) {
    throw new ProtocolError("CORRUPT_RECORD_BATCH", `record batch header needs 61 bytes, ${left} left`);
  }
  const magic = buf.readInt8(offset + RecordBatchField.magic);
  if (magic !== 2) throw new ProtocolError("UNSUPPORTED_MAGIC", `record batch magic ${magic}, expected 2`);
  const batchLength = buf.readInt32BE(offset + RecordBatchField.batchLength);
  if (batchLength < recordBatchHeaderSize - logOverhead) {
    throw new ProtocolError(
      "CORRUPT_RECORD_BATCH",
      `record batch length ${batchLength} below the header size`,
    );
  }
  if (batchLength > left - logOverhead) {
    throw new ProtocolError(
      "CORRUPT_RECORD_BATCH",
      `record batch declares ${batchLength + logOverhead} bytes, ${left} left`,
    );
  }
  return batchLength + logOverhead;
}

/** Reads a batch header at `offset` without copying anything; validates magic and length. */
export function readRecordBatchHeader(buf: Buffer, offset = 0): RecordBatchHeader {
  recordBatchSize(buf, offset);
  const attributes = buf.readInt16BE(offset + RecordBatchField.attributes);
  return {
    baseOffset: buf.readBigInt64BE(offset),
    batchLength: buf.readInt32BE(offset + RecordBatchField.batchLength),
    partitionLeaderEpoch: buf.readInt32BE(offset + RecordBatchField.partitionLeaderEpoch),
    magic: buf.readInt8(offset + RecordBatchField.magic),
    crc: buf.readUInt32BE(offset + RecordBatchField.crc),
    attributes,
    compression: attributes & 0x07,
    timestampType: ((attributes >> 3) & 1) as TimestampType,
    isTransactional: (attributes & TRANSACTIONAL_FLAG) !== 0,
    isControl: (attributes & CONTROL_FLAG) !== 0,
    lastOffsetDelta: buf.readInt32BE(offset + RecordBatchField.lastOffsetDelta),
    baseTimestamp: buf.readBigInt64BE(offset + RecordBatchField.baseTimestamp),
    maxTimestamp: buf.readBigInt64BE(offset + RecordBatchField.maxTimestamp),
    producerId: buf.readBigInt64BE(offset + RecordBatchField.producerId),
    producerEpoch: buf.readInt16BE(offset + RecordBatchField.producerEpoch),
    baseSequence: buf.readInt32BE(offset + RecordBatchField.baseSequence),
    recordCount: buf.readInt32BE(offset + RecordBatchField.recordCount),
  };
}

/** What a broker's produce path needs from a batch header, as plain numbers (no BigInt allocated). */
export interface RecordBatchSummary {
  lastOffsetDelta: number;
  recordCount: number;
  /** Milliseconds since the epoch, -1 for NO_TIMESTAMP (timestamps fit a double exactly). */
  maxTimestamp: number;
  isTransactional: boolean;
  isControl: boolean;
  /** producerId >= 0: an idempotent or transactional producer wrote it (read the full header then). */
  hasProducerId: boolean;
}

/** The cheap subset of readRecordBatchHeader; validates magic and length the same way. */
export function readRecordBatchSummary(buf: Buffer, offset = 0): RecordBatchSummary {
  recordBatchSize(buf, offset);
  const attributes = buf.readInt16BE(offset + RecordBatchField.attributes);
  return {
    lastOffsetDelta: buf.readInt32BE(offset + RecordBatchField.lastOffsetDelta),
    recordCount: buf.readInt32BE(offset + RecordBatchField.recordCount),
    maxTimestamp:
      buf.readInt32BE(offset + RecordBatchField.maxTimestamp) * 0x1_0000_0000 +
      buf.readUInt32BE(offset + RecordBatchField.maxTimestamp + 4),
    isTransactional: (attributes & TRANSACTIONAL_FLAG) !== 0,
    isControl: (attributes & CONTROL_FLAG) !== 0,
    hasProducerId: buf.readInt32BE(offset + RecordBatchField.producerId) >= 0,
  };
}

export interface SplitOptions {
  /**
   * Fetch responses may end with a partial batch (clients drop it). With this set, a
   * trailing fragment shorter than its declared size is ignored instead of rejected.
   */
  allowPartialTrailingBatch?: boolean;
}

/**
 * Splits a records blob (a Produce partition's `records`) into its batches, as zero-copy
 * slices in order. Throws ProtocolError (CORRUPT_RECORD_BATCH / UNSUPPORTED_MAGIC) on a
 * truncated or garbled batch. Does not check CRCs (see verifyRecordBatchCrc).
 */
export function splitRecordBatches(records: Buffer, options: SplitOptions = {}): Buffer[] {
  const batches: Buffer[] = [];
  let at = 0;
  while (at < records.length) {
    const left = records.length - at;
    if (options.allowPartialTrailingBatch && isPartial(records, at, left)) break;
    const size = recordBatchSize(records, at);
    batches.push(records.subarray(at, at + size));
    at += size;
  }
  return batches;
}

function isPartial(records: Buffer, at: number, left: number): boolean {
  if (left < logOverhead) return true;
  const declared = records.readInt32BE(at + RecordBatchField.batchLength) + logOverhead;
  return declared > left && declared >= recordBatchHeaderSize;
}

/** Whether the batch's stored CRC-32C matches its content (from attributes to the end). */
export function recordBatchCrcMatches(batch: Buffer): boolean {
  const size = recordBatchSize(batch);
  return crc32c(batch.subarray(crcStart, size)) >>> 0 === batch.readUInt32BE(RecordBatchField.crc);
}

/** Throws ProtocolError CRC_MISMATCH when the batch's CRC-32C is wrong. */
export function verifyRecordBatchCrc(batch: Buffer): void {
  if (!recordBatchCrcMatches(batch)) {
    throw new ProtocolError(
      "CRC_MISMATCH",
      `record batch CRC 0x${batch.readUInt32BE(RecordBatchField.crc).toString(16)} is wrong`,
    );
  }
}

/** Computes the CRC-32C a batch should carry (from attributes to the end). */
export function computeRecordBatchCrc(batch: Buffer): number {
  return crc32c(batch.subarray(crcStart, recordBatchSize(batch))) >>> 0;
}

/** Rewrites the base offset in place. The CRC does not cover it, so it stays valid. */
export function setBaseOffset(batch: Buffer, offset: bigint | number): void {
  recordBatchSize(batch);
  if (typeof offset === "bigint") {
    batch.writeBigInt64BE(offset, 0);
    return;
  }
  // A safe non-negative integer (offsets are): written as two halves, without allocating a BigInt.
  if (!Number.isSafeInteger(offset) || offset < 0) {
    throw new ProtocolError("INVALID_VALUE", `base offset ${offset} is not a safe non-negative integer`);
  }
  batch.writeUInt32BE(Math.floor(offset / 0x1_0000_0000), 0);
  batch.writeUInt32BE(offset >>> 0, 4);
}

/** Rewrites the partition leader epoch in place (also outside the CRC). */
export function setPartitionLeaderEpoch(batch: Buffer, epoch: number): void {
  recordBatchSize(batch);
  batch.writeInt32BE(epoch, RecordBatchField.partitionLeaderEpoch);
}
