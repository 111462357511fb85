// The transactions of one partition, as a read_committed fetch needs them (Kafka's producer state
// "ongoing transactions" and the aborted-transaction index): for each producer with an open transaction,
// the offset of its first transactional batch here; and every aborted transaction with its first offset
// and the offset of its abort marker. The last stable offset (LSO) is the first offset of the oldest open
// transaction, or the high watermark when none is open.
//
// Live, a transaction begins when its first batch is admitted (before the append, so the LSO never passes
// it) and ends when its marker is durable (so the LSO never passes a marker still in flight). Rebuilt by
// replaying the stored batch headers, which is how it survives restarts and moves.

export interface AbortedTxn {
  readonly producerId: bigint;
  readonly firstOffset: number;
  /** The offset of the abort marker. */
  readonly lastOffset: number;
}

/** An open transaction: its producer and the offset of its first batch here. */
export interface OngoingTxn {
  readonly producerId: bigint;
  readonly firstOffset: number;
}

/** Everything the index holds, as a checkpoint stores it (partitions/checkpoint-codec.ts). */
export interface TxnIndexSnapshot {
  readonly ongoing: readonly OngoingTxn[];
  /** Sorted by lastOffset. */
  readonly aborted: readonly AbortedTxn[];
}

export class PartitionTxnIndex {
  readonly #ongoing = new Map<bigint, number>();
  /** Sorted by lastOffset (markers are appended in offset order). */
  readonly #aborted: AbortedTxn[] = [];

  /** An index holding exactly `snapshot` (as snapshot() returned it). */
  static fromSnapshot(snapshot: TxnIndexSnapshot): PartitionTxnIndex {
    const index = new PartitionTxnIndex();
    for (const t of snapshot.ongoing) index.#ongoing.set(t.producerId, t.firstOffset);
    for (let i = 1; i < snapshot.aborted.length; i++) {
      if (snapshot.aborted[i]!.lastOffset < snapshot.aborted[i - 1]!.lastOffset)
        throw new RangeError("aborted transactions not sorted by marker offset");
    }
    index.#aborted.push(...snapshot.aborted);
    return index;
  }

  snapshot(): TxnIndexSnapshot {
    return {
      ongoing: [...this.#ongoing].map(([producerId, firstOffset]) => ({ producerId, firstOffset })),
      aborted: [...this.#aborted],
    };
  }

  /**
   * True when a transaction begun below `offset` is still open or was aborted at or after it: what a scan
   * of the log from `offset` would see of it differs (it would start that transaction at its producer's
   * first batch at or after `offset`, or not know it at all).
   */
  straddles(offset: number): boolean {
    for (const first of this.#ongoing.values()) if (first < offset) return true;
    return this.#aborted.some((a) => a.firstOffset < offset && a.lastOffset >= offset);
  }

  /** A transactional batch of `producerId` at `offset`; true when it opened the producer's transaction. */
  begin(producerId: bigint, offset: number): boolean {
    if (this.#ongoing.has(producerId)) return false;
    this.#ongoing.set(producerId, offset);
    return true;
  }

  /** Undoes a begin() whose batch was not stored. */
  undoBegin(producerId: bigint, offset: number): void {
    if (this.#ongoing.get(producerId) === offset) this.#ongoing.delete(producerId);
  }

  /** A commit or abort marker of `producerId` at `markerOffset`. A marker with no open transaction is a retry. */
  end(producerId: bigint, markerOffset: number, committed: boolean): void {
    const first = this.#ongoing.get(producerId);
    if (first === undefined) return;
    this.#ongoing.delete(producerId);
    if (!committed) {
      const entry = { producerId, firstOffset: first, lastOffset: markerOffset };
      let at = this.#aborted.length;
      while (at > 0 && this.#aborted[at - 1]!.lastOffset > markerOffset) at--;
      this.#aborted.splice(at, 0, entry);
    }
  }

  /** The last stable offset given the high watermark. */
  lastStableOffset(highWatermark: number): number {
    let lso = highWatermark;
    for (const first of this.#ongoing.values()) if (first < lso) lso = first;
    return lso;
  }

  /** The first offset of the transaction `producerId` has open here; undefined when none is open. */
  openedAt(producerId: bigint): number | undefined {
    return this.#ongoing.get(producerId);
  }

  /**
   * The aborted transactions a fetch of [from, to) must report (Kafka's rule: every aborted transaction
   * whose marker is at or after `from` and whose first offset is below `to`), oldest marker first.
   */
  abortedIn(from: number, to: number): AbortedTxn[] {
    let lo = 0;
    let hi = this.#aborted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#aborted[mid]!.lastOffset < from) lo = mid + 1;
      else hi = mid;
    }
    const out: AbortedTxn[] = [];
    for (let i = lo; i < this.#aborted.length; i++) {
      const a = this.#aborted[i]!;
      if (a.firstOffset < to) out.push(a);
    }
    return out;
  }

  /**
   * Forgets these aborted transactions (matched by producer and marker offset): the log cleaner removes their
   * abort markers, and a fetch must not list a transaction whose marker a consumer will never meet (see
   * partitions/log-cleaner-records.ts). Entries not held are ignored.
   */
  dropAborted(entries: readonly AbortedTxn[]): void {
    if (entries.length === 0) return;
    const gone = new Set(entries.map(abortedKey));
    const kept = this.#aborted.filter((a) => !gone.has(abortedKey(a)));
    this.#aborted.splice(0, this.#aborted.length, ...kept);
  }

  /** Drops aborted transactions wholly below the log start (retention removed them). */
  forgetBelow(logStartOffset: number): void {
    let drop = 0;
    while (drop < this.#aborted.length && this.#aborted[drop]!.lastOffset < logStartOffset) drop++;
    if (drop > 0) this.#aborted.splice(0, drop);
  }
}

/** An aborted transaction's identity: its producer and the offset of its abort marker. */
export function abortedKey(a: Pick<AbortedTxn, "producerId" | "lastOffset">): string {
  return `${a.producerId}@${a.lastOffset}`;
}
