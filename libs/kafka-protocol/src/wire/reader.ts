import { ProtocolError } from "../errors.ts";

// A bounds-checked cursor over one Buffer. Every read that would pass `end` throws
// ProtocolError TRUNCATED; every length/count is checked against the bytes that remain
// before anything is allocated, so hostile input cannot make us allocate more than it sent.
// Byte fields are returned as zero-copy slices of the underlying buffer: they stay valid
// only as long as the caller keeps that buffer unmodified.

const hex: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

export class Reader {
  readonly buf: Buffer;
  pos: number;
  readonly end: number;

  constructor(buf: Buffer, start = 0, end = buf.length) {
    this.buf = buf;
    this.pos = start;
    this.end = end;
  }

  remaining(): number {
    return this.end - this.pos;
  }

  private need(n: number): number {
    const at = this.pos;
    if (n > this.end - at) {
      throw new ProtocolError("TRUNCATED", `need ${n} bytes at offset ${at}, only ${this.end - at} left`);
    }
    this.pos = at + n;
    return at;
  }

  int8(): number {
    return this.buf.readInt8(this.need(1));
  }
  int16(): number {
    return this.buf.readInt16BE(this.need(2));
  }
  uint16(): number {
    return this.buf.readUInt16BE(this.need(2));
  }
  int32(): number {
    return this.buf.readInt32BE(this.need(4));
  }
  uint32(): number {
    return this.buf.readUInt32BE(this.need(4));
  }
  int64(): bigint {
    return this.buf.readBigInt64BE(this.need(8));
  }
  float64(): number {
    return this.buf.readDoubleBE(this.need(8));
  }
  bool(): boolean {
    return this.buf[this.need(1)] !== 0;
  }

  /** Unsigned LEB128 varint of at most 32 bits (5 bytes). */
  uvarint(): number {
    let result = 0;
    let shift = 0;
    for (let i = 0; i < 5; i++) {
      const b = this.buf[this.need(1)]!;
      result |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result >>> 0;
      shift += 7;
    }
    throw new ProtocolError(
      "INVALID_VARINT",
      `unsigned varint longer than 5 bytes at offset ${this.pos - 5}`,
    );
  }

  /** Zig-zag signed varint of at most 32 bits. */
  varint(): number {
    const u = this.uvarint();
    return (u >>> 1) ^ -(u & 1);
  }

  /** Zig-zag signed varlong of at most 64 bits (10 bytes). */
  varlong(): bigint {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      const b = this.buf[this.need(1)]!;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return (result >> 1n) ^ -(result & 1n);
      shift += 7n;
    }
    throw new ProtocolError("INVALID_VARINT", `varlong longer than 10 bytes at offset ${this.pos - 10}`);
  }

  /** Checks a decoded length (-1 means null where the caller allows it) against what remains. */
  private checkLength(len: number, what: string): void {
    if (len < 0 || len > this.end - this.pos) {
      throw new ProtocolError(
        len < 0 ? "INVALID_LENGTH" : "TRUNCATED",
        `${what} length ${len} at offset ${this.pos} (${this.end - this.pos} bytes left)`,
      );
    }
  }

  utf8(len: number): string {
    this.checkLength(len, "string");
    const at = this.pos;
    this.pos += len;
    return this.buf.toString("utf8", at, at + len);
  }

  slice(len: number): Buffer {
    this.checkLength(len, "bytes");
    const at = this.pos;
    this.pos += len;
    return this.buf.subarray(at, at + len);
  }

  /**
   * Checks a count of elements that take at least `minSize` bytes each: a count whose
   * elements cannot fit in the bytes left is a lie, rejected before anything is allocated.
   */
  count(n: number, minSize = 1): number {
    if (n < 0 || n * minSize > this.end - this.pos) {
      throw new ProtocolError(
        n < 0 ? "INVALID_LENGTH" : "TRUNCATED",
        `count ${n} (of >= ${minSize} bytes each) at offset ${this.pos}, ${this.end - this.pos} bytes left`,
      );
    }
    return n;
  }

  uuid(): string {
    const at = this.need(16);
    let s = "";
    for (let i = at; i < at + 16; i++) s += hex[this.buf[i]!];
    return s;
  }
}
