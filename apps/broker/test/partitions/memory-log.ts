// An in-memory partition log for checkpoint tests: stored records as s3stream keeps them (one per append,
// Kafka batches with their base offsets set), the read contract of Partition.readRecords / Partition.read,
// retention (trim), and a count of what was read so tests can bound it.
import { encodeRecordBatch, iterateRecords, setBaseOffset, splitRecordBatches } from "@cirrus/kafka-protocol";
import type { CheckpointedLog } from "../../src/partitions/checkpoint-loader.ts";
import type { StoredRecord } from "../../src/partitions/partition.ts";

export interface BatchSpec {
  /** -1: not idempotent. */
  readonly producerId: bigint;
  readonly producerEpoch: number;
  readonly baseSequence: number;
  readonly records: number;
}

export class MemoryLog implements CheckpointedLog {
  readonly streamId: number;
  leaderEpoch = 1;
  logStartOffset = 0;
  readonly records: StoredRecord[] = [];
  recordsRead = 0;
  #next = 0;

  constructor(streamId = 7) {
    this.streamId = streamId;
  }

  get highWatermark(): number {
    return this.#next;
  }

  /** Appends one record holding `batches` (Kafka batches encoded here), stamped with `timestamp`. */
  append(batches: readonly BatchSpec[], timestamp: number): StoredRecord {
    const payloads = batches.map((b) =>
      encodeRecordBatch({
        ...(b.producerId >= 0n
          ? { producerId: b.producerId, producerEpoch: b.producerEpoch, baseSequence: b.baseSequence }
          : {}),
        records: Array.from({ length: b.records }, (_, i) => ({
          value: `r${i}`,
          timestamp: BigInt(timestamp),
        })),
      }),
    );
    return this.appendBatches(payloads, timestamp);
  }

  /** Appends one record holding `payloads` (encoded Kafka batches: data, markers), base offsets set here. */
  appendBatches(payloads: readonly Buffer[], timestamp: number): StoredRecord {
    const baseOffset = this.#next;
    let offset = baseOffset;
    for (const payload of payloads) {
      setBaseOffset(payload, BigInt(offset));
      offset += payload.readInt32BE(23) + 1;
    }
    const record = { baseOffset, count: offset - baseOffset, timestamp, payload: Buffer.concat(payloads) };
    this.records.push(record);
    this.#next = offset;
    return record;
  }

  /** Appends one Kafka batch whose records carry `timestamps` (in that order); stored with their maximum. */
  appendTimestamps(timestamps: readonly number[]): StoredRecord {
    const payload = encodeRecordBatch({
      baseOffset: BigInt(this.#next),
      records: timestamps.map((t, i) => ({ value: `t${i}`, timestamp: BigInt(t) })),
    });
    const record = {
      baseOffset: this.#next,
      count: timestamps.length,
      timestamp: Math.max(...timestamps),
      payload,
    };
    this.records.push(record);
    this.#next += timestamps.length;
    return record;
  }

  trim(newStart: number): void {
    this.logStartOffset = Math.max(this.logStartOffset, Math.min(newStart, this.#next));
  }

  async readRecords(offset: number, endOffset: number, maxBytes: number): Promise<readonly StoredRecord[]> {
    if (offset < this.logStartOffset) throw new Error(`offset ${offset} below the log start`);
    const end = Math.min(endOffset, this.#next);
    const out: StoredRecord[] = [];
    let bytes = 0;
    for (const r of this.records) {
      if (r.baseOffset + r.count <= offset) continue;
      if (r.baseOffset >= end) break;
      if (out.length > 0 && bytes + r.payload.length > maxBytes) break;
      out.push(r);
      bytes += r.payload.length;
    }
    this.recordsRead += out.length;
    return out;
  }

  /** Partition.read's shape, for rebuildProducerState (the full-scan reference). */
  async read(offset: number, maxBytes: number): Promise<{ chunks: Buffer[]; bytes: number }> {
    const records = await this.readRecords(offset, this.#next, maxBytes);
    const chunks = records.map((r) => r.payload);
    return { chunks, bytes: chunks.reduce((n, c) => n + c.length, 0) };
  }
}

/** ListOffsets by timestamp answered by scanning every Kafka record from the log start (the reference). */
export function scanForTimestamp(log: MemoryLog, timestamp: number): { offset: number; timestamp: number } {
  for (const r of log.records) {
    for (const batch of splitRecordBatches(r.payload)) {
      for (const record of iterateRecords(batch)) {
        const offset = Number(record.offset);
        if (offset >= log.logStartOffset && Number(record.timestamp) >= timestamp)
          return { offset, timestamp: Number(record.timestamp) };
      }
    }
  }
  return { offset: -1, timestamp: -1 };
}

/** MAX_TIMESTAMP answered by scanning every record from the log start (the reference). */
export function scanMaxTimestamp(log: MemoryLog): { offset: number; timestamp: number } {
  let found = { offset: -1, timestamp: -1 };
  for (const r of log.records) {
    if (r.baseOffset + r.count <= log.logStartOffset) continue;
    if (r.timestamp > found.timestamp)
      found = { offset: Math.max(r.baseOffset, log.logStartOffset), timestamp: r.timestamp };
  }
  return found;
}
