// The WAL file starts with two header slots (written alternately, each a 4 KiB block with its own CRC), so a
// torn header write leaves the other slot intact. The one with the highest valid sequence number wins.
//
//   0 u32 magic | 4 u32 version | 8 u64 sequence | 16 u64 capacity | 24 u64 nodeId | 32 u64 nodeEpoch
//  40 u64 trimOffset (logical: records before it are uploaded) | 48 u32 generation | 52 u32 crc32 of [0, 52)

import { readU64, writeU64 } from "../binary.ts";
import { crc32 } from "../checksum.ts";

export const HEADER_SLOT_SIZE = 4096;
export const DATA_START = 2 * HEADER_SLOT_SIZE;
const HEADER_MAGIC = 0xc1a5_0a1e;
const HEADER_VERSION = 1;
const CRC_AT = 52;

export interface WalHeader {
  sequence: number;
  capacity: number;
  nodeId: number;
  nodeEpoch: number;
  trimOffset: number;
  generation: number;
}

export function encodeWalHeader(header: WalHeader): Buffer {
  const slot = Buffer.alloc(HEADER_SLOT_SIZE);
  slot.writeUInt32BE(HEADER_MAGIC, 0);
  slot.writeUInt32BE(HEADER_VERSION, 4);
  writeU64(slot, header.sequence, 8);
  writeU64(slot, header.capacity, 16);
  writeU64(slot, header.nodeId, 24);
  writeU64(slot, header.nodeEpoch, 32);
  writeU64(slot, header.trimOffset, 40);
  slot.writeUInt32BE(header.generation, 48);
  slot.writeUInt32BE(crc32(slot.subarray(0, CRC_AT)), CRC_AT);
  return slot;
}

export function decodeWalHeader(slot: Buffer): WalHeader | undefined {
  if (slot.length < HEADER_SLOT_SIZE || slot.readUInt32BE(0) !== HEADER_MAGIC) return undefined;
  if (slot.readUInt32BE(4) !== HEADER_VERSION) return undefined;
  if (slot.readUInt32BE(CRC_AT) !== crc32(slot.subarray(0, CRC_AT))) return undefined;
  const header: WalHeader = {
    sequence: readU64(slot, 8),
    capacity: readU64(slot, 16),
    nodeId: readU64(slot, 24),
    nodeEpoch: readU64(slot, 32),
    trimOffset: readU64(slot, 40),
    generation: slot.readUInt32BE(48),
  };
  return Object.values(header).some(Number.isNaN) ? undefined : header;
}

/** The newest valid header of the two slots, or undefined if neither is valid. */
export function pickWalHeader(slots: Buffer): WalHeader | undefined {
  const a = decodeWalHeader(slots.subarray(0, HEADER_SLOT_SIZE));
  const b = decodeWalHeader(slots.subarray(HEADER_SLOT_SIZE, DATA_START));
  if (a && b) return a.sequence >= b.sequence ? a : b;
  return a ?? b;
}
