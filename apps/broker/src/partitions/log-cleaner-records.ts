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
//   which aborted);
// - commit markers, as Kafka's cleaner (CleanedTransactionMetadata): once no record of the transaction is left
//   (every batch of the producer since its previous marker is empty), the first pass stamps the marker's batch
//   with a delete horizon (now + delete.retention.ms, as a tombstone's) and a pass after the horizon removes its
//   record (an empty control batch stays: offsets are preserved). Only below `markers.removableBelow` (the
//   oldest stored partition checkpoint: a reload from a checkpoint before the marker would otherwise see the
//   transaction open forever);
// - abort markers, named by the pass in `abortMarkers` (log-cleaner-aborts.ts decides which): their
//   transaction's records were all removed at least delete.retention.ms ago, and the transaction is already
//   forgotten by the partition's transaction index and checkpoints. Never before: a read_committed fetch
//   lists an aborted transaction from that index, and a Java consumer that is told of it but never meets its
//   marker drops the producer's later batches of the same response (Kafka removes both together too).
// OFFSETS ARE PRESERVED: a rewritten batch keeps its base offset, last offset delta, max timestamp, producer id,
// epoch and base sequence, so the producer state and the time index rebuilt from batch headers are the same
// after cleaning; a batch with nothing left stays as an empty batch (as Kafka keeps the last batch of a
// producer), and a consumer skips to the offset after it. An empty transactional batch opens no transaction
// when the transaction index is rebuilt (producers cannot write empty batches: only the cleaner makes them,
// and only once their transaction ended), so a transaction whose records and commit marker are all gone
// leaves nothing open.
import {
  CONTROL_FLAG,
  ControlRecordType,
  computeRecordBatchCrc,
  encodeRecordBatch,
  iterateRecords,
  type KafkaRecord,
  RecordBatchField,
  type RecordBatchHeader,
  readControlRecordType,
  readRecordBatchHeader,
  recordBatchSize,
  TRANSACTIONAL_FLAG,
} from "@cirrus/kafka-protocol";
import { abortedKey } from "../producers/partition-txn-index.ts";

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

/**
 * Which producers' transactions still hold a record, as a pass walks its range in offset order (every batch of
 * [log start, end), unchanged ones included): Kafka's CleanedTransactionMetadata for commit markers.
 */
export class TxnRecordTracker {
  /** Markers at or above this offset are never removed (see the header). */
  readonly removableBelow: number;
  readonly #holding = new Set<bigint>();

  constructor(removableBelow: number) {
    this.removableBelow = removableBelow;
  }

  /** A transactional data batch of `producerId` keeps `records` records after cleaning. */
  data(producerId: bigint, records: number): void {
    if (records > 0) this.#holding.add(producerId);
  }

  /** The producer's marker at `offset`: true when nothing of its transaction is left and it may go. */
  end(producerId: bigint, offset: number): boolean {
    const held = this.#holding.delete(producerId);
    return !held && offset < this.removableBelow;
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
  /** Commit-marker removal (one per pass, fed every batch in offset order); without it markers are kept. */
  readonly markers?: TxnRecordTracker;
  /** The abort markers to remove (abortedKey: producer and marker offset); without it abort markers are kept. */
  readonly abortMarkers?: ReadonlySet<string>;
}

export interface CleanedPayload {
  /** The new payload, or undefined when nothing changes. */
  readonly payload: Buffer | undefined;
  /** Records dropped. */
  readonly removed: number;
  /** The earliest delete horizon of the tombstones kept (undefined: none kept). */
  readonly horizonMs: number | undefined;
}

/** A batch the pass leaves as it is (and that holds no tombstone). */
const UNCHANGED: CleanedPayload = Object.freeze({ payload: undefined, removed: 0, horizonMs: undefined });

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
  if (baseOffset + header.lastOffsetDelta >= ctx.endOffset) {
    if (header.isTransactional && !header.isControl) ctx.markers?.data(header.producerId, header.recordCount);
    return UNCHANGED;
  }
  if (header.isControl) return cleanMarker(batch, header, ctx);
  const hasHorizon = (header.attributes & DELETE_HORIZON_FLAG) !== 0;
  const oldHorizon = hasHorizon ? Number(header.baseTimestamp) : undefined;
  const records = [...iterateRecords(batch)];
  const abortedBatch = header.isTransactional && (ctx.aborted ?? NONE_ABORTED)(header.producerId, baseOffset);
  const kept = abortedBatch ? [] : records.filter((r) => survives(r, ctx, oldHorizon));
  if (header.isTransactional) ctx.markers?.data(header.producerId, kept.length);
  const tombstones = kept.some((r) => r.value === null);
  const horizonMs = tombstones ? (oldHorizon ?? ctx.nowMs + ctx.deleteRetentionMs) : undefined;
  const removed = records.length - kept.length;
  if (removed === 0 && horizonMs === oldHorizon) return { payload: undefined, removed: 0, horizonMs };
  return { payload: rebuildBatch(header, kept, horizonMs), removed, horizonMs };
}

/**
 * A control batch: a commit marker whose transaction has no record left is stamped with a delete horizon, and
 * once that has passed loses its record (see the header); anything else is kept as it is.
 */
function cleanMarker(batch: Buffer, header: RecordBatchHeader, ctx: CleanContext): CleanedPayload {
  if (!header.isTransactional || header.producerId < 0n) return UNCHANGED;
  const removable = ctx.markers?.end(header.producerId, Number(header.baseOffset)) ?? false;
  const type = header.recordCount > 0 ? readControlRecordType(batch) : undefined;
  if (
    type === ControlRecordType.Abort &&
    ctx.abortMarkers?.has(
      abortedKey({ producerId: header.producerId, lastOffset: Number(header.baseOffset) }),
    )
  )
    return {
      payload: rebuildBatch(header, [], undefined),
      removed: header.recordCount,
      horizonMs: undefined,
    };
  if (!removable || type !== ControlRecordType.Commit) return UNCHANGED;
  const hasHorizon = (header.attributes & DELETE_HORIZON_FLAG) !== 0;
  if (!hasHorizon) {
    const horizonMs = ctx.nowMs + ctx.deleteRetentionMs;
    return { payload: rebuildBatch(header, [...iterateRecords(batch)], horizonMs), removed: 0, horizonMs };
  }
  const horizonMs = Number(header.baseTimestamp);
  if (horizonMs > ctx.nowMs) return { payload: undefined, removed: 0, horizonMs };
  return { payload: rebuildBatch(header, [], undefined), removed: header.recordCount, horizonMs: undefined };
}

/**
 * The batch of `header` holding only `kept` (its records, absolute timestamps), with a delete horizon as its
 * base timestamp when given. What the encoder would derive from the kept records, the original header keeps:
 * the offsets the batch spans and its max timestamp (time index, retention), producer fields and flags.
 */
function rebuildBatch(
  header: RecordBatchHeader,
  kept: readonly KafkaRecord[],
  horizonMs: number | undefined,
) {
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
    isControl: header.isControl,
    baseTimestamp: horizonMs !== undefined ? BigInt(horizonMs) : header.baseTimestamp,
    producerId: header.producerId,
    producerEpoch: header.producerEpoch,
    baseSequence: header.baseSequence,
  });
  rebuilt.writeInt32BE(header.lastOffsetDelta, RecordBatchField.lastOffsetDelta);
  rebuilt.writeBigInt64BE(header.maxTimestamp, RecordBatchField.maxTimestamp);
  const attributes = rebuilt.readInt16BE(RecordBatchField.attributes);
  rebuilt.writeInt16BE(
    horizonMs !== undefined ? attributes | DELETE_HORIZON_FLAG : attributes & ~DELETE_HORIZON_FLAG,
    RecordBatchField.attributes,
  );
  rebuilt.writeUInt32BE(computeRecordBatchCrc(rebuilt), RecordBatchField.crc);
  return rebuilt;
}

function survives(record: KafkaRecord, ctx: CleanContext, horizonMs: number | undefined): boolean {
  if (record.key === null) return false;
  const latest = ctx.map.get(keyOf(record.key));
  if (latest !== undefined && latest > Number(record.offset)) return false;
  if (record.value === null && horizonMs !== undefined && horizonMs <= ctx.nowMs) return false;
  return true;
}
