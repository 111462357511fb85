// The key/value records of the offsets log, in the binary layout of Kafka's __consumer_offsets
// (OffsetCommitKey v1 / GroupMetadataKey v2, OffsetCommitValue v3 / GroupMetadataValue v3), so the
// stored bytes read like Kafka's. A null value is a tombstone: the offset or group is deleted.
// Replaying the records of a partition in order rebuilds every group of that partition.
import { CoordinatorError, CoordinatorErrorCode } from "../errors.ts";

export interface StoredOffset {
  readonly offset: bigint;
  readonly leaderEpoch: number;
  readonly metadata: string;
  readonly commitTimestamp: bigint;
}

export interface StoredMember {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly clientId: string;
  readonly clientHost: string;
  readonly rebalanceTimeoutMs: number;
  readonly sessionTimeoutMs: number;
  readonly subscription: Buffer;
  readonly assignment: Buffer;
}

export interface StoredGroup {
  readonly protocolType: string;
  readonly generationId: number;
  readonly protocolName: string | null;
  readonly leader: string | null;
  readonly stateTimestamp: bigint;
  readonly members: readonly StoredMember[];
}

export type OffsetsLogRecord =
  | {
      readonly kind: "offset";
      readonly groupId: string;
      readonly topic: string;
      readonly partition: number;
      readonly value: StoredOffset | null;
    }
  | { readonly kind: "group"; readonly groupId: string; readonly value: StoredGroup | null };

const OFFSET_KEY_VERSION = 1;
const GROUP_KEY_VERSION = 2;
const OFFSET_VALUE_VERSION = 3;
const GROUP_VALUE_VERSION = 3;

class Writer {
  readonly #parts: Buffer[] = [];

  int16(v: number): this {
    const b = Buffer.allocUnsafe(2);
    b.writeInt16BE(v);
    this.#parts.push(b);
    return this;
  }
  int32(v: number): this {
    const b = Buffer.allocUnsafe(4);
    b.writeInt32BE(v);
    this.#parts.push(b);
    return this;
  }
  int64(v: bigint): this {
    const b = Buffer.allocUnsafe(8);
    b.writeBigInt64BE(v);
    this.#parts.push(b);
    return this;
  }
  string(v: string | null): this {
    if (v === null) return this.int16(-1);
    const bytes = Buffer.from(v, "utf8");
    if (bytes.length > 0x7fff) throw new RangeError(`string of ${bytes.length} bytes is too long`);
    this.int16(bytes.length);
    this.#parts.push(bytes);
    return this;
  }
  bytes(v: Buffer): this {
    this.int32(v.length);
    this.#parts.push(v);
    return this;
  }
  finish(): Buffer {
    return Buffer.concat(this.#parts);
  }
}

class Reader {
  readonly #buf: Buffer;
  #pos = 0;

  constructor(buf: Buffer) {
    this.#buf = buf;
  }
  #need(n: number): number {
    if (n < 0 || this.#pos + n > this.#buf.length) {
      throw new CoordinatorError(
        CoordinatorErrorCode.LOG_RECORD_CORRUPT,
        `offsets log record truncated: need ${n} bytes at ${this.#pos} of ${this.#buf.length}`,
      );
    }
    const at = this.#pos;
    this.#pos += n;
    return at;
  }
  int16(): number {
    return this.#buf.readInt16BE(this.#need(2));
  }
  int32(): number {
    return this.#buf.readInt32BE(this.#need(4));
  }
  int64(): bigint {
    return this.#buf.readBigInt64BE(this.#need(8));
  }
  nullableString(): string | null {
    const len = this.int16();
    if (len === -1) return null;
    const at = this.#need(len);
    return this.#buf.toString("utf8", at, at + len);
  }
  string(): string {
    const s = this.nullableString();
    if (s === null)
      throw new CoordinatorError(CoordinatorErrorCode.LOG_RECORD_CORRUPT, "unexpected null string");
    return s;
  }
  bytes(): Buffer {
    const len = this.int32();
    const at = this.#need(len);
    return Buffer.from(this.#buf.subarray(at, at + len));
  }
}

export function encodeOffsetsLogKey(record: OffsetsLogRecord): Buffer {
  if (record.kind === "offset") {
    return new Writer()
      .int16(OFFSET_KEY_VERSION)
      .string(record.groupId)
      .string(record.topic)
      .int32(record.partition)
      .finish();
  }
  return new Writer().int16(GROUP_KEY_VERSION).string(record.groupId).finish();
}

/** The value bytes, or null for a tombstone. */
export function encodeOffsetsLogValue(record: OffsetsLogRecord): Buffer | null {
  if (record.value === null) return null;
  if (record.kind === "offset") {
    const v = record.value;
    return new Writer()
      .int16(OFFSET_VALUE_VERSION)
      .int64(v.offset)
      .int32(v.leaderEpoch)
      .string(v.metadata)
      .int64(v.commitTimestamp)
      .finish();
  }
  const g = record.value;
  const w = new Writer()
    .int16(GROUP_VALUE_VERSION)
    .string(g.protocolType)
    .int32(g.generationId)
    .string(g.protocolName)
    .string(g.leader)
    .int64(g.stateTimestamp)
    .int32(g.members.length);
  for (const m of g.members) {
    w.string(m.memberId)
      .string(m.groupInstanceId)
      .string(m.clientId)
      .string(m.clientHost)
      .int32(m.rebalanceTimeoutMs)
      .int32(m.sessionTimeoutMs)
      .bytes(m.subscription)
      .bytes(m.assignment);
  }
  return w.finish();
}

/** Decodes one record; throws CoordinatorError(LOG_RECORD_CORRUPT) on anything malformed. */
export function decodeOffsetsLogRecord(key: Buffer, value: Buffer | null): OffsetsLogRecord {
  const k = new Reader(key);
  const keyVersion = k.int16();
  if (keyVersion === 0 || keyVersion === OFFSET_KEY_VERSION) {
    const groupId = k.string();
    const topic = k.string();
    const partition = k.int32();
    return { kind: "offset", groupId, topic, partition, value: value === null ? null : decodeOffset(value) };
  }
  if (keyVersion === GROUP_KEY_VERSION) {
    const groupId = k.string();
    return { kind: "group", groupId, value: value === null ? null : decodeGroup(value) };
  }
  throw new CoordinatorError(
    CoordinatorErrorCode.LOG_RECORD_CORRUPT,
    `unknown offsets log key version ${keyVersion}`,
  );
}

function decodeOffset(value: Buffer): StoredOffset {
  const r = new Reader(value);
  const version = r.int16();
  if (version !== OFFSET_VALUE_VERSION) {
    throw new CoordinatorError(
      CoordinatorErrorCode.LOG_RECORD_CORRUPT,
      `unknown offset value version ${version}`,
    );
  }
  return { offset: r.int64(), leaderEpoch: r.int32(), metadata: r.string(), commitTimestamp: r.int64() };
}

function decodeGroup(value: Buffer): StoredGroup {
  const r = new Reader(value);
  const version = r.int16();
  if (version !== GROUP_VALUE_VERSION) {
    throw new CoordinatorError(
      CoordinatorErrorCode.LOG_RECORD_CORRUPT,
      `unknown group value version ${version}`,
    );
  }
  const protocolType = r.string();
  const generationId = r.int32();
  const protocolName = r.nullableString();
  const leader = r.nullableString();
  const stateTimestamp = r.int64();
  const count = r.int32();
  // Each member takes at least 24 bytes: a count larger than the bytes left is corrupt, not a huge allocation.
  if (count < 0 || count > value.length / 24) {
    throw new CoordinatorError(CoordinatorErrorCode.LOG_RECORD_CORRUPT, `bad member count ${count}`);
  }
  const members: StoredMember[] = [];
  for (let i = 0; i < count; i++) {
    members.push({
      memberId: r.string(),
      groupInstanceId: r.nullableString(),
      clientId: r.string(),
      clientHost: r.string(),
      rebalanceTimeoutMs: r.int32(),
      sessionTimeoutMs: r.int32(),
      subscription: r.bytes(),
      assignment: r.bytes(),
    });
  }
  return { protocolType, generationId, protocolName, leader, stateTimestamp, members };
}
