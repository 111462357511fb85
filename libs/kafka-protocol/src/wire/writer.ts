import { ProtocolError } from "../errors.ts";

// An append-only writer that produces a list of chunks. Small values go into a growing
// scratch buffer; byte fields of at least `refThreshold` bytes are appended BY REFERENCE
// (no copy), so a Fetch response carrying megabytes of records can be written to a
// socket with writev. `toBuffer()` concatenates (one copy) for callers that want one Buffer.
// The writer owns its scratch buffers; referenced byte fields stay owned by the caller and
// must not change until the chunks are written out.

const refThreshold = 4096;
const uuidPattern = /^[0-9a-f]{32}$/;

export class Writer {
  private chunks: Buffer[] = [];
  private buf: Buffer;
  private start = 0;
  private pos = 0;
  private flushedBytes = 0;

  constructor(initialSize = 256) {
    this.buf = Buffer.allocUnsafe(initialSize);
  }

  get length(): number {
    return this.flushedBytes + (this.pos - this.start);
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    this.flush();
    this.buf = Buffer.allocUnsafe(Math.max(n, this.buf.length * 2));
    this.start = 0;
    this.pos = 0;
  }

  private flush(): void {
    if (this.pos > this.start) {
      this.chunks.push(this.buf.subarray(this.start, this.pos));
      this.flushedBytes += this.pos - this.start;
      this.start = this.pos;
    }
  }

  int8(v: number): void {
    this.ensure(1);
    this.pos = this.buf.writeInt8(v, this.pos);
  }
  int16(v: number): void {
    this.ensure(2);
    this.pos = this.buf.writeInt16BE(v, this.pos);
  }
  uint16(v: number): void {
    this.ensure(2);
    this.pos = this.buf.writeUInt16BE(v, this.pos);
  }
  int32(v: number): void {
    this.ensure(4);
    this.pos = this.buf.writeInt32BE(v, this.pos);
  }
  uint32(v: number): void {
    this.ensure(4);
    this.pos = this.buf.writeUInt32BE(v, this.pos);
  }
  int64(v: bigint): void {
    this.ensure(8);
    this.pos = this.buf.writeBigInt64BE(v, this.pos);
  }
  float64(v: number): void {
    this.ensure(8);
    this.pos = this.buf.writeDoubleBE(v, this.pos);
  }
  bool(v: boolean): void {
    this.ensure(1);
    this.buf[this.pos++] = v ? 1 : 0;
  }

  uvarint(v: number): void {
    this.ensure(5);
    let u = v >>> 0;
    while (u >= 0x80) {
      this.buf[this.pos++] = (u & 0x7f) | 0x80;
      u >>>= 7;
    }
    this.buf[this.pos++] = u;
  }

  varint(v: number): void {
    this.uvarint((v << 1) ^ (v >> 31));
  }

  varlong(v: bigint): void {
    this.ensure(10);
    let u = BigInt.asUintN(64, (v << 1n) ^ (v >> 63n));
    while (u >= 0x80n) {
      this.buf[this.pos++] = Number(u & 0x7fn) | 0x80;
      u >>= 7n;
    }
    this.buf[this.pos++] = Number(u);
  }

  /** Raw bytes with no length prefix. Large inputs are referenced, not copied. */
  bytes(b: Uint8Array): void {
    if (b.length >= refThreshold) {
      this.flush();
      this.chunks.push(Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.length));
      this.flushedBytes += b.length;
      return;
    }
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** Appends everything another writer produced (used for tagged fields, whose size prefix comes first). */
  append(other: Writer): void {
    for (const chunk of other.toChunks()) this.bytes(chunk);
  }

  /** UTF-8 bytes of `s`, whose byte length the caller already computed (for the prefix). */
  utf8(s: string, byteLength: number): void {
    this.ensure(byteLength);
    this.pos += this.buf.write(s, this.pos, byteLength, "utf8");
  }

  uuid(v: string): void {
    if (!uuidPattern.test(v)) {
      throw new ProtocolError(
        "INVALID_VALUE",
        `uuid must be 32 lowercase hex characters, got ${JSON.stringify(v)}`,
      );
    }
    this.ensure(16);
    this.pos += this.buf.write(v, this.pos, 16, "hex");
  }

  /** The bytes written so far, as chunks in order. The writer must not be used afterwards. */
  toChunks(): Buffer[] {
    this.flush();
    return this.chunks;
  }

  /** The bytes written so far, as one Buffer (copies when there is more than one chunk). */
  toBuffer(): Buffer {
    const chunks = this.toChunks();
    if (chunks.length === 1) return chunks[0]!;
    return Buffer.concat(chunks, this.flushedBytes);
  }
}
