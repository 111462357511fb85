// A sparse time index of one partition, as Kafka keeps one per segment: the log is cut into granules of about
// `granuleBytes` appended bytes, and each granule remembers where it starts and its largest timestamp (with
// the offset of the first record reaching it). That is enough to answer ListOffsets by timestamp by reading
// at most one granule (plus the one holding the log start after retention), and MAX_TIMESTAMP without
// reading anything unless retention cut into the granule holding the maximum.
//
// Timestamps are the stream records' (Partition.append stores each batch's max timestamp with it); a
// "record" here is one stream append, i.e. one Kafka batch.

import { MAX_STATE_TIMESTAMP, stateTimestamp } from "./state-timestamp.ts";

export interface Granule {
  /** Base offset of the granule's first record. */
  readonly offset: number;
  /** Largest timestamp of the granule's records (clamped to ±MAX_STATE_TIMESTAMP). */
  readonly maxTimestamp: number;
  /** Base offset of the granule's first record carrying maxTimestamp. */
  readonly maxTimestampOffset: number;
  /** Payload bytes of the granule's records. */
  readonly bytes: number;
}

type MutableGranule = { -readonly [K in keyof Granule]: Granule[K] };

/** A half-open offset range [from, to) to scan, at most one granule long. */
export interface ScanRange {
  readonly from: number;
  readonly to: number;
}

export class TimeIndex {
  readonly granuleBytes: number;
  readonly #granules: MutableGranule[];
  /** prefixMax[i]: the largest timestamp of granules 0..i (non-decreasing, so it can be binary searched). */
  readonly #prefixMax: number[] = [];
  /** One past the last offset indexed. */
  #end: number;

  /** `granules` in offset order (e.g. from a checkpoint); `end` is one past the last offset they cover. */
  constructor(granuleBytes: number, granules: readonly Granule[] = [], end = 0) {
    this.granuleBytes = Math.max(1, granuleBytes);
    this.#granules = granules.map((g) => ({ ...g }));
    this.#end = granules.length > 0 ? end : 0;
    for (const g of this.#granules) this.#pushPrefix(g.maxTimestamp);
  }

  /** A copy of the granules, in offset order. */
  get granules(): Granule[] {
    return this.#granules.map((g) => ({ ...g }));
  }

  get end(): number {
    return this.#end;
  }

  /**
   * Adds the next record (offset order; records wholly before `end` must not be added again). Its timestamp
   * is clamped to the state's range (a stream written before Produce clamped may hold up to 2^53 - 1).
   */
  add(baseOffset: number, count: number, recordTimestamp: number, bytes: number): void {
    const timestamp = stateTimestamp(recordTimestamp);
    const last = this.#granules.at(-1);
    if (!last || last.bytes >= this.granuleBytes) {
      this.#granules.push({
        offset: baseOffset,
        maxTimestamp: timestamp,
        maxTimestampOffset: baseOffset,
        bytes,
      });
      this.#pushPrefix(timestamp);
    } else {
      // Granules are mutated in place while open (this runs for every stored batch); readers get copies.
      last.bytes += bytes;
      if (timestamp > last.maxTimestamp) {
        last.maxTimestamp = timestamp;
        last.maxTimestampOffset = baseOffset;
        this.#prefixMax[this.#prefixMax.length - 1] = Math.max(this.#prefixMaxBefore(), timestamp);
      }
    }
    this.#end = baseOffset + count;
  }

  /** Drops granules that end at or below `logStartOffset` (retention removed all of their records). */
  forgetBelow(logStartOffset: number): void {
    const keepFrom = logStartOffset >= this.#end ? this.#granules.length : this.#granuleAt(logStartOffset);
    if (keepFrom <= 0) return;
    this.#granules.splice(0, keepFrom);
    this.#prefixMax.length = 0;
    for (const g of this.#granules) this.#pushPrefix(g.maxTimestamp);
  }

  /**
   * Where the first record with timestamp >= `timestamp` at or after `logStartOffset` can be: the ranges to
   * scan, in order, until one holds it. The first is the granule the binary search lands on (or the part of
   * the log-start granule above the log start); the second, needed only when retention cut into that granule,
   * is the next granule that reaches the timestamp. Empty: no indexed record reaches it.
   */
  candidates(timestamp: number, logStartOffset: number): ScanRange[] {
    if (timestamp > MAX_STATE_TIMESTAMP) return this.clampedRanges(logStartOffset);
    const first = lowerBound(this.#prefixMax, timestamp);
    if (first >= this.#granules.length) return [];
    const startGranule = Math.max(0, this.#granuleAt(logStartOffset));
    if (first > startGranule) return [this.#rangeOf(first, logStartOffset)];
    const ranges = [this.#rangeOf(startGranule, logStartOffset)];
    // Nothing of the granule was trimmed: it holds the answer.
    if (first === startGranule && logStartOffset <= this.#granules[startGranule]!.offset) return ranges;
    for (let i = startGranule + 1; i < this.#granules.length; i++) {
      if (this.#granules[i]!.maxTimestamp >= timestamp) {
        ranges.push(this.#rangeOf(i, logStartOffset));
        break;
      }
    }
    return ranges;
  }

  /**
   * The ranges, in offset order, of the granules at or after `logStartOffset` whose maximum was clamped to
   * MAX_STATE_TIMESTAMP: the only ones that can hold a timestamp beyond it. Their order says nothing about
   * which holds which of those timestamps, so a search beyond the bound reads them all (rare: only a client
   * stamping records past the year 142,000 pays for it).
   */
  clampedRanges(logStartOffset: number): ScanRange[] {
    const ranges: ScanRange[] = [];
    const startGranule = Math.max(0, this.#granuleAt(logStartOffset));
    for (let i = startGranule; i < this.#granules.length; i++) {
      if (this.#granules[i]!.maxTimestamp === MAX_STATE_TIMESTAMP)
        ranges.push(this.#rangeOf(i, logStartOffset));
    }
    return ranges;
  }

  /**
   * The largest timestamp at or after `logStartOffset` (first record on ties), from the granules alone when
   * the log start granule's maximum is still readable; otherwise `scan` is that granule's readable part,
   * whose own maximum the caller reads and weighs first (it comes before every other granule).
   */
  max(logStartOffset: number): {
    best: { timestamp: number; offset: number } | undefined;
    scan: ScanRange | undefined;
  } {
    let best: { timestamp: number; offset: number } | undefined;
    let scan: ScanRange | undefined;
    const startGranule = Math.max(0, this.#granuleAt(logStartOffset));
    for (let i = startGranule; i < this.#granules.length; i++) {
      const g = this.#granules[i]!;
      if (g.maxTimestampOffset < logStartOffset) {
        scan = this.#rangeOf(i, logStartOffset);
        continue;
      }
      if (!best || g.maxTimestamp > best.timestamp)
        best = { timestamp: g.maxTimestamp, offset: g.maxTimestampOffset };
    }
    return { best, scan };
  }

  #rangeOf(i: number, logStartOffset: number): ScanRange {
    const g = this.#granules[i]!;
    const to = this.#granules[i + 1]?.offset ?? this.#end;
    return { from: Math.max(g.offset, logStartOffset), to };
  }

  /** Index of the last granule starting at or before `offset` (-1 if none). */
  #granuleAt(offset: number): number {
    let lo = 0;
    let hi = this.#granules.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#granules[mid]!.offset <= offset) lo = mid + 1;
      else hi = mid;
    }
    return lo - 1;
  }

  #pushPrefix(timestamp: number): void {
    this.#prefixMax.push(Math.max(this.#prefixMax.at(-1) ?? Number.NEGATIVE_INFINITY, timestamp));
  }

  #prefixMaxBefore(): number {
    return this.#prefixMax.at(-2) ?? Number.NEGATIVE_INFINITY;
  }
}

/** The first index whose value is >= `target` in a non-decreasing array (length if none). */
function lowerBound(values: readonly number[], target: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid]! < target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
