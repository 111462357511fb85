// The log cache: every acked record stays in memory until it is uploaded (the WAL holds the same bytes, so this
// memory is bounded by the WAL's capacity), and uploaded records stay on for tail reads until `retainBytes` of
// them are cached, oldest evicted first. It also computes how far the WAL may be trimmed: up to the first record,
// in WAL order, that is not uploaded yet.
import type { StreamRecord } from "../stream-types.ts";
import { ArrayQueue } from "./array-queue.ts";

export interface CachedRecord extends StreamRecord {
  streamId: number;
  epoch: number;
  walOffset: number;
  walSize: number;
  uploaded: boolean;
  /** crc32 of the payload, set when the WAL writer frames the record; reused by uploads. */
  payloadCrc: number | undefined;
}

/** One stream's cached records: contiguous offsets, ascending; [head, uploadIndex) are uploaded. */
class StreamCache {
  records: CachedRecord[] = [];
  head = 0;
  uploadIndex = 0;
  removed = false;

  get firstOffset(): number | undefined {
    return this.records[this.head]?.baseOffset;
  }

  /** Index of the record containing `offset`, or -1 when it is below the cached range. */
  indexOf(offset: number): number {
    let low = this.head;
    let high = this.records.length - 1;
    if (high < low || this.records[low]!.baseOffset > offset) return -1;
    while (low < high) {
      const mid = (low + high + 1) >>> 1;
      if (this.records[mid]!.baseOffset <= offset) low = mid;
      else high = mid - 1;
    }
    return low;
  }

  /** Drops the head record at once (its payload must not outlive the eviction; slots below head are unused). */
  evictHead(): void {
    (this.records as (CachedRecord | undefined)[])[this.head] = undefined;
    this.head++;
    if (this.head >= 1024 && this.head * 2 >= this.records.length) {
      this.records = this.records.slice(this.head);
      this.uploadIndex -= this.head;
      this.head = 0;
    }
  }
}

export class LogCache {
  readonly #retainBytes: number;
  readonly #streams = new Map<number, StreamCache>();
  /** Acked records not yet uploaded, in WAL order. */
  readonly #walOrder = new ArrayQueue<CachedRecord>();
  /** Uploaded records still cached, in upload order: eviction order. */
  readonly #evictable = new ArrayQueue<CachedRecord>();
  #uploadedWalEnd: number;
  #unuploadedBytes = 0;
  #uploadedCachedBytes = 0;
  #oldestUnuploadedAt = 0;

  constructor(retainBytes: number, walStart: number) {
    this.#retainBytes = retainBytes;
    this.#uploadedWalEnd = walStart;
  }

  get unuploadedBytes(): number {
    return this.#unuploadedBytes;
  }

  /** When the oldest record still waiting for upload was acked (0 if none). */
  get oldestUnuploadedAt(): number {
    return this.#walOrder.length > 0 ? this.#oldestUnuploadedAt : 0;
  }

  get cachedBytes(): number {
    return this.#unuploadedBytes + this.#uploadedCachedBytes;
  }

  /** The WAL offset before which every record is uploaded. */
  get trimOffset(): number {
    return this.#walOrder.peek()?.walOffset ?? this.#uploadedWalEnd;
  }

  /** Adds an acked record (WAL order = call order, so each stream's offsets ascend). */
  add(record: CachedRecord): void {
    let stream = this.#streams.get(record.streamId);
    if (!stream) {
      stream = new StreamCache();
      this.#streams.set(record.streamId, stream);
    }
    if (this.#walOrder.length === 0) this.#oldestUnuploadedAt = Date.now();
    stream.records.push(record);
    this.#walOrder.push(record);
    this.#unuploadedBytes += record.payload.length;
  }

  /** The not yet uploaded records of each stream (or of the streams in `onlyStreamIds`), as they are now. */
  snapshotUnuploaded(onlyStreamIds?: ReadonlySet<number>): Map<number, CachedRecord[]> {
    const snapshot = new Map<number, CachedRecord[]>();
    for (const [streamId, stream] of this.#streams) {
      if (onlyStreamIds !== undefined && !onlyStreamIds.has(streamId)) continue;
      if (stream.uploadIndex < stream.records.length) {
        snapshot.set(streamId, stream.records.slice(stream.uploadIndex));
      }
    }
    return snapshot;
  }

  /**
   * Marks the first `count` unuploaded records of the stream as uploaded (they were in a committed object, or
   * must be dropped because the stream was fenced or deleted).
   */
  markUploaded(streamId: number, count: number, options: { deferTrim?: boolean } = {}): void {
    const stream = this.#streams.get(streamId);
    if (!stream) return;
    for (let i = 0; i < count; i++) {
      const record = stream.records[stream.uploadIndex + i]!;
      record.uploaded = true;
      this.#unuploadedBytes -= record.payload.length;
      this.#uploadedCachedBytes += record.payload.length;
      this.#evictable.push(record);
    }
    stream.uploadIndex += count;
    if (options.deferTrim) return;
    this.#advanceTrim(Number.POSITIVE_INFINITY);
    this.#evict(Number.POSITIVE_INFINITY);
  }

  /**
   * After markUploaded(…, { deferTrim: true }): moves the trim point and evicts over at most `limit` records
   * each, so a large upload's bookkeeping can be spread over several turns. True while work is left. Until it
   * is done the trim point only lags (never runs ahead of what is uploaded) and memory is freed later.
   */
  settleUploaded(limit: number): boolean {
    const trimLeft = this.#advanceTrim(limit);
    const evictLeft = this.#evict(limit);
    return trimLeft || evictLeft;
  }

  /** Records of the stream from the one containing `offset` on, or undefined if `offset` is not cached. */
  read(streamId: number, offset: number, endOffset: number, maxBytes: number): CachedRecord[] | undefined {
    const stream = this.#streams.get(streamId);
    if (!stream) return undefined;
    let index = stream.indexOf(offset);
    if (index < 0) return undefined;
    const out: CachedRecord[] = [];
    let bytes = 0;
    for (; index < stream.records.length; index++) {
      const record = stream.records[index]!;
      if (record.baseOffset >= endOffset) break;
      if (out.length > 0 && bytes + record.payload.length > maxBytes) break;
      out.push(record);
      bytes += record.payload.length;
    }
    return out;
  }

  /**
   * Drops the stream's uploaded records that end at or below `offset` (oldest first; never one still to be
   * uploaded): after a rewrite of their objects, reads must come from the rewritten objects, not these.
   */
  evictUploadedBelow(streamId: number, offset: number): void {
    const stream = this.#streams.get(streamId);
    if (!stream) return;
    while (stream.head < stream.uploadIndex) {
      const record = stream.records[stream.head]!;
      if (record.baseOffset + record.count > offset) break;
      stream.evictHead();
      this.#uploadedCachedBytes -= record.payload.length;
    }
  }

  /** First cached offset of the stream (undefined if nothing cached). */
  firstOffset(streamId: number): number | undefined {
    return this.#streams.get(streamId)?.firstOffset;
  }

  /**
   * Forgets a closed stream. Its records should all be uploaded by now; any that are not (a fenced stream)
   * are dropped so they do not pin the WAL.
   */
  removeStream(streamId: number): void {
    const stream = this.#streams.get(streamId);
    if (!stream) return;
    if (stream.uploadIndex < stream.records.length)
      this.markUploaded(streamId, stream.records.length - stream.uploadIndex);
    stream.removed = true;
    for (let i = stream.head; i < stream.uploadIndex; i++)
      this.#uploadedCachedBytes -= stream.records[i]!.payload.length;
    this.#streams.delete(streamId);
  }

  /** Moves the trim point over at most `limit` uploaded records; true if it stopped at the limit. */
  #advanceTrim(limit: number): boolean {
    let steps = 0;
    for (let record = this.#walOrder.peek(); record?.uploaded; record = this.#walOrder.peek()) {
      if (steps >= limit) return true;
      this.#walOrder.shift();
      this.#uploadedWalEnd = record.walOffset + record.walSize;
      steps++;
    }
    // What is left was acked while the upload ran: its age restarts (close enough for the age trigger).
    if (steps > 0) this.#oldestUnuploadedAt = Date.now();
    return false;
  }

  /** Evicts over at most `limit` records while above the retained size; true if it stopped at the limit. */
  #evict(limit: number): boolean {
    let steps = 0;
    while (this.#uploadedCachedBytes > this.#retainBytes && this.#evictable.length > 0) {
      if (steps++ >= limit) return true;
      const record = this.#evictable.shift()!;
      const stream = this.#streams.get(record.streamId);
      if (!stream || stream.removed || stream.records[stream.head] !== record) continue;
      stream.evictHead();
      this.#uploadedCachedBytes -= record.payload.length;
    }
    return false;
  }
}
