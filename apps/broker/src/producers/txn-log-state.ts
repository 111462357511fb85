// The transactions of a partition as its stored batches say, folded in offset order: the transaction index
// (partition-txn-index.ts: open transactions and aborted ones) and, per producer, the epoch of its newest
// marker with that marker's offset. It lives in PartitionLogState (partitions/partition-log-state.ts), so a
// partition checkpoint carries it and opening a partition replays only the tail after the checkpoint.
//
// It must equal rebuildTxnIndex (rebuild-txn-index.ts), the full scan from the log start, which sees only
// batches at or after the log start. Two things a checkpoint made before the log start moved cannot turn
// into that view by itself: a transaction begun below the new log start that is still open, or was aborted
// at or after it (the scan starts it at its producer's first batch past the log start, or never sees it).
// forgetBelow reports those, and the loader then rebuilds this part by a scan. Marker epochs only grow per
// producer (a marker with an older epoch is refused: ProducerStateManager.checkMarker), so the newest
// marker's offset tells whether the log start passed every marker of that producer.
// Each marker entry keeps the time of the producer's newest marker (the marker batch's timestamp, which the
// broker sets when it writes the marker), so that expire() can forget producers whose markers are older than
// the producer expiry, as Kafka expires a producer entry (markers included) after producer.id.expiration.ms;
// this is the one place the checkpoint view knowingly differs from the scan, which keeps every marker.
import { type MarkerStamp, nextMarkerStamp } from "./partition-producer-state.ts";
import { type AbortedTxn, PartitionTxnIndex, type TxnIndexSnapshot } from "./partition-txn-index.ts";
import type { RebuiltTxns } from "./rebuild-txn-index.ts";

export interface MarkerEpoch {
  readonly producerId: bigint;
  readonly epoch: number;
  /** The offset of the producer's newest marker with that epoch. */
  readonly offset: number;
  /** When the producer's newest marker was written (ms; a version 2 checkpoint's entries: when it was loaded). */
  readonly lastTimestamp: number;
}

type MarkerEntry = Omit<MarkerEpoch, "producerId">;

export interface TxnLogSnapshot extends TxnIndexSnapshot {
  readonly markers: readonly MarkerEpoch[];
}

export class TxnLogState {
  #index: PartitionTxnIndex;
  readonly #markers: Map<bigint, MarkerEntry>;
  /** False: what it holds is not known (a checkpoint without transactions): only a scan can tell. */
  #known: boolean;

  private constructor(index: PartitionTxnIndex, markers: Map<bigint, MarkerEntry>, known: boolean) {
    this.#index = index;
    this.#markers = markers;
    this.#known = known;
  }

  /** Nothing folded yet. */
  static empty(): TxnLogState {
    return new TxnLogState(new PartitionTxnIndex(), new Map(), true);
  }

  /** Not known (a checkpoint written before checkpoints carried transactions). */
  static unknown(): TxnLogState {
    return new TxnLogState(new PartitionTxnIndex(), new Map(), false);
  }

  static fromSnapshot(snapshot: TxnLogSnapshot): TxnLogState {
    const markers = new Map(
      snapshot.markers.map((m) => [
        m.producerId,
        { epoch: m.epoch, offset: m.offset, lastTimestamp: m.lastTimestamp },
      ]),
    );
    return new TxnLogState(PartitionTxnIndex.fromSnapshot(snapshot), markers, true);
  }

  get known(): boolean {
    return this.#known;
  }

  snapshot(): TxnLogSnapshot {
    const markers = [...this.#markers].map(([producerId, m]) => ({ producerId, ...m }));
    return { ...this.#index.snapshot(), markers };
  }

  /**
   * The last stable offset of the log this state covers, given its high watermark: the first offset of the
   * oldest open transaction, or `highWatermark` when none is open. Undefined when the state is not known.
   */
  lastStableOffset(highWatermark: number): number | undefined {
    return this.#known ? this.#index.lastStableOffset(highWatermark) : undefined;
  }

  /** The aborted transactions overlapping [from, to) (PartitionTxnIndex.abortedIn); [] when not known. */
  abortedIn(from: number, to: number): AbortedTxn[] {
    return this.#known ? this.#index.abortedIn(from, to) : [];
  }

  /** Whether `producerId` has a transaction open in the log folded so far (true when the state is not known). */
  mayHaveOpenTxn(producerId: bigint): boolean {
    return !this.#known || this.#index.openedAt(producerId) !== undefined;
  }

  /** Forgets these aborted transactions (PartitionTxnIndex.dropAborted). */
  dropAborted(entries: readonly AbortedTxn[]): void {
    this.#index.dropAborted(entries);
  }

  /** A stored transactional data batch of `producerId` at `baseOffset`. */
  data(producerId: bigint, baseOffset: number): void {
    this.#index.begin(producerId, baseOffset);
  }

  /** A stored commit or abort marker, written at `timestampMs` (its batch's timestamp). */
  marker(producerId: bigint, epoch: number, offset: number, committed: boolean, timestampMs: number): void {
    this.#index.end(producerId, offset, committed);
    const stamp = nextMarkerStamp(this.#markers.get(producerId), epoch, timestampMs);
    if (stamp) this.#markers.set(producerId, { ...stamp, offset });
  }

  /** When `producerId`'s newest marker here was written (ms), if this state knows one. */
  lastMarkerTimestamp(producerId: bigint): number | undefined {
    return this.#markers.get(producerId)?.lastTimestamp;
  }

  /**
   * Forgets the marker epochs of producers whose newest marker is `idle` (PartitionLogState: the producer
   * expiry's rule), except those with a transaction open here (Kafka never expires a producer with an ongoing
   * transaction) and those `kept` says to keep (PartitionLogState: a recent batch of the producer).
   */
  expire(idle: (lastTimestamp: number) => boolean, kept: (producerId: bigint) => boolean): void {
    for (const [producerId, m] of this.#markers) {
      if (idle(m.lastTimestamp) && !this.mayHaveOpenTxn(producerId) && !kept(producerId))
        this.#markers.delete(producerId);
    }
  }

  /**
   * The log start moved to `logStartOffset`; this state covers the log below `coveredOffset`. Forgets what a
   * scan from the log start would not see and returns whether the rest is exactly that scan's view (false:
   * a transaction straddles the log start, or the state is unknown; rebuild it by a scan).
   */
  forgetBelow(logStartOffset: number, coveredOffset: number): boolean {
    if (coveredOffset <= logStartOffset) {
      // Nothing folded reaches the log start: a scan from there starts empty, and so does this.
      this.#index = new PartitionTxnIndex();
      this.#markers.clear();
      this.#known = true;
      return true;
    }
    if (!this.#known) return false;
    this.#index.forgetBelow(logStartOffset);
    for (const [producerId, m] of this.#markers)
      if (m.offset < logStartOffset) this.#markers.delete(producerId);
    return !this.#index.straddles(logStartOffset);
  }

  /** An independent copy in the shape ProducerStateManager keeps (the live index diverges from here on). */
  rebuilt(): RebuiltTxns {
    const markerEpochs = new Map<bigint, MarkerStamp>();
    for (const [producerId, m] of this.#markers)
      markerEpochs.set(producerId, { epoch: m.epoch, lastTimestamp: m.lastTimestamp });
    return { index: PartitionTxnIndex.fromSnapshot(this.#index.snapshot()), markerEpochs };
  }
}
