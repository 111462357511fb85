import { crc32c } from "@node-rs/crc32";
import { Writer } from "../wire/writer.ts";
import { compress } from "./compression.ts";
import { Compression, recordBatchHeaderSize, TimestampType } from "./record-batch.ts";

// Builds magic-2 record batches (for tests, tools and control records). The broker itself
// never re-encodes client batches: it stores them as received.

export interface RecordInput {
  key?: Buffer | string | null;
  value?: Buffer | string | null;
  headers?: { key: string; value: Buffer | string | null }[];
  /** Absolute timestamp; default: the batch's baseTimestamp. */
  timestamp?: bigint;
  /** Default: the record's index in the batch. */
  offsetDelta?: number;
}

export interface RecordBatchInput {
  baseOffset?: bigint;
  partitionLeaderEpoch?: number;
  records: RecordInput[];
  compression?: number;
  timestampType?: TimestampType;
  isTransactional?: boolean;
  isControl?: boolean;
  /** Default: the first record's timestamp, else 0. */
  baseTimestamp?: bigint;
  producerId?: bigint;
  producerEpoch?: number;
  baseSequence?: number;
}

function asBuffer(v: Buffer | string | null | undefined): Buffer | null {
  if (v === null || v === undefined) return null;
  return typeof v === "string" ? Buffer.from(v, "utf8") : v;
}

function writeNullable(w: Writer, b: Buffer | null): void {
  if (b === null) {
    w.varint(-1);
    return;
  }
  w.varint(b.length);
  w.bytes(b);
}

function encodeRecord(record: RecordInput, index: number, baseTimestamp: bigint): Buffer {
  const body = new Writer(64);
  body.int8(0);
  body.varlong((record.timestamp ?? baseTimestamp) - baseTimestamp);
  body.varint(record.offsetDelta ?? index);
  writeNullable(body, asBuffer(record.key));
  writeNullable(body, asBuffer(record.value));
  const headers = record.headers ?? [];
  body.varint(headers.length);
  for (const h of headers) {
    const key = Buffer.from(h.key, "utf8");
    body.varint(key.length);
    body.bytes(key);
    writeNullable(body, asBuffer(h.value));
  }
  const bytes = body.toBuffer();
  const out = new Writer(bytes.length + 5);
  out.varint(bytes.length);
  out.bytes(bytes);
  return out.toBuffer();
}

/** Encodes one batch with a correct CRC-32C. */
export function encodeRecordBatch(input: RecordBatchInput): Buffer {
  const records = input.records;
  const baseTimestamp = input.baseTimestamp ?? records[0]?.timestamp ?? 0n;
  let maxTimestamp = records.length === 0 ? -1n : baseTimestamp;
  let lastOffsetDelta = -1;
  const encoded = records.map((rec, i) => {
    const ts = rec.timestamp ?? baseTimestamp;
    if (ts > maxTimestamp) maxTimestamp = ts;
    const delta = rec.offsetDelta ?? i;
    if (delta > lastOffsetDelta) lastOffsetDelta = delta;
    return encodeRecord(rec, i, baseTimestamp);
  });
  const compression = input.compression ?? Compression.None;
  const payload = compress(compression, Buffer.concat(encoded));
  const attributes =
    compression |
    ((input.timestampType ?? TimestampType.CreateTime) << 3) |
    (input.isTransactional ? 0x10 : 0) |
    (input.isControl ? 0x20 : 0);

  const batch = Buffer.alloc(recordBatchHeaderSize + payload.length);
  batch.writeBigInt64BE(input.baseOffset ?? 0n, 0);
  batch.writeInt32BE(batch.length - 12, 8);
  batch.writeInt32BE(input.partitionLeaderEpoch ?? -1, 12);
  batch.writeInt8(2, 16);
  batch.writeInt16BE(attributes, 21);
  batch.writeInt32BE(Math.max(lastOffsetDelta, 0), 23);
  batch.writeBigInt64BE(baseTimestamp, 27);
  batch.writeBigInt64BE(maxTimestamp, 35);
  batch.writeBigInt64BE(input.producerId ?? -1n, 43);
  batch.writeInt16BE(input.producerEpoch ?? -1, 51);
  batch.writeInt32BE(input.baseSequence ?? -1, 53);
  batch.writeInt32BE(records.length, 57);
  payload.copy(batch, recordBatchHeaderSize);
  batch.writeUInt32BE(crc32c(batch.subarray(21)) >>> 0, 17);
  return batch;
}
