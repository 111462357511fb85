// The records of the transaction log, in the byte layout of Kafka's __transaction_state
// (TransactionLogKey v0, TransactionLogValue v0), so the stored bytes read like Kafka's:
//
//   key   => version:int16(0) transactional_id:string
//   value => version:int16(0) producer_id:int64 producer_epoch:int16 transaction_timeout_ms:int32
//            transaction_status:int8 transaction_partitions:[topic:string partition_ids:[int32]] (nullable)
//            transaction_last_update_timestamp_ms:int64 transaction_start_timestamp_ms:int64
//
// A null value is a tombstone (the id expired). Kafka's v0 value has no last producer id / epoch: they
// live only in memory there too, and a record always carries the current producer id and epoch.
import { CoordinatorError, CoordinatorErrorCode } from "../errors.ts";
import { isTxnState, type TxnMetadata, type TxnPartition, TxnState } from "./txn-state.ts";

export type TxnLogRecord =
  | { readonly transactionalId: string; readonly value: TxnMetadata }
  | { readonly transactionalId: string; readonly value: null };

function corrupt(message: string): never {
  throw new CoordinatorError(CoordinatorErrorCode.LOG_RECORD_CORRUPT, `transaction log: ${message}`);
}

class Cursor {
  #pos = 0;
  readonly buf: Buffer;
  constructor(buf: Buffer) {
    this.buf = buf;
  }
  need(n: number): void {
    if (this.#pos + n > this.buf.length) corrupt(`truncated at byte ${this.#pos}`);
  }
  int8(): number {
    this.need(1);
    return this.buf.readInt8(this.#pos++);
  }
  int16(): number {
    this.need(2);
    const v = this.buf.readInt16BE(this.#pos);
    this.#pos += 2;
    return v;
  }
  int32(): number {
    this.need(4);
    const v = this.buf.readInt32BE(this.#pos);
    this.#pos += 4;
    return v;
  }
  int64(): bigint {
    this.need(8);
    const v = this.buf.readBigInt64BE(this.#pos);
    this.#pos += 8;
    return v;
  }
  string(): string {
    const length = this.int16();
    if (length < 0) corrupt("null string");
    this.need(length);
    const v = this.buf.toString("utf8", this.#pos, this.#pos + length);
    this.#pos += length;
    return v;
  }
  end(): void {
    if (this.#pos !== this.buf.length) corrupt(`${this.buf.length - this.#pos} trailing bytes`);
  }
}

function stringBytes(s: string): Buffer {
  const bytes = Buffer.from(s, "utf8");
  if (bytes.length > 0x7fff) throw new RangeError("string longer than 32767 bytes");
  const out = Buffer.alloc(2 + bytes.length);
  out.writeInt16BE(bytes.length, 0);
  bytes.copy(out, 2);
  return out;
}

export function encodeTxnLogKey(transactionalId: string): Buffer {
  return Buffer.concat([Buffer.from([0, 0]), stringBytes(transactionalId)]);
}

/** Groups the partitions by topic, in the order they are listed (sorted by the coordinator). */
function byTopic(partitions: readonly TxnPartition[]): Map<string, number[]> {
  const topics = new Map<string, number[]>();
  for (const p of partitions) {
    const list = topics.get(p.topic) ?? [];
    list.push(p.partition);
    topics.set(p.topic, list);
  }
  return topics;
}

export function encodeTxnLogValue(m: TxnMetadata | null): Buffer | null {
  if (m === null) return null;
  const head = Buffer.alloc(2 + 8 + 2 + 4 + 1);
  head.writeInt16BE(0, 0);
  head.writeBigInt64BE(m.producerId, 2);
  head.writeInt16BE(m.producerEpoch, 10);
  head.writeInt32BE(m.timeoutMs, 12);
  head.writeInt8(m.state, 16);
  const parts: Buffer[] = [head];
  const topics = byTopic(m.partitions);
  const count = Buffer.alloc(4);
  count.writeInt32BE(topics.size, 0);
  parts.push(count);
  for (const [topic, ids] of topics) {
    parts.push(stringBytes(topic));
    const list = Buffer.alloc(4 + 4 * ids.length);
    list.writeInt32BE(ids.length, 0);
    for (let i = 0; i < ids.length; i++) list.writeInt32BE(ids[i]!, 4 + 4 * i);
    parts.push(list);
  }
  const tail = Buffer.alloc(16);
  tail.writeBigInt64BE(BigInt(m.lastUpdateTimestamp), 0);
  tail.writeBigInt64BE(BigInt(m.startTimestamp), 8);
  parts.push(tail);
  return Buffer.concat(parts);
}

/** Decodes one record; throws CoordinatorError(LOG_RECORD_CORRUPT) on anything malformed. */
export function decodeTxnLogRecord(key: Buffer, value: Buffer | null): TxnLogRecord {
  const k = new Cursor(key);
  const keyVersion = k.int16();
  if (keyVersion !== 0) corrupt(`unknown key version ${keyVersion}`);
  const transactionalId = k.string();
  k.end();
  if (value === null) return { transactionalId, value: null };
  const v = new Cursor(value);
  const version = v.int16();
  if (version !== 0) corrupt(`unknown value version ${version}`);
  const producerId = v.int64();
  const producerEpoch = v.int16();
  const timeoutMs = v.int32();
  const state = v.int8();
  if (!isTxnState(state)) corrupt(`unknown state ${state}`);
  const topicCount = v.int32();
  if (topicCount < -1 || topicCount > 1_000_000) corrupt(`bad topic count ${topicCount}`);
  const partitions: TxnPartition[] = [];
  for (let t = 0; t < topicCount; t++) {
    const topic = v.string();
    const n = v.int32();
    if (n < 0 || n > 1_000_000) corrupt(`bad partition count ${n}`);
    for (let i = 0; i < n; i++) partitions.push({ topic, partition: v.int32() });
  }
  const lastUpdateTimestamp = Number(v.int64());
  const startTimestamp = Number(v.int64());
  v.end();
  if (state === TxnState.Dead) corrupt("a Dead state is stored as a tombstone");
  return {
    transactionalId,
    value: {
      transactionalId,
      producerId,
      lastProducerId: -1n,
      producerEpoch,
      lastProducerEpoch: -1,
      timeoutMs,
      state,
      partitions,
      startTimestamp,
      lastUpdateTimestamp,
    },
  };
}
