// Layout of every object s3stream writes (stream set objects and stream objects alike):
//
//   [data block]...[index][footer]
//   data block  records of ONE stream, in offset order; each record = header (28 bytes) + payload:
//               u64 baseOffset | u32 count | u64 timestamp | u32 payload length | u32 crc32 of the payload
//   index       one 48-byte entry per block: u64 streamId | u64 startOffset | u64 endOffset | u64 position |
//               u32 size | u32 recordCount | u32 crc32 of the block's record headers | u32 reserved
//   footer      24 bytes: u64 index position | u32 index length | u32 crc32 of the index | u32 magic | u32 version
//
// Blocks are the unit of reads and of the block cache; a reader fetches the footer and index once per object,
// then only the blocks it needs. Record headers (per block), each payload and the index carry CRCs: corrupt
// bytes are never served. The payload CRC is the one computed when the record entered the WAL.

import { readU64, writeU64 } from "../binary.ts";
import { crc32 } from "../checksum.ts";
import { ErrorCode, StreamStorageError } from "../errors.ts";
import type { StreamRecord } from "../stream-types.ts";

export const OBJECT_RECORD_HEADER_SIZE = 28;
export const INDEX_ENTRY_SIZE = 48;
export const FOOTER_SIZE = 24;
const OBJECT_MAGIC = 0xc1a5_0b1e;
const OBJECT_VERSION = 1;

export interface BlockIndexEntry {
  streamId: number;
  startOffset: number;
  endOffset: number;
  position: number;
  size: number;
  recordCount: number;
  crc: number;
}

export interface ObjectFooter {
  indexPosition: number;
  indexLength: number;
  indexCrc: number;
}

export function encodeIndex(entries: readonly BlockIndexEntry[]): Buffer {
  const index = Buffer.alloc(entries.length * INDEX_ENTRY_SIZE);
  entries.forEach((entry, i) => {
    const at = i * INDEX_ENTRY_SIZE;
    writeU64(index, entry.streamId, at);
    writeU64(index, entry.startOffset, at + 8);
    writeU64(index, entry.endOffset, at + 16);
    writeU64(index, entry.position, at + 24);
    index.writeUInt32BE(entry.size, at + 32);
    index.writeUInt32BE(entry.recordCount, at + 36);
    index.writeUInt32BE(entry.crc, at + 40);
  });
  return index;
}

export function encodeFooter(footer: ObjectFooter): Buffer {
  const out = Buffer.alloc(FOOTER_SIZE);
  writeU64(out, footer.indexPosition, 0);
  out.writeUInt32BE(footer.indexLength, 8);
  out.writeUInt32BE(footer.indexCrc, 12);
  out.writeUInt32BE(OBJECT_MAGIC, 16);
  out.writeUInt32BE(OBJECT_VERSION, 20);
  return out;
}

export function decodeFooter(objectId: number, bytes: Buffer, objectSize: number): ObjectFooter {
  const at = bytes.length - FOOTER_SIZE;
  if (
    at < 0 ||
    bytes.readUInt32BE(at + 16) !== OBJECT_MAGIC ||
    bytes.readUInt32BE(at + 20) !== OBJECT_VERSION
  ) {
    throw corrupt(objectId, "bad footer");
  }
  const footer = {
    indexPosition: readU64(bytes, at),
    indexLength: bytes.readUInt32BE(at + 8),
    indexCrc: bytes.readUInt32BE(at + 12),
  };
  if (
    !Number.isSafeInteger(footer.indexPosition) ||
    footer.indexPosition + footer.indexLength + FOOTER_SIZE !== objectSize ||
    footer.indexLength % INDEX_ENTRY_SIZE !== 0
  ) {
    throw corrupt(objectId, "footer does not match the object size");
  }
  return footer;
}

export function decodeIndex(objectId: number, index: Buffer, footer: ObjectFooter): BlockIndexEntry[] {
  if (index.length !== footer.indexLength || crc32(index) !== footer.indexCrc)
    throw corrupt(objectId, "bad index");
  const entries: BlockIndexEntry[] = [];
  for (let at = 0; at < index.length; at += INDEX_ENTRY_SIZE) {
    const entry: BlockIndexEntry = {
      streamId: readU64(index, at),
      startOffset: readU64(index, at + 8),
      endOffset: readU64(index, at + 16),
      position: readU64(index, at + 24),
      size: index.readUInt32BE(at + 32),
      recordCount: index.readUInt32BE(at + 36),
      crc: index.readUInt32BE(at + 40),
    };
    if (entry.position + entry.size > footer.indexPosition) throw corrupt(objectId, "block beyond data area");
    entries.push(entry);
  }
  return entries;
}

/** A record as stored in an object, with its payload checksum. */
export interface ObjectRecord extends StreamRecord {
  payloadCrc: number;
}

/** Checks a block's record headers and payloads against their CRCs (CORRUPT_DATA otherwise). No allocation. */
export function verifyBlock(objectId: number, block: Buffer, entry: BlockIndexEntry): void {
  if (block.length !== entry.size)
    throw corrupt(objectId, `block of stream ${entry.streamId} has the wrong size`);
  let headersCrc = 0;
  let records = 0;
  for (let at = 0; at < block.length; records++) {
    if (at + OBJECT_RECORD_HEADER_SIZE > block.length) throw corrupt(objectId, "truncated record header");
    const end = at + OBJECT_RECORD_HEADER_SIZE + block.readUInt32BE(at + 20);
    if (end > block.length) throw corrupt(objectId, "truncated record payload");
    headersCrc = crc32(block.subarray(at, at + OBJECT_RECORD_HEADER_SIZE), headersCrc);
    if (crc32(block.subarray(at + OBJECT_RECORD_HEADER_SIZE, end)) !== block.readUInt32BE(at + 24)) {
      throw corrupt(objectId, `a record of stream ${entry.streamId} fails its checksum`);
    }
    at = end;
  }
  if (headersCrc !== entry.crc) {
    throw corrupt(objectId, `block of stream ${entry.streamId} at ${entry.position} fails its checksum`);
  }
  if (records !== entry.recordCount) throw corrupt(objectId, "record count does not match the index");
}

/**
 * Decodes a block fetched from storage; verifies it first unless `verified` (checked elsewhere, e.g. by the
 * block verifier thread). Payloads are views into `block` (no copy).
 */
export function decodeBlock(
  objectId: number,
  block: Buffer,
  entry: BlockIndexEntry,
  verified = false,
): ObjectRecord[] {
  if (!verified) verifyBlock(objectId, block, entry);
  else if (block.length !== entry.size)
    throw corrupt(objectId, `block of stream ${entry.streamId} has the wrong size`);
  const records: ObjectRecord[] = [];
  let at = 0;
  while (at < block.length) {
    if (at + OBJECT_RECORD_HEADER_SIZE > block.length) throw corrupt(objectId, "truncated record header");
    const end = at + OBJECT_RECORD_HEADER_SIZE + block.readUInt32BE(at + 20);
    if (end > block.length) throw corrupt(objectId, "truncated record payload");
    records.push({
      baseOffset: readU64(block, at),
      count: block.readUInt32BE(at + 8),
      timestamp: readU64(block, at + 12),
      payload: block.subarray(at + OBJECT_RECORD_HEADER_SIZE, end),
      payloadCrc: block.readUInt32BE(at + 24),
    });
    at = end;
  }
  if (records.length !== entry.recordCount) throw corrupt(objectId, "record count does not match the index");
  return records;
}

function corrupt(objectId: number, why: string): StreamStorageError {
  return new StreamStorageError(ErrorCode.CORRUPT_DATA, `object ${objectId}: ${why}`);
}
