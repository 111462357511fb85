import { ProtocolError } from "../errors.ts";
import { Reader } from "../wire/reader.ts";
import { decompress } from "./compression.ts";
import { readRecordBatchHeader, recordBatchHeaderSize, TimestampType } from "./record-batch.ts";

// Record (inside a magic-2 batch, after decompression):
//   length: varint, attributes: int8, timestampDelta: varlong, offsetDelta: varint,
//   keyLength: varint (-1 = null), key, valueLength: varint (-1 = null), value,
//   headerCount: varint, [headerKeyLength: varint, headerKey (UTF-8), headerValueLength: varint, headerValue]

export interface RecordHeader {
  key: string;
  value: Buffer | null;
}

export interface KafkaRecord {
  /** Absolute offset: batch baseOffset + offsetDelta. */
  offset: bigint;
  /** Create time, or the batch's maxTimestamp for LogAppendTime batches (as Kafka reports it). */
  timestamp: bigint;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
}

export interface IterateOptions {
  /** Upper bound on a compressed batch's decompressed size. Default 100 MiB. */
  maxDecompressedBytes?: number;
}

const defaultMaxDecompressedBytes = 100 * 1024 * 1024;

/**
 * Yields the records of one batch in order. For uncompressed batches keys, values and
 * header values are slices of `batch`; for compressed ones, of the decompressed payload.
 * Throws ProtocolError on any malformed record or a record count that disagrees with the data.
 */
export function* iterateRecords(batch: Buffer, options: IterateOptions = {}): Generator<KafkaRecord> {
  const header = readRecordBatchHeader(batch);
  const end = header.batchLength + 12;
  const payload = batch.subarray(recordBatchHeaderSize, end);
  const data = decompress(
    header.compression,
    payload,
    options.maxDecompressedBytes ?? defaultMaxDecompressedBytes,
  );
  const r = new Reader(data);
  if (header.recordCount < 0 || header.recordCount > data.length) {
    throw new ProtocolError(
      "CORRUPT_RECORD_BATCH",
      `record count ${header.recordCount} does not fit the batch`,
    );
  }
  const logAppend = header.timestampType === TimestampType.LogAppendTime;
  for (let i = 0; i < header.recordCount; i++) {
    yield readRecord(r, header.baseOffset, header.baseTimestamp, logAppend ? header.maxTimestamp : null);
  }
  if (r.remaining() !== 0) {
    throw new ProtocolError("CORRUPT_RECORD_BATCH", `${r.remaining()} bytes after the last record`);
  }
}

function nullableSlice(r: Reader): Buffer | null {
  const len = r.varint();
  if (len === -1) return null;
  return r.slice(len);
}

function readRecord(
  r: Reader,
  baseOffset: bigint,
  baseTimestamp: bigint,
  fixedTimestamp: bigint | null,
): KafkaRecord {
  const length = r.varint();
  if (length < 0 || length > r.remaining()) {
    throw new ProtocolError("CORRUPT_RECORD_BATCH", `record length ${length} at offset ${r.pos}`);
  }
  const rec = new Reader(r.buf, r.pos, r.pos + length);
  r.pos += length;
  rec.int8(); // attributes: unused in magic 2
  const timestampDelta = rec.varlong();
  const offsetDelta = rec.varint();
  const key = nullableSlice(rec);
  const value = nullableSlice(rec);
  const headerCount = rec.count(rec.varint(), 2); // a header takes >= 2 bytes (two varint lengths)
  const headers: RecordHeader[] = [];
  for (let i = 0; i < headerCount; i++) {
    const keyLength = rec.varint();
    const headerKey = rec.utf8(keyLength);
    headers.push({ key: headerKey, value: nullableSlice(rec) });
  }
  if (rec.remaining() !== 0) {
    throw new ProtocolError("CORRUPT_RECORD_BATCH", `record has ${rec.remaining()} unread bytes`);
  }
  return {
    offset: baseOffset + BigInt(offsetDelta),
    timestamp: fixedTimestamp ?? baseTimestamp + timestampDelta,
    key,
    value,
    headers,
  };
}
