// Which record of the offsets log is the latest for each key (offset commit of group/topic/partition,
// metadata of a group), and at which stream offset. Replay and every append keep it current, so
// compaction knows what is live without reading the log again.
import type { OffsetsLogRecord } from "./offsets-log-record.ts";

export interface IndexedRecord {
  readonly key: string;
  readonly record: OffsetsLogRecord;
  /** The stream offset of the record (it may still be in flight: appended, not yet durable). */
  readonly offset: number;
}

/** A key that cannot collide between kinds or between fields (each string is length-prefixed). */
export function offsetsLogKey(record: OffsetsLogRecord): string {
  if (record.kind === "group") return `g${record.groupId.length}:${record.groupId}`;
  return `o${record.groupId.length}:${record.groupId}${record.topic.length}:${record.topic}:${record.partition}`;
}

export class OffsetsLogIndex {
  readonly #latest = new Map<string, IndexedRecord>();
  #live = 0;
  #broken = false;
  /**
   * Producers with transactional offset records not yet followed by their marker: the first record's offset and
   * the keys of their records.
   */
  readonly #openTxns = new Map<bigint, { readonly firstOffset: number; readonly keys: Set<string> }>();

  /**
   * Records that `record` is at `offset`. Calls must come in offset order (replay order, then append
   * order: the order in which the stream assigned offsets), so the last call for a key is its latest.
   */
  note(record: OffsetsLogRecord, offset: number): void {
    const key = offsetsLogKey(record);
    const before = this.#latest.get(key);
    if (before && before.offset > offset) {
      // An out-of-order note means the caller broke the contract: stop trusting the index.
      this.#broken = true;
      return;
    }
    if (before?.record.value != null) this.#live--;
    if (record.value !== null) this.#live++;
    // Map.set on an existing key keeps its iteration position: a compaction iterating meanwhile sees
    // each key once, with its newest entry.
    this.#latest.set(key, { key, record, offset });
  }

  /**
   * A transactional batch of `producerId` (TxnOffsetCommit) is at `offset`: its records are not the latest
   * of their keys (they may yet be aborted) and must stay in the log until the producer's marker.
   */
  openTxn(producerId: bigint, offset: number, records: readonly OffsetsLogRecord[]): void {
    let open = this.#openTxns.get(producerId);
    if (!open) {
      open = { firstOffset: offset, keys: new Set() };
      this.#openTxns.set(producerId, open);
    }
    for (const r of records) open.keys.add(offsetsLogKey(r));
  }

  /**
   * Whether an open transaction holds a record of `key`. A copy of the key's latest record appended now would
   * come after that record in the log and, on replay, count as a later plain write that supersedes it.
   */
  hasOpenTxnRecord(key: string): boolean {
    for (const open of this.#openTxns.values()) if (open.keys.has(key)) return true;
    return false;
  }

  /** The producer's marker is at the end of the log: its transactional records need not be kept. */
  endTxn(producerId: bigint): void {
    this.#openTxns.delete(producerId);
  }

  /** The offset of the oldest transactional record still waiting for its marker: no trim may pass it. */
  get firstOpenTxnOffset(): number | undefined {
    let first: number | undefined;
    for (const { firstOffset } of this.#openTxns.values())
      if (first === undefined || firstOffset < first) first = firstOffset;
    return first;
  }

  /** Keys whose latest record is not a tombstone: the records a compacted log must still hold. */
  get liveKeys(): number {
    return this.#live;
  }

  /** Every key with its latest record (tombstones included), in first-noted order; safe to mutate while iterating. */
  entries(): IterableIterator<IndexedRecord> {
    return this.#latest.values();
  }

  /**
   * True once an append that took offsets failed (the stream then rejects what was queued behind it and
   * the partition is reopened) or notes came out of order: the index may name records that are not
   * stored, so compaction must not trust it. A fresh replay builds a new index.
   */
  get broken(): boolean {
    return this.#broken;
  }

  markBroken(): void {
    this.#broken = true;
  }

  /**
   * Forgets a tombstone the log no longer holds (trimmed away: nothing older remains for it to delete),
   * unless a newer record of its key was noted meanwhile. Returns whether it was forgotten.
   */
  forgetTombstone(entry: IndexedRecord): boolean {
    if (entry.record.value !== null || this.#latest.get(entry.key) !== entry) return false;
    this.#latest.delete(entry.key);
    return true;
  }
}
