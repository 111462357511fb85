// Schedules uploads of the log cache's pending records and trims the WAL after each commit. Uploads run one at
// a time (commits of a stream must arrive in offset order) on their own async path: appends never wait for
// them, except through WAL space (backpressure).
//
// Triggers: pending bytes reach the threshold; the oldest pending record is older than the interval; appends
// wait for WAL space; a stream closes (uploads just that stream); shutdown (uploads everything).
import type { CachedRecord, LogCache } from "../cache/log-cache.ts";
import type { StreamStorageError } from "../errors.ts";
import type { WalWriter } from "../wal/wal-writer.ts";
import { type UploadContext, uploadRecords } from "./upload-records.ts";

/** A stream close's wish that the tail upload close the stream in its commit (one round trip, not two). */
export interface CloseWith {
  epoch: number;
  /** Written beside the stream meanwhile (a final checkpoint): the closing commit waits for it. */
  before?: Promise<unknown>;
}

/** Longest stretch of marking records uploaded before the uploader yields to appends and reads. */
const MARK_SLICE_MS = 2;
/** Records the trim point moves over (and evictions) per step between those checks. */
const SETTLE_STEP_RECORDS = 2048;

export interface UploaderOptions {
  thresholdBytes: number;
  intervalMs: number;
  /** Told of streams whose records were committed (new committed end) or refused (why). */
  onCommitted: (streamId: number, committedOffset: number) => void;
  onRefused: (streamId: number, reason: StreamStorageError) => void;
  onError: (error: unknown) => void;
}

export class Uploader {
  readonly #ctx: UploadContext;
  readonly #cache: LogCache;
  readonly #writer: WalWriter;
  readonly #options: UploaderOptions;
  readonly #timer: NodeJS.Timeout;
  #chain: Promise<void> = Promise.resolve();
  #outcomeUnknown = false;
  #allQueued = false;
  /** Stream uploads queued but not started yet: later uploadStream() calls join them. */
  #waitingStreams:
    | { ids: Set<number>; closes: Map<number, CloseWith>; run: Promise<ReadonlySet<number>> }
    | undefined;
  #running = false;
  uploads = 0;
  lastError: unknown;

  constructor(ctx: UploadContext, cache: LogCache, writer: WalWriter, options: UploaderOptions) {
    this.#ctx = ctx;
    this.#cache = cache;
    this.#writer = writer;
    this.#options = options;
    this.#timer = setInterval(() => this.#checkAge(), Math.max(10, Math.min(1000, options.intervalMs / 4)));
    this.#timer.unref();
  }

  /** Called after each ack: uploads once enough is pending. */
  maybeUpload(): void {
    if (this.#cache.unuploadedBytes >= this.#options.thresholdBytes) this.requestUpload();
  }

  /** Queues an upload of everything pending (coalesced with one already queued). */
  requestUpload(): void {
    if (this.#allQueued) return;
    this.#allQueued = true;
    void this.#enqueue(() => {
      this.#allQueued = false;
      return this.#upload(undefined);
    }).catch(this.#options.onError);
  }

  /** Uploads everything pending now; resolves when committed and the WAL trimmed. */
  async uploadAll(): Promise<void> {
    await this.#enqueue(() => this.#upload(undefined));
  }

  /**
   * Uploads one stream's pending records (stream close). Streams asked for while such an upload waits its
   * turn join it: a drain closing a hundred streams at once writes one object, not a hundred in a row.
   * Resolves when the upload holding this stream committed; rejects if it failed. With `close`, the commit
   * also closes the stream (when it has records to commit): resolves true if it did, false if the caller must
   * close it itself.
   */
  async uploadStream(streamId: number, close?: CloseWith): Promise<boolean> {
    let waiting = this.#waitingStreams;
    if (!waiting) {
      const ids = new Set<number>();
      const closes = new Map<number, CloseWith>();
      const run = this.#enqueue(() => {
        if (this.#waitingStreams?.ids === ids) this.#waitingStreams = undefined;
        return this.#upload(ids, closes);
      });
      waiting = { ids, closes, run };
      this.#waitingStreams = waiting;
    }
    waiting.ids.add(streamId);
    if (close) waiting.closes.set(streamId, close);
    return (await waiting.run).has(streamId);
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  /** Waits for queued uploads to finish. */
  async idle(): Promise<void> {
    await this.#chain.catch(() => {});
  }

  get running(): boolean {
    return this.#running;
  }

  #enqueue<T>(job: () => Promise<T>): Promise<T> {
    const run = this.#chain
      .catch(() => {})
      .then(async () => {
        this.#running = true;
        try {
          return await job();
        } finally {
          this.#running = false;
        }
      });
    this.#chain = run.then(
      () => {},
      () => {},
    );
    return run;
  }

  #checkAge(): void {
    const oldest = this.#cache.oldestUnuploadedAt;
    const waiting = this.#writer.waitingCount > 0;
    if (waiting || (oldest > 0 && Date.now() - oldest >= this.#options.intervalMs)) this.requestUpload();
  }

  /** Marks as uploaded the pending records that the object index turns out to hold already. */
  async #reconcile(): Promise<void> {
    for (const [streamId, records] of this.#cache.snapshotUnuploaded()) {
      const meta = await this.#ctx.objectManager.describeStream(streamId).catch(() => undefined);
      if (!meta || meta.epoch !== records[0]!.epoch) continue;
      let committed = 0;
      while (
        committed < records.length &&
        records[committed]!.baseOffset + records[committed]!.count <= meta.endOffset
      ) {
        committed++;
      }
      if (committed === 0) continue;
      this.#cache.markUploaded(streamId, committed);
      this.#options.onCommitted(streamId, meta.endOffset);
    }
    this.#outcomeUnknown = false;
  }

  /** Resolves with the streams whose close rode with the commit (`closes`). */
  async #upload(
    onlyStreamIds: ReadonlySet<number> | undefined,
    closes?: ReadonlyMap<number, CloseWith>,
  ): Promise<ReadonlySet<number>> {
    if (this.#outcomeUnknown) await this.#reconcile();
    const snapshot: Map<number, CachedRecord[]> = this.#cache.snapshotUnuploaded(onlyStreamIds);
    let closed: ReadonlySet<number> = new Set();
    if (snapshot.size > 0) {
      let result: Awaited<ReturnType<typeof uploadRecords>>;
      const closing = [...(closes ?? new Map<number, CloseWith>())];
      try {
        result = await uploadRecords(
          this.#ctx,
          snapshot,
          closing.length > 0
            ? {
                streams: closing.map(([streamId, c]) => ({ streamId, epoch: c.epoch })),
                before: Promise.all(closing.map(([, c]) => c.before?.catch(() => {}))),
              }
            : undefined,
        );
      } catch (error) {
        // The commit may have applied even though we saw an error (a lost reply): check before the next upload.
        this.#outcomeUnknown = true;
        this.lastError = error;
        throw error;
      }
      this.uploads++;
      closed = result.closed;
      // Marking tens of thousands of records uploaded (and evicting as many) took 20-30 ms in one go, a stall
      // every produce in flight waited out: give the event loop a turn between streams once a slice ran long.
      let sliceStart = performance.now();
      const yieldIfLong = async () => {
        if (performance.now() - sliceStart < MARK_SLICE_MS) return;
        await new Promise<void>((resolve) => setImmediate(resolve));
        sliceStart = performance.now();
      };
      for (const streamId of result.committed) {
        const list = snapshot.get(streamId)!;
        const last = list[list.length - 1]!;
        this.#cache.markUploaded(streamId, list.length, { deferTrim: true });
        this.#options.onCommitted(streamId, last.baseOffset + last.count);
        await yieldIfLong();
      }
      for (const [streamId, reason] of result.refused) {
        // Never committable by this writer: drop them so the WAL can be trimmed past them.
        this.#cache.markUploaded(streamId, snapshot.get(streamId)!.length, { deferTrim: true });
        this.#options.onRefused(streamId, reason);
        await yieldIfLong();
      }
      while (this.#cache.settleUploaded(SETTLE_STEP_RECORDS)) await yieldIfLong();
    }
    await this.#writer.trimTo(this.#cache.trimOffset);
    return closed;
  }
}
