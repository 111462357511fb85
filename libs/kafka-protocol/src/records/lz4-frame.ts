import { ProtocolError } from "../errors.ts";

// A bounded LZ4 frame decoder (https://github.com/lz4/lz4/blob/dev/doc/lz4_Frame_format.md).
// Kafka's lz4 codec (magic 2) is the standard frame format. Native decoders allocate
// whatever the frame asks for; this one stops as soon as the output would pass `maxBytes`,
// so a decompression bomb costs at most maxBytes (+ one block) of memory.
// Checksums (header, block, content) are not verified: the batch CRC-32C already covers
// the compressed bytes.

const frameMagic = 0x184d2204;
const skippableMask = 0xfffffff0;
const skippableMagic = 0x184d2a50;
const blockMaxSizes = [0, 0, 0, 0, 64 * 1024, 256 * 1024, 1024 * 1024, 4 * 1024 * 1024];

function corrupt(message: string): ProtocolError {
  return new ProtocolError("DECOMPRESSION_FAILED", `lz4: ${message}`);
}

/** Decodes one LZ4 block into `out` from `op`; returns the new output position. */
function decodeBlock(src: Buffer, ip: number, end: number, out: Buffer, op: number): number {
  const outEnd = out.length;
  while (ip < end) {
    const token = src[ip++]!;
    let literals = token >>> 4;
    if (literals === 15) {
      let b: number;
      do {
        if (ip >= end) throw corrupt("truncated literal length");
        b = src[ip++]!;
        literals += b;
      } while (b === 255);
    }
    if (literals > end - ip) throw corrupt("literals run past the block");
    if (literals > outEnd - op) throw corrupt("output exceeds the block size or limit");
    src.copy(out, op, ip, ip + literals);
    ip += literals;
    op += literals;
    if (ip >= end) break; // the last sequence carries literals only
    if (end - ip < 2) throw corrupt("truncated match offset");
    const offset = src[ip]! | (src[ip + 1]! << 8);
    ip += 2;
    if (offset === 0 || offset > op) throw corrupt(`match offset ${offset} out of range`);
    let length = (token & 15) + 4;
    if ((token & 15) === 15) {
      let b: number;
      do {
        if (ip >= end) throw corrupt("truncated match length");
        b = src[ip++]!;
        length += b;
      } while (b === 255);
    }
    if (length > outEnd - op) throw corrupt("output exceeds the block size or limit");
    let from = op - offset;
    if (offset >= length) {
      out.copy(out, op, from, from + length);
      op += length;
    } else {
      for (const stop = op + length; op < stop; ) out[op++] = out[from++]!;
    }
  }
  return op;
}

/** Decodes concatenated LZ4 frames; throws DECOMPRESSION_FAILED if the output would exceed `maxBytes`. */
export function decompressLz4Frames(src: Buffer, maxBytes: number): Buffer {
  const parts: Buffer[] = [];
  let total = 0;
  let ip = 0;
  const need = (n: number) => {
    if (src.length - ip < n) throw corrupt("truncated frame");
  };
  while (ip < src.length) {
    need(4);
    const magic = src.readUInt32LE(ip);
    ip += 4;
    if ((magic & skippableMask) >>> 0 === skippableMagic) {
      need(4);
      const size = src.readUInt32LE(ip);
      ip += 4;
      need(size);
      ip += size;
      continue;
    }
    if (magic !== frameMagic) throw corrupt(`bad frame magic 0x${magic.toString(16)}`);
    need(2);
    const flg = src[ip++]!;
    const bd = src[ip++]!;
    if (flg >>> 6 !== 1) throw corrupt(`unsupported frame version ${flg >>> 6}`);
    const blockChecksum = (flg & 0x10) !== 0;
    const contentSize = (flg & 0x08) !== 0;
    const contentChecksum = (flg & 0x04) !== 0;
    const dictId = (flg & 0x01) !== 0;
    const blockMax = blockMaxSizes[(bd >>> 4) & 7]!;
    if (blockMax === 0) throw corrupt(`bad block max size code ${(bd >>> 4) & 7}`);
    const headerExtra = (contentSize ? 8 : 0) + (dictId ? 4 : 0) + 1;
    need(headerExtra);
    ip += headerExtra;
    for (;;) {
      need(4);
      const word = src.readUInt32LE(ip);
      ip += 4;
      if (word === 0) break;
      const size = word & 0x7fffffff;
      if (size > blockMax) throw corrupt(`block of ${size} bytes over the frame's ${blockMax}`);
      need(size + (blockChecksum ? 4 : 0));
      const budget = maxBytes - total;
      if ((word & 0x80000000) !== 0) {
        if (size > budget) throw corrupt(`output exceeds ${maxBytes} bytes`);
        parts.push(src.subarray(ip, ip + size));
        total += size;
      } else {
        const out = Buffer.allocUnsafe(Math.min(blockMax, budget));
        const produced = decodeBlock(src, ip, ip + size, out, 0);
        parts.push(out.subarray(0, produced));
        total += produced;
      }
      ip += size + (blockChecksum ? 4 : 0);
    }
    if (contentChecksum) {
      need(4);
      ip += 4;
    }
  }
  return Buffer.concat(parts, total);
}
