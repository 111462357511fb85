// 64-bit fields hold JS safe integers (< 2^53) written as two 32-bit halves: no BigInt on the hot path.
const TWO_32 = 0x1_0000_0000;

export function writeU64(buffer: Buffer, value: number, offset: number): void {
  buffer.writeUInt32BE(Math.floor(value / TWO_32), offset);
  buffer.writeUInt32BE(value >>> 0, offset + 4);
}

export function readU64(buffer: Buffer, offset: number): number {
  const high = buffer.readUInt32BE(offset);
  // Anything above 2^53 is not a value we wrote: callers treat NaN as corruption.
  if (high >= 0x20_0000) return Number.NaN;
  return high * TWO_32 + buffer.readUInt32BE(offset + 4);
}
