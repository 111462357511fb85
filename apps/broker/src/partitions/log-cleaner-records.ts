// What Kafka's log cleaner keeps of a batch, as pure functions over stored payloads (each one or more magic-2
// batches). The cleaner first maps every key of the dirty section to the offset of its latest record
// (addKeys), then rewrites each batch of the cleanable range (cleanBatch):
// - a record whose key has a later record in the map is dropped (superseded);
// - a record without a key is dropped (a compacted topic refuses them on produce; older ones are cleaned away,
//   as Kafka's cleaner does);
// - a tombstone (null value) is kept until its batch's delete horizon has passed: the first pass that keeps it
//   stamps the batch with horizon = now + delete.retention.ms (Kafka's KIP-534 attribute bit 6, the horizon
//   stored as the batch's base timestamp), a later pass after the horizon drops it;
// - transactions, as Kafka's cleaner: the records of an aborted transaction are dropped and never supersede
//   anything; a committed transaction's records are cleaned like any other (the cleanable range ends at the
//   last stable offset, so every transaction in it has ended, and the partition's transaction index says
//   which aborted); control batches (commit/abort markers) are kept. Kafka drops a marker once its
//   transaction's data is gone and delete.retention.ms has passed; here markers stay (a few dozen bytes each),
//   which is always safe.
// OFFSETS ARE PRESERVED: a rewritten batch keeps its base offset, last offset delta, max timestamp, producer id,
// epoch and base sequence, so the producer state, the transaction index and the time index rebuilt from batch
// headers are the same after cleaning; a batch with nothing left stays as an empty batch (as Kafka keeps the
// last batch of a producer), and a consumer skips to the offset after it.
import {
  CONTROL_FLAG,
  computeRecordBatchCrc,
  encodeRecordBatch,
  iterateRecords,
  type KafkaRecord,
  RecordBatchField,
  readRecordBatchHeader,
  recordBatchSize,
  TRANSACTIONAL_FLAG,
} from "@cirrus/kafka-protocol";

/** Attribute bit 6: the batch's base timestamp is its delete horizon (Kafka's DELETE_HORIZON_FLAG_MASK). */
export const DELETE_HORIZON_FLAG = 0x40;

/** Key (bytes as a latin1 string) → offset of its latest record in the dirty section. */
export type KeyMap = Map<string, number>;

const keyOf = (key: Buffer): string => key.toString("latin1");

/** The batches of one stored payload, each a view into it. */
export function batchesOf(payload: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < payload.length; ) {
    const size = recordBatchSize(payload, at);
    out.push(payload.subarray(at, at + size));
    at += size;
  }
  return out;
}

/** Whether the transactional batch of `producerId` at `offset` belongs to an aborted transaction. */
export type AbortedCheck = (producerId: bigint, offset: number) => boolean;

/** An AbortedCheck over a list of aborted transactions (first offset to abort marker, per producer). */
export function abortedCheckOf(
  aborted: readonly { producerId: bigint; firstOffset: number; lastOffset: number }[],
): AbortedCheck {
  return (producerId, offset) =>
    aborted.some((a) => a.producerId === producerId && a.firstOffset <= offset && offset < a.lastOffset);
}

const NONE_ABORTED: AbortedCheck = () => false;

/**
 * Adds the keyed records of `payload` below `endOffset` to the map (later offsets win). Control batches and
 * aborted transactions' batches are skipped. Throws the codec's ProtocolError on a malformed batch.
 */
export function addKeys(payload: Buffer, endOffset: number, map: KeyMap, aborted = NONE_ABORTED): void {
  for (const batch of batchesOf(payload)) {
    const attributes = batch.readInt16BE(RecordBatchField.attributes);
    if ((attributes & CONTROL_FLAG) !== 0) continue;
    if ((attributes & TRANSACTIONAL_FLAG) !== 0) {
      const header = readRecordBatchHeader(batch);
      if (aborted(header.producerId, Number(header.baseOffset))) continue;
    }
    for (const record of iterateRecords(batch)) {
      const offset = Number(record.offset);
      if (offset >= endOffset) break;
      if (record.key !== null) map.set(keyOf(record.key), offset);
    }
  }
}

export interface CleanContext {
  readonly map: KeyMap;
  readonly nowMs: number;
  readonly deleteRetentionMs: number;
  /** Batches reaching this offset or past it are left untouched (not cleanable yet). */
  readonly endOffset: number;
  /** Which transactional batches were aborted (default: none). */
  readonly aborted?: AbortedCheck;
}

export interface CleanedPayload {
  /** The new payload, or undefined when nothing changes. */
  readonly payload: Buffer | undefined;
  /** Records dropped. */
  readonly removed: number;
  /** The earliest delete horizon of the tombstones kept (undefined: none kept). */
  readonly horizonMs: number | undefined;
}

/** Cleans every batch of a stored payload; the payload is rebuilt only when a batch changed. */
export function cleanPayload(payload: Buffer, ctx: CleanContext): CleanedPayload {
  const batches = batchesOf(payload);
  let changed = false;
  let removed = 0;
  let horizonMs: number | undefined;
  const out = batches.map((batch) => {
    const cleaned = cleanBatch(batch, ctx);
    removed += cleaned.removed;
    if (cleaned.horizonMs !== undefined)
      horizonMs = Math.min(horizonMs ?? cleaned.horizonMs, cleaned.horizonMs);
    if (cleaned.payload === undefined) return batch;
    changed = true;
    return cleaned.payload;
  });
  return { payload: changed ? Buffer.concat(out) : undefined, removed, horizonMs };
}

/** Cleans one batch (see the header of this file). */
export function cleanBatch(batch: Buffer, ctx: CleanContext): CleanedPayload {
  const header = readRecordBatchHeader(batch);
  const baseOffset = Number(header.baseOffset);
  const unchanged = { payload: undefined, removed: 0, horizonMs: undefined };
  if (header.isControl) return unchanged;
  if (baseOffset + header.lastOffsetDelta >= ctx.endOffset) return unchanged;
  const hasHorizon = (header.attributes & DELETE_HORIZON_FLAG) !== 0;
  const oldHorizon = hasHorizon ? Number(header.baseTimestamp) : undefined;
  const records = [...iterateRecords(batch)];
  const abortedBatch = header.isTransactional && (ctx.aborted ?? NONE_ABORTED)(header.producerId, baseOffset);
  const kept = abortedBatch ? [] : records.filter((r) => survives(r, ctx, oldHorizon));
  const tombstones = kept.some((r) => r.value === null);
  const horizonMs = tombstones ? (oldHorizon ?? ctx.nowMs + ctx.deleteRetentionMs) : undefined;
  const removed = records.length - kept.length;
  if (removed === 0 && horizonMs === oldHorizon) return { payload: undefined, removed: 0, horizonMs };
  const rebuilt = encodeRecordBatch({
    baseOffset: header.baseOffset,
    partitionLeaderEpoch: header.partitionLeaderEpoch,
    records: kept.map((r) => ({
      key: r.key,
      value: r.value,
      headers: r.headers,
      timestamp: r.timestamp,
      offsetDelta: Number(r.offset - header.baseOffset),
    })),
    compression: header.compression,
    timestampType: header.timestampType,
    isTransactional: header.isTransactional,
    baseTimestamp: horizonMs !== undefined ? BigInt(horizonMs) : header.baseTimestamp,
    producerId: header.producerId,
    producerEpoch: header.producerEpoch,
    baseSequence: header.baseSequence,
  });
  // What the encoder derives from the kept records, the original header keeps: the offsets the batch spans
  // and its max timestamp (time index, retention).
  rebuilt.writeInt32BE(header.lastOffsetDelta, RecordBatchField.lastOffsetDelta);
  rebuilt.writeBigInt64BE(header.maxTimestamp, RecordBatchField.maxTimestamp);
  const attributes = rebuilt.readInt16BE(RecordBatchField.attributes);
  rebuilt.writeInt16BE(
    horizonMs !== undefined ? attributes | DELETE_HORIZON_FLAG : attributes & ~DELETE_HORIZON_FLAG,
    RecordBatchField.attributes,
  );
  rebuilt.writeUInt32BE(computeRecordBatchCrc(rebuilt), RecordBatchField.crc);
  return { payload: rebuilt, removed, horizonMs };
}

function survives(record: KafkaRecord, ctx: CleanContext, horizonMs: number | undefined): boolean {
  if (record.key === null) return false;
  const latest = ctx.map.get(keyOf(record.key));
  if (latest !== undefined && latest > Number(record.offset)) return false;
  if (record.value === null && horizonMs !== undefined && horizonMs <= ctx.nowMs) return false;
  return true;
}
