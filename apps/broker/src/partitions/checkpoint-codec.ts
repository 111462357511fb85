// The stored form of a partition checkpoint: a compact, versioned binary object with a CRC over everything
// after the header, so that a torn, truncated or foreign object is refused instead of trusted.
//
//   magic "CKPT" | version u8 (3; 1 and 2 are still read) | crc32 u32 (zlib's CRC-32 of the body) | body
//   body: streamId, leaderEpoch, offset, writtenAtMs, granuleBytes      (unsigned varints)
//         lastBatch: present u8 [baseOffset uvarint, crc u32]
//         producers: count uvarint, each: producerId i64, lastTimestamp zigzag, batches u8,
//                    each batch: epoch uvarint, firstSeq uvarint, lastOffsetDelta uvarint, baseOffset uvarint
//         granules: count uvarint, each: offset delta uvarint (from the previous granule), maxTimestamp
//                   zigzag delta (from the previous granule's), maxTimestampOffset - offset uvarint, bytes uvarint
//         version 2 and later: transactions: present u8 [
//                   ongoing: count uvarint, each: producerId i64, firstOffset uvarint
//                   aborted: count uvarint, each (by marker offset): producerId i64, firstOffset uvarint,
//                            lastOffset - firstOffset uvarint
//                   markers: count uvarint, each: producerId i64, epoch uvarint, offset uvarint,
//                            version 3 only: writtenAtMs - lastTimestamp zigzag (small: markers
//                            older than the producer expiry are not kept) ]
//   A version 1 checkpoint (written before transactions were carried) decodes with `txns` undefined: the
//   loader then rebuilds them by scanning the log up to the checkpoint (as every open did before).
//   A version 2 checkpoint's markers carry no time: they decode as written when the checkpoint was
//   (`writtenAtMs`), the latest time they can have, so they expire later than they would have, never earlier.
//
// Varints use arithmetic, not 32-bit shifts, so offsets up to 2^53 survive. Timestamps are zigzagged (their
// differences too), so the state keeps them within ±(2^52 - 1) (state-timestamp.ts) for them to fit.
import { crc32 } from "node:zlib";
import { CoordinatorError, CoordinatorErrorCode } from "../errors.ts";
import type { ProducerSnapshot, ProducerSnapshotBatch } from "../producers/partition-producer-state.ts";
import type { AbortedTxn, OngoingTxn } from "../producers/partition-txn-index.ts";
import type { MarkerEpoch, TxnLogSnapshot } from "../producers/txn-log-state.ts";
import type { BatchFingerprint } from "./partition-log-state.ts";
import type { Granule } from "./time-index.ts";

export const CHECKPOINT_VERSION = 3;
/** The oldest version still read. */
const OLDEST_READABLE_VERSION = 1;
const MAGIC = Buffer.from("CKPT", "latin1");
const HEADER_BYTES = 9;

/** A partition's log state as of `offset` (exclusive: it covers every record below it). */
export interface Checkpoint {
  readonly streamId: number;
  readonly leaderEpoch: number;
  readonly offset: number;
  readonly writtenAtMs: number;
  readonly granuleBytes: number;
  readonly lastBatch: BatchFingerprint | undefined;
  readonly producers: readonly ProducerSnapshot[];
  readonly granules: readonly Granule[];
  /** The transaction index and marker epochs; undefined: not carried (a version 1 checkpoint). */
  readonly txns: TxnLogSnapshot | undefined;
}

export function encodeCheckpoint(c: Checkpoint): Buffer {
  const w = new Writer();
  for (const v of [c.streamId, c.leaderEpoch, c.offset, c.writtenAtMs, c.granuleBytes]) w.uvarint(v);
  w.u8(c.lastBatch ? 1 : 0);
  if (c.lastBatch) {
    w.uvarint(c.lastBatch.baseOffset);
    w.u32(c.lastBatch.crc);
  }
  w.uvarint(c.producers.length);
  for (const p of c.producers) {
    w.i64(p.producerId);
    w.zigzag(p.lastTimestamp);
    w.u8(p.batches.length);
    for (const b of p.batches) {
      for (const v of [b.epoch, b.firstSeq, b.lastOffsetDelta, b.baseOffset]) w.uvarint(v);
    }
  }
  w.uvarint(c.granules.length);
  let offset = 0;
  let maxTimestamp = 0;
  for (const g of c.granules) {
    w.uvarint(g.offset - offset);
    w.zigzag(g.maxTimestamp - maxTimestamp);
    w.uvarint(g.maxTimestampOffset - g.offset);
    w.uvarint(g.bytes);
    offset = g.offset;
    maxTimestamp = g.maxTimestamp;
  }
  w.u8(c.txns ? 1 : 0);
  if (c.txns) writeTxns(w, c.txns, c.writtenAtMs);
  const body = w.finish();
  const header = Buffer.alloc(HEADER_BYTES);
  MAGIC.copy(header, 0);
  header.writeUInt8(CHECKPOINT_VERSION, 4);
  header.writeUInt32BE(crc32(body) >>> 0, 5);
  return Buffer.concat([header, body]);
}

/** Decodes a stored checkpoint; throws CoordinatorError(CHECKPOINT_CORRUPT) on any damage or unknown version. */
export function decodeCheckpoint(buf: Buffer): Checkpoint {
  if (buf.length < HEADER_BYTES || !buf.subarray(0, 4).equals(MAGIC)) corrupt("not a checkpoint (magic)");
  const version = buf.readUInt8(4);
  if (version < OLDEST_READABLE_VERSION || version > CHECKPOINT_VERSION)
    corrupt(`unknown checkpoint version ${version}`);
  const body = buf.subarray(HEADER_BYTES);
  if (crc32(body) >>> 0 !== buf.readUInt32BE(5)) corrupt("checkpoint CRC mismatch");
  const r = new Reader(body);
  const [streamId, leaderEpoch, offset, writtenAtMs, granuleBytes] = [1, 2, 3, 4, 5].map(() => r.uvarint());
  const lastBatch: BatchFingerprint | undefined =
    r.u8() === 1 ? { baseOffset: r.uvarint(), crc: r.u32() } : undefined;
  const producers: ProducerSnapshot[] = [];
  for (let n = r.count(10); n > 0; n--) {
    const producerId = r.i64();
    const lastTimestamp = r.zigzag();
    const batches: ProducerSnapshotBatch[] = [];
    for (let k = r.u8(); k > 0; k--) {
      batches.push({
        epoch: r.uvarint(),
        firstSeq: r.uvarint(),
        lastOffsetDelta: r.uvarint(),
        baseOffset: r.uvarint(),
      });
    }
    producers.push({ producerId, lastTimestamp, batches });
  }
  const granules: Granule[] = [];
  let granuleOffset = 0;
  let maxTimestamp = 0;
  for (let n = r.count(4); n > 0; n--) {
    granuleOffset += r.uvarint();
    maxTimestamp += r.zigzag();
    granules.push({
      offset: granuleOffset,
      maxTimestamp,
      maxTimestampOffset: granuleOffset + r.uvarint(),
      bytes: r.uvarint(),
    });
  }
  const txns = version >= 2 && r.u8() === 1 ? readTxns(r, version, writtenAtMs!) : undefined;
  if (!r.done) corrupt(`${body.length - r.position} trailing bytes`);
  return {
    streamId: streamId!,
    leaderEpoch: leaderEpoch!,
    offset: offset!,
    writtenAtMs: writtenAtMs!,
    granuleBytes: granuleBytes!,
    lastBatch,
    producers,
    granules,
    txns,
  };
}

function writeTxns(w: Writer, txns: TxnLogSnapshot, writtenAtMs: number): void {
  w.uvarint(txns.ongoing.length);
  for (const t of txns.ongoing) {
    w.i64(t.producerId);
    w.uvarint(t.firstOffset);
  }
  w.uvarint(txns.aborted.length);
  for (const a of txns.aborted) {
    w.i64(a.producerId);
    w.uvarint(a.firstOffset);
    w.uvarint(a.lastOffset - a.firstOffset);
  }
  w.uvarint(txns.markers.length);
  for (const m of txns.markers) {
    w.i64(m.producerId);
    w.uvarint(m.epoch);
    w.uvarint(m.offset);
    w.zigzag(writtenAtMs - m.lastTimestamp);
  }
}

function readTxns(r: Reader, version: number, writtenAtMs: number): TxnLogSnapshot {
  const ongoing: OngoingTxn[] = [];
  for (let n = r.count(9); n > 0; n--) ongoing.push({ producerId: r.i64(), firstOffset: r.uvarint() });
  const aborted: AbortedTxn[] = [];
  for (let n = r.count(10); n > 0; n--) {
    const producerId = r.i64();
    const firstOffset = r.uvarint();
    const lastOffset = firstOffset + r.uvarint();
    if (!Number.isSafeInteger(lastOffset)) corrupt("aborted transaction beyond 2^53");
    if (aborted.length > 0 && lastOffset < aborted.at(-1)!.lastOffset)
      corrupt("aborted transactions out of marker order");
    aborted.push({ producerId, firstOffset, lastOffset });
  }
  const markers: MarkerEpoch[] = [];
  for (let n = r.count(10); n > 0; n--) {
    const producerId = r.i64();
    const epoch = r.uvarint();
    const offset = r.uvarint();
    const lastTimestamp = version >= 3 ? writtenAtMs - r.zigzag() : writtenAtMs;
    if (!Number.isSafeInteger(lastTimestamp)) corrupt("marker time beyond 2^53");
    markers.push({ producerId, epoch, offset, lastTimestamp });
  }
  return { ongoing, aborted, markers };
}

function corrupt(message: string): never {
  throw new CoordinatorError(CoordinatorErrorCode.CHECKPOINT_CORRUPT, message);
}

class Writer {
  readonly #bytes: number[] = [];
  readonly #scratch = Buffer.alloc(8);

  u8(v: number): void {
    this.#bytes.push(v & 0xff);
  }

  u32(v: number): void {
    this.#scratch.writeUInt32BE(v >>> 0, 0);
    for (let i = 0; i < 4; i++) this.#bytes.push(this.#scratch[i]!);
  }

  i64(v: bigint): void {
    this.#scratch.writeBigInt64BE(v, 0);
    for (let i = 0; i < 8; i++) this.#bytes.push(this.#scratch[i]!);
  }

  uvarint(v: number): void {
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`uvarint out of range: ${v}`);
    while (v >= 0x80) {
      this.#bytes.push((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    this.#bytes.push(v);
  }

  zigzag(v: number): void {
    this.uvarint(v >= 0 ? v * 2 : -v * 2 - 1);
  }

  finish(): Buffer {
    return Buffer.from(this.#bytes);
  }
}

/** Bounds-checked reads: running past the end is CHECKPOINT_CORRUPT, never a RangeError or a wrong value. */
class Reader {
  readonly #buf: Buffer;
  position = 0;

  constructor(buf: Buffer) {
    this.#buf = buf;
  }

  get done(): boolean {
    return this.position === this.#buf.length;
  }

  #need(n: number): number {
    if (this.position + n > this.#buf.length) corrupt("checkpoint truncated");
    const at = this.position;
    this.position += n;
    return at;
  }

  u8(): number {
    return this.#buf.readUInt8(this.#need(1));
  }

  u32(): number {
    return this.#buf.readUInt32BE(this.#need(4));
  }

  i64(): bigint {
    return this.#buf.readBigInt64BE(this.#need(8));
  }

  uvarint(): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      const byte = this.u8();
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) {
        if (!Number.isSafeInteger(value)) corrupt("varint beyond 2^53");
        return value;
      }
      scale *= 0x80;
    }
    return corrupt("varint longer than 8 bytes");
  }

  zigzag(): number {
    const v = this.uvarint();
    return v % 2 === 0 ? v / 2 : -(v + 1) / 2;
  }

  /** An element count, refused when the bytes left could not hold that many (at `minBytes` each). */
  count(minBytes: number): number {
    const n = this.uvarint();
    if (n * minBytes > this.#buf.length - this.position) corrupt(`count ${n} exceeds the checkpoint size`);
    return n;
  }
}
