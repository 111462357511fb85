import zlib from "node:zlib";
import { compressFrameSync } from "lz4-napi";
import snappy from "snappy";
import { ProtocolError } from "../errors.ts";
import { decompressLz4Frames } from "./lz4-frame.ts";
import { Compression } from "./record-batch.ts";

// Codecs of record batch payloads. Decompression is always bounded by `maxBytes` (gzip,
// zstd: zlib's output limit; snappy: each block's length preamble is checked first; lz4:
// our own frame decoder stops at the limit). Any codec failure becomes ProtocolError
// DECOMPRESSION_FAILED.

/** Java clients frame snappy the way xerial's SnappyOutputStream does: this magic, then [int32 length, block]*. */
const xerialMagic = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const xerialHeaderSize = 16;
const xerialBlockSize = 32 * 1024;

function failed(codec: string, err: unknown): ProtocolError {
  if (err instanceof ProtocolError) return err;
  return new ProtocolError("DECOMPRESSION_FAILED", `${codec} decompression failed: ${String(err)}`, {
    cause: err,
  });
}

function tooLarge(codec: string, size: number, maxBytes: number): ProtocolError {
  return new ProtocolError("DECOMPRESSION_FAILED", `${codec} output of ${size} bytes exceeds ${maxBytes}`);
}

/** The uncompressed length a raw snappy block declares (its varint preamble). */
function snappyDeclaredLength(block: Buffer): number {
  let result = 0;
  for (let i = 0; i < 5 && i < block.length; i++) {
    const b = block[i]!;
    result += (b & 0x7f) * 2 ** (7 * i);
    if ((b & 0x80) === 0) return result;
  }
  throw new ProtocolError("DECOMPRESSION_FAILED", "snappy block has a bad length preamble");
}

function snappyBlock(block: Buffer, budget: number, maxBytes: number): Buffer {
  const declared = snappyDeclaredLength(block);
  if (declared > budget) throw tooLarge("snappy", declared, maxBytes);
  return snappy.uncompressSync(block, { asBuffer: true }) as Buffer;
}

function decompressSnappy(data: Buffer, maxBytes: number): Buffer {
  if (data.length < xerialHeaderSize || !data.subarray(0, 8).equals(xerialMagic)) {
    return snappyBlock(data, maxBytes, maxBytes);
  }
  const blocks: Buffer[] = [];
  let total = 0;
  let at = xerialHeaderSize;
  while (at < data.length) {
    if (data.length - at < 4)
      throw new ProtocolError("DECOMPRESSION_FAILED", "truncated xerial snappy block");
    const len = data.readInt32BE(at);
    at += 4;
    if (len < 0 || len > data.length - at) {
      throw new ProtocolError("DECOMPRESSION_FAILED", `xerial snappy block length ${len} out of range`);
    }
    const out = snappyBlock(data.subarray(at, at + len), maxBytes - total, maxBytes);
    total += out.length;
    blocks.push(out);
    at += len;
  }
  return Buffer.concat(blocks, total);
}

/** Decompresses a batch payload; the output is a new Buffer of at most `maxBytes`. */
export function decompress(codec: number, data: Buffer, maxBytes: number): Buffer {
  try {
    switch (codec) {
      case Compression.None:
        return data;
      case Compression.Gzip:
        return zlib.gunzipSync(data, { maxOutputLength: maxBytes });
      case Compression.Snappy:
        return decompressSnappy(data, maxBytes);
      case Compression.Lz4:
        return decompressLz4Frames(data, maxBytes);
      case Compression.Zstd:
        return zlib.zstdDecompressSync(data, { maxOutputLength: maxBytes });
      default:
        throw new ProtocolError("UNSUPPORTED_COMPRESSION", `unknown compression codec ${codec}`);
    }
  } catch (err) {
    throw failed(String(codec), err);
  }
}

/** Compresses a batch payload the way Kafka's Java producer does (xerial-framed snappy, lz4 frames). */
export function compress(codec: number, data: Buffer): Buffer {
  switch (codec) {
    case Compression.None:
      return data;
    case Compression.Gzip:
      return zlib.gzipSync(data);
    case Compression.Snappy: {
      const header = Buffer.alloc(xerialHeaderSize);
      xerialMagic.copy(header, 0);
      header.writeInt32BE(1, 8);
      header.writeInt32BE(1, 12);
      const parts: Buffer[] = [header];
      for (let at = 0; at < data.length; at += xerialBlockSize) {
        const block = snappy.compressSync(data.subarray(at, at + xerialBlockSize));
        const len = Buffer.alloc(4);
        len.writeInt32BE(block.length, 0);
        parts.push(len, block);
      }
      return Buffer.concat(parts);
    }
    case Compression.Lz4:
      return compressFrameSync(data);
    case Compression.Zstd:
      return zlib.zstdCompressSync(data);
    default:
      throw new ProtocolError("UNSUPPORTED_COMPRESSION", `unknown compression codec ${codec}`);
  }
}
