// One open stream. Offsets are assigned synchronously in append() call order; durability, caching, uploading
// and cold reads are delegated to the Storage that opened it (StreamHost).
import type { CachedRecord } from "./cache/log-cache.ts";
import { assertSafeIndex, ErrorCode, StreamStorageError, toStreamStorageError } from "./errors.ts";
import type { AppendRequest, Stream, StreamCloseOptions, StreamRecord } from "./stream-types.ts";
import { RECORD_HEADER_SIZE } from "./wal/wal-record.ts";

/** What a stream needs from its storage. */
export interface StreamHost {
  readonly maxRecordBytes: number;
  /** Makes `record` durable and cached; `done` is called exactly once, asynchronously, in WAL order. */
  writeRecord(record: CachedRecord, done: (error: Error | undefined) => void): void;
  readRecords(
    stream: S3Stream,
    startOffset: number,
    endOffset: number,
    maxBytes: number,
  ): Promise<StreamRecord[]>;
  trimStream(stream: S3Stream, newStartOffset: number): Promise<void>;
  /** Settles appends, uploads the tail, waits for `commitAfter` (never failing on it), commits the close. */
  closeStream(stream: S3Stream, commitAfter?: Promise<unknown>): Promise<void>;
}

export class S3Stream implements Stream {
  readonly streamId: number;
  readonly epoch: number;
  readonly #host: StreamHost;
  #startOffset: number;
  #nextOffset: number;
  #confirmOffset: number;
  /** One past the last offset committed to the object index. */
  committedOffset: number;
  #closedBy: StreamStorageError | undefined;
  /** Appends not yet settled, and who waits for that count to reach zero (settled()). */
  #pendingAppends = 0;
  #onSettled: (() => void) | undefined;
  #settled: Promise<void> | undefined;
  #closing: Promise<void> | undefined;

  constructor(
    host: StreamHost,
    meta: { streamId: number; epoch: number; startOffset: number; endOffset: number },
  ) {
    this.#host = host;
    this.streamId = meta.streamId;
    this.epoch = meta.epoch;
    this.#startOffset = meta.startOffset;
    this.#nextOffset = meta.endOffset;
    this.#confirmOffset = meta.endOffset;
    this.committedOffset = meta.endOffset;
  }

  get startOffset(): number {
    return this.#startOffset;
  }

  get nextOffset(): number {
    return this.#nextOffset;
  }

  get confirmOffset(): number {
    return this.#confirmOffset;
  }

  get closed(): boolean {
    return this.#closedBy !== undefined;
  }

  append(request: AppendRequest): Promise<{ baseOffset: number }> {
    if (this.#closedBy) return Promise.reject(this.#closedBy);
    const { payload, count } = request;
    const timestamp = request.timestamp ?? 0;
    if (!Buffer.isBuffer(payload) || !Number.isSafeInteger(count) || count < 1 || count > 0xffff_ffff) {
      return Promise.reject(
        new StreamStorageError(
          ErrorCode.INVALID_ARGUMENT,
          "append needs a Buffer payload and 1 <= count < 2^32",
        ),
      );
    }
    if (!Number.isSafeInteger(timestamp) || timestamp < 0) {
      return Promise.reject(
        new StreamStorageError(ErrorCode.INVALID_ARGUMENT, "timestamp must be a non-negative safe integer"),
      );
    }
    if (payload.length > this.#host.maxRecordBytes) {
      return Promise.reject(
        new StreamStorageError(
          ErrorCode.RECORD_TOO_LARGE,
          `append of ${payload.length} bytes exceeds ${this.#host.maxRecordBytes}`,
        ),
      );
    }
    const baseOffset = this.#nextOffset;
    this.#nextOffset += count;
    const record: CachedRecord = {
      streamId: this.streamId,
      epoch: this.epoch,
      baseOffset,
      count,
      timestamp,
      payload,
      walOffset: -1,
      walSize: RECORD_HEADER_SIZE + payload.length,
      uploaded: false,
      payloadCrc: undefined,
    };
    this.#pendingAppends++;
    return new Promise((resolve, reject) => {
      this.#host.writeRecord(record, (error) => {
        if (error === undefined) this.#confirmOffset = baseOffset + count;
        if (--this.#pendingAppends === 0) this.#onSettled?.();
        if (error === undefined) resolve({ baseOffset });
        else reject(error);
      });
    });
  }

  /** Called synchronously by the storage when queued appends were dropped: offsets restart at the first one. */
  rollbackTo(offset: number): void {
    if (offset < this.#nextOffset && offset >= this.#confirmOffset) this.#nextOffset = offset;
  }

  async read(startOffset: number, endOffset: number, maxBytes: number): Promise<StreamRecord[]> {
    assertSafeIndex("startOffset", startOffset);
    assertSafeIndex("endOffset", endOffset);
    assertSafeIndex("maxBytes", maxBytes);
    if (startOffset < this.#startOffset || startOffset > this.#confirmOffset) {
      throw new StreamStorageError(
        ErrorCode.OFFSET_OUT_OF_RANGE,
        `offset ${startOffset} outside [${this.#startOffset}, ${this.#confirmOffset}] of stream ${this.streamId}`,
      );
    }
    const end = Math.min(endOffset, this.#confirmOffset);
    if (startOffset >= end) return [];
    try {
      return await this.#host.readRecords(this, startOffset, end, maxBytes);
    } catch (error) {
      throw toStreamStorageError(error, `read of stream ${this.streamId} at ${startOffset}`);
    }
  }

  async trim(newStartOffset: number): Promise<void> {
    assertSafeIndex("newStartOffset", newStartOffset);
    if (this.#closedBy) throw this.#closedBy;
    if (newStartOffset > this.#confirmOffset) {
      throw new StreamStorageError(
        ErrorCode.OFFSET_OUT_OF_RANGE,
        `trim to ${newStartOffset} beyond the acked end ${this.#confirmOffset} of stream ${this.streamId}`,
      );
    }
    if (newStartOffset <= this.#startOffset) return;
    try {
      await this.#host.trimStream(this, newStartOffset);
    } catch (error) {
      throw toStreamStorageError(error, `trim of stream ${this.streamId}`);
    }
    this.#startOffset = Math.max(this.#startOffset, newStartOffset);
  }

  close(options: StreamCloseOptions = {}): Promise<void> {
    if (!this.#closing) {
      this.markClosed(new StreamStorageError(ErrorCode.STREAM_CLOSED, `stream ${this.streamId} is closed`));
      // A failed close (object store down) can be retried: the stream stays with its storage meanwhile.
      this.#closing = this.#host.closeStream(this, options.commitAfter).catch((error: unknown) => {
        this.#closing = undefined;
        throw toStreamStorageError(error, `close of stream ${this.streamId}`);
      });
    }
    return this.#closing;
  }

  /**
   * Waits until no append is in flight. Appends settle in the order they were made, so once the count reaches
   * zero every append made before this call has settled (callers stop new appends first: markClosed).
   */
  settled(): Promise<void> {
    if (this.#pendingAppends === 0) return Promise.resolve();
    this.#settled ??= new Promise<void>((resolve) => {
      this.#onSettled = () => {
        this.#onSettled = undefined;
        this.#settled = undefined;
        resolve();
      };
    });
    return this.#settled;
  }

  /** Refuses further appends with `reason` (close, shutdown, fencing). */
  markClosed(reason: StreamStorageError): void {
    this.#closedBy ??= reason;
  }
}
