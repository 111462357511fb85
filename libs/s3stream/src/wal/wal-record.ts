// WAL record framing. Each record is a fixed header followed by the payload:
//
//   0  u32 magic
//   4  u32 crc32 of bytes [8, HEADER_SIZE) of the header, seeded with the crc32 of the payload
//   8  u32 payload length
//  12  u32 count (offsets spanned)
//  16  u64 walOffset     logical WAL position of this record: stale bytes from an earlier lap never match
//  24  u64 streamId
//  32  u64 baseOffset
//  40  u64 timestamp
//  48  u32 stream epoch
//  52  u32 generation    the WAL header's generation when written: bytes from before a recovery never match
//
// The CRC covers everything but magic and itself, so a flipped bit anywhere is detected. The payload's own
// CRC (the seed) is computed once here and reused by uploads, so each byte is checksummed once on the way in.

import { readU64, writeU64 } from "../binary.ts";
import { crc32 } from "../checksum.ts";

export const RECORD_MAGIC = 0xc1a5_5eed;
export const RECORD_HEADER_SIZE = 56;

export interface WalRecordFields {
  walOffset: number;
  streamId: number;
  epoch: number;
  baseOffset: number;
  count: number;
  timestamp: number;
  generation: number;
}

/** What a record says about itself, apart from its WAL position and generation. */
export type RecordFields = Omit<WalRecordFields, "walOffset" | "generation">;

/** Writes the header for `payload` into target[at, at + RECORD_HEADER_SIZE); returns crc32(payload). */
export function encodeRecordHeader(
  target: Buffer,
  at: number,
  fields: RecordFields,
  walOffset: number,
  generation: number,
  payload: Buffer,
): number {
  target.writeUInt32BE(RECORD_MAGIC, at);
  target.writeUInt32BE(payload.length, at + 8);
  target.writeUInt32BE(fields.count, at + 12);
  writeU64(target, walOffset, at + 16);
  writeU64(target, fields.streamId, at + 24);
  writeU64(target, fields.baseOffset, at + 32);
  writeU64(target, fields.timestamp, at + 40);
  target.writeUInt32BE(fields.epoch, at + 48);
  target.writeUInt32BE(generation, at + 52);
  const payloadCrc = crc32(payload);
  target.writeUInt32BE(crc32(target.subarray(at + 8, at + RECORD_HEADER_SIZE), payloadCrc), at + 4);
  return payloadCrc;
}

export interface DecodedHeader extends WalRecordFields {
  crc: number;
  payloadLength: number;
}

/** Parses a header; undefined when the magic is absent or a field is impossible (not a record). */
export function decodeRecordHeader(source: Buffer, at: number): DecodedHeader | undefined {
  if (source.readUInt32BE(at) !== RECORD_MAGIC) return undefined;
  const header: DecodedHeader = {
    crc: source.readUInt32BE(at + 4),
    payloadLength: source.readUInt32BE(at + 8),
    count: source.readUInt32BE(at + 12),
    walOffset: readU64(source, at + 16),
    streamId: readU64(source, at + 24),
    baseOffset: readU64(source, at + 32),
    timestamp: readU64(source, at + 40),
    epoch: source.readUInt32BE(at + 48),
    generation: source.readUInt32BE(at + 52),
  };
  return header;
}

export function recordChecksum(headerBytes: Buffer, payloadCrc: number): number {
  return crc32(headerBytes.subarray(8, RECORD_HEADER_SIZE), payloadCrc);
}
