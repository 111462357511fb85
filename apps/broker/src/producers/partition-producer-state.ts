// The idempotent-producer state of one partition: for each producer id, its epoch and the metadata of its
// last few batches, enough to recognise a retried batch (answer its original offset) and to refuse a gap
// or a fenced epoch. Built two ways that must agree: live (admit → settle) and by replaying the batch
// headers stored in the partition's stream (replay), which is how it survives restarts and moves.
import { ErrorCode } from "@cirrus/kafka-protocol";
import { stateTimestamp } from "../partitions/state-timestamp.ts";
import { incrementSequence, inSequence, isAtOrBefore } from "./sequence.ts";

/** Kafka keeps the metadata of the last 5 batches per producer (max.in.flight.requests for idempotence). */
export const BATCHES_PER_PRODUCER = 5;

/** The fields of a stored or incoming batch header that producer state uses. */
export interface ProducerBatch {
  readonly producerId: bigint;
  readonly producerEpoch: number;
  readonly baseSequence: number;
  readonly lastOffsetDelta: number;
  readonly maxTimestamp: bigint;
}

interface BatchEntry {
  readonly epoch: number;
  readonly firstSeq: number;
  readonly lastSeq: number;
  readonly baseOffset: number;
  /** The batch takes offsets [baseOffset, baseOffset + lastOffsetDelta]. */
  readonly lastOffsetDelta: number;
  /** Admitted but not yet durable: its offset cannot be promised to a retry yet. */
  pending: boolean;
}

interface ProducerEntry {
  /** Oldest first; the last one carries the producer's current epoch and sequence. */
  readonly batches: BatchEntry[];
  lastTimestamp: number;
}

/** One durable batch of a producer as a checkpoint stores it (Kafka's producer snapshot keeps the same). */
export interface ProducerSnapshotBatch {
  readonly epoch: number;
  readonly firstSeq: number;
  readonly lastOffsetDelta: number;
  readonly baseOffset: number;
}

/** One producer as a checkpoint stores it: its last batches (oldest first, at most BATCHES_PER_PRODUCER). */
export interface ProducerSnapshot {
  readonly producerId: bigint;
  readonly lastTimestamp: number;
  readonly batches: readonly ProducerSnapshotBatch[];
}

/** A producer's newest marker here: its epoch, and the time of the newest marker at that epoch (ms). */
export interface MarkerStamp {
  readonly epoch: number;
  readonly lastTimestamp: number;
}

/**
 * A producer's marker stamp after one more of its markers, at `epoch`, written at `timestampMs`: the newest
 * epoch and the latest time; undefined when that marker's epoch is older than the known one (it is ignored:
 * the coordinator's fencing makes marker epochs grow per producer). The one rule for every marker-epoch map.
 */
export function nextMarkerStamp(
  known: MarkerStamp | undefined,
  epoch: number,
  timestampMs: number,
): MarkerStamp | undefined {
  if (known === undefined) return { epoch, lastTimestamp: timestampMs };
  if (epoch < known.epoch) return undefined;
  return { epoch, lastTimestamp: Math.max(known.lastTimestamp, timestampMs) };
}

export type AdmitVerdict =
  | { readonly kind: "append" }
  | { readonly kind: "duplicate"; readonly baseOffset: number }
  | { readonly kind: "reject"; readonly errorCode: number; readonly message: string };

export interface PartitionProducerStateOptions {
  /** Producers silent for longer than this are forgotten (Kafka's producer.id.expiration.ms). */
  readonly producerIdleExpiryMs: number;
  /** Upper bound of producers remembered per partition; the longest-idle are forgotten first. */
  readonly maxProducers: number;
}

export class PartitionProducerState {
  readonly #producers = new Map<bigint, ProducerEntry>();
  /**
   * The epoch of each producer's newest transaction marker here (older epochs are fenced: zombies) and when
   * it was written, which counts as the producer's activity as a batch does (Kafka's appendEndTxnMarker sets
   * the entry's lastTimestamp), so that expire() can forget a producer known only by its markers.
   */
  readonly #markerEpochs = new Map<bigint, MarkerStamp>();
  readonly #options: PartitionProducerStateOptions;

  constructor(options: PartitionProducerStateOptions) {
    this.#options = options;
  }

  get producerCount(): number {
    return this.#producers.size;
  }

  /**
   * The durable part of the state (pending batches left out), producers in this state's own order (which
   * eviction ties follow), so that fromSnapshot(snapshot()) then more replays equals replaying everything.
   */
  snapshot(): ProducerSnapshot[] {
    const producers: ProducerSnapshot[] = [];
    for (const [producerId, entry] of this.#producers) {
      const batches = entry.batches
        .filter((b) => !b.pending)
        .map((b) => ({
          epoch: b.epoch,
          firstSeq: b.firstSeq,
          lastOffsetDelta: b.lastOffsetDelta,
          baseOffset: b.baseOffset,
        }));
      if (batches.length > 0) producers.push({ producerId, lastTimestamp: entry.lastTimestamp, batches });
    }
    return producers;
  }

  /** A state holding exactly `producers` (as snapshot() returned them), all durable. */
  static fromSnapshot(
    producers: readonly ProducerSnapshot[],
    options: PartitionProducerStateOptions,
  ): PartitionProducerState {
    const state = new PartitionProducerState(options);
    for (const p of producers) {
      if (p.batches.length === 0) continue;
      state.#producers.set(p.producerId, {
        lastTimestamp: p.lastTimestamp,
        batches: p.batches.slice(-BATCHES_PER_PRODUCER).map((b) => ({
          ...b,
          lastSeq: incrementSequence(b.firstSeq, b.lastOffsetDelta),
          pending: false,
        })),
      });
    }
    return state;
  }

  /**
   * Forgets batches wholly below `logStartOffset` (retention trimmed them: a scan from the log start would
   * not see them), and producers left with none.
   */
  forgetBelow(logStartOffset: number): void {
    for (const [id, entry] of this.#producers) {
      const kept = entry.batches.filter(
        (b) => b.pending || b.baseOffset + b.lastOffsetDelta >= logStartOffset,
      );
      if (kept.length === entry.batches.length) continue;
      if (kept.length === 0) this.#producers.delete(id);
      else entry.batches.splice(0, entry.batches.length, ...kept);
    }
  }

  /**
   * Decides what to do with an incoming batch; on "append", records it as pending at `baseOffset` so that
   * the next batch of the same producer (pipelined) is checked against it. Must be followed by settle().
   */
  admit(batch: ProducerBatch, baseOffset: number, nowMs: number): AdmitVerdict {
    if (batch.producerId < 0n) return { kind: "append" };
    const markerEpoch = this.#markerEpochs.get(batch.producerId)?.epoch;
    if (markerEpoch !== undefined && batch.producerEpoch < markerEpoch) {
      return reject(
        ErrorCode.INVALID_PRODUCER_EPOCH,
        `epoch ${batch.producerEpoch} is older than the transaction marker's ${markerEpoch}`,
      );
    }
    const lastSeq = incrementSequence(batch.baseSequence, batch.lastOffsetDelta);
    const entry = this.#producers.get(batch.producerId);
    const last = entry?.batches.at(-1);
    if (entry && last) {
      if (batch.producerEpoch < last.epoch) {
        return reject(
          ErrorCode.INVALID_PRODUCER_EPOCH,
          `epoch ${batch.producerEpoch} is older than ${last.epoch}`,
        );
      }
      if (batch.producerEpoch === last.epoch) {
        const dup = entry.batches.find(
          (b) =>
            b.epoch === batch.producerEpoch && b.firstSeq === batch.baseSequence && b.lastSeq === lastSeq,
        );
        if (dup?.pending) {
          // The original is still being written: its offset is not final. The client retries.
          return reject(ErrorCode.REQUEST_TIMED_OUT, "the original of this retried batch is still in flight");
        }
        if (dup) return { kind: "duplicate", baseOffset: dup.baseOffset };
        if (!inSequence(last.lastSeq, batch.baseSequence)) {
          if (isAtOrBefore(batch.baseSequence, last.lastSeq)) {
            return reject(
              ErrorCode.DUPLICATE_SEQUENCE_NUMBER,
              `sequence ${batch.baseSequence} was already written`,
            );
          }
          return reject(
            ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
            `sequence ${batch.baseSequence} does not follow ${last.lastSeq}`,
          );
        }
      } else if (batch.baseSequence !== 0) {
        return reject(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, `a new epoch must start at sequence 0`);
      }
    } else if (batch.baseSequence !== 0) {
      return reject(
        ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
        `producer ${batch.producerId} is unknown here and sequence ${batch.baseSequence} is not 0`,
      );
    }
    this.#record(batch, lastSeq, baseOffset, true, nowMs);
    return { kind: "append" };
  }

  /** Confirms (ok) or undoes (not ok) an admitted batch. Unknown batches are ignored. */
  settle(batch: ProducerBatch, baseOffset: number, ok: boolean): void {
    const entry = this.#producers.get(batch.producerId);
    if (!entry) return;
    const at = entry.batches.findIndex(
      (b) => b.pending && b.baseOffset === baseOffset && b.firstSeq === batch.baseSequence,
    );
    if (at < 0) return;
    if (ok) {
      entry.batches[at]!.pending = false;
      return;
    }
    entry.batches.splice(at, 1);
    if (entry.batches.length === 0) this.#producers.delete(batch.producerId);
  }

  /** Applies a batch read back from the partition's stream (already durable; log order is the truth). */
  replay(batch: ProducerBatch, baseOffset: number): void {
    if (batch.producerId < 0n) return;
    const lastSeq = incrementSequence(batch.baseSequence, batch.lastOffsetDelta);
    // The client's time, which may be any int64: clamped, so that a checkpoint can store it.
    this.#record(batch, lastSeq, baseOffset, false, stateTimestamp(Number(batch.maxTimestamp)));
  }

  /**
   * A transaction marker of `producerId` at `producerEpoch` (written, or replayed): batches of older epochs
   * are refused from now on, as the coordinator fenced them. `timestampMs`: when it was written (the marker
   * batch's timestamp when replayed), the producer's last activity unless it has a newer one.
   */
  noteMarker(producerId: bigint, producerEpoch: number, timestampMs: number): void {
    const stamp = nextMarkerStamp(this.#markerEpochs.get(producerId), producerEpoch, timestampMs);
    if (stamp) this.#markerEpochs.set(producerId, stamp);
  }

  /** The epoch a marker fenced `producerId` at here, if any. */
  markerEpoch(producerId: bigint): number | undefined {
    return this.#markerEpochs.get(producerId)?.epoch;
  }

  /** How many producers' marker epochs this state remembers. */
  get markerCount(): number {
    return this.#markerEpochs.size;
  }

  /** The epoch of the producer's newest batch here, or of its newest marker, whichever is higher. */
  currentEpoch(producerId: bigint): number | undefined {
    const last = this.#producers.get(producerId)?.batches.at(-1)?.epoch;
    const marker = this.#markerEpochs.get(producerId)?.epoch;
    if (last === undefined) return marker;
    return marker === undefined ? last : Math.max(last, marker);
  }

  /** When `producerId`'s newest batch here was written (ms), if it has any. */
  lastBatchTimestamp(producerId: bigint): number | undefined {
    return this.#producers.get(producerId)?.lastTimestamp;
  }

  /** Whether activity at `lastTimestamp` is older than the producer expiry at `nowMs`: the one idle rule. */
  isIdle(lastTimestamp: number, nowMs: number): boolean {
    return nowMs - lastTimestamp > this.#options.producerIdleExpiryMs;
  }

  /**
   * Forgets producers idle longer than the expiry (call now and then; cheap when nothing expired), except
   * those `kept` says to keep: those with a transaction open here (from the partition's transaction index;
   * PartitionLogState adds those with a recent marker, which it keeps apart from this state). An ongoing
   * transaction is never expired (Kafka's isProducerExpired), or its producer's next batch would be refused
   * as out of sequence and its sequence checks lost while the transaction can still commit.
   * A producer is idle since its newest batch or marker, whichever is later (Kafka keeps one entry for both):
   * a producer known only by its markers (its batches trimmed, or a transaction that wrote none here) expires
   * too, and a recent marker keeps its producer's batches.
   */
  expire(nowMs: number, kept: (producerId: bigint) => boolean): void {
    const idle = (lastTimestamp: number) => this.isIdle(lastTimestamp, nowMs);
    // The time checks come first: they are cheap, and most entries are not idle.
    for (const [id, entry] of this.#producers) {
      if (!idle(entry.lastTimestamp)) continue;
      const marker = this.#markerEpochs.get(id);
      if ((marker !== undefined && !idle(marker.lastTimestamp)) || kept(id)) continue;
      this.#producers.delete(id);
      this.#markerEpochs.delete(id);
    }
    // Left: markers of producers kept above (a recent batch, or `kept`) and of producers with no batches here.
    for (const [id, marker] of this.#markerEpochs) {
      if (idle(marker.lastTimestamp) && !this.#producers.has(id) && !kept(id)) this.#markerEpochs.delete(id);
    }
  }

  #record(batch: ProducerBatch, lastSeq: number, baseOffset: number, pending: boolean, nowMs: number): void {
    let entry = this.#producers.get(batch.producerId);
    if (!entry) {
      if (this.#producers.size >= this.#options.maxProducers) this.#evictLongestIdle();
      entry = { batches: [], lastTimestamp: nowMs };
      this.#producers.set(batch.producerId, entry);
    }
    entry.batches.push({
      epoch: batch.producerEpoch,
      firstSeq: batch.baseSequence,
      lastSeq,
      baseOffset,
      lastOffsetDelta: batch.lastOffsetDelta,
      pending,
    });
    entry.lastTimestamp = Math.max(entry.lastTimestamp, nowMs);
    // Keep the newest few; never drop a pending one (settle must find it).
    while (entry.batches.length > BATCHES_PER_PRODUCER && !entry.batches[0]!.pending) entry.batches.shift();
  }

  #evictLongestIdle(): void {
    let oldestId: bigint | undefined;
    let oldest = Number.POSITIVE_INFINITY;
    for (const [id, entry] of this.#producers) {
      if (entry.lastTimestamp < oldest && !entry.batches.some((b) => b.pending)) {
        oldest = entry.lastTimestamp;
        oldestId = id;
      }
    }
    if (oldestId !== undefined) this.#producers.delete(oldestId);
  }
}

function reject(errorCode: number, message: string): AdmitVerdict {
  return { kind: "reject", errorCode, message };
}
