// Group commit on the WAL. Appends get consecutive logical positions in call order; one flush loop writes
// every record queued so far with one writev and covers them with one fdatasync, then resolves them all.
// While that sync is in flight the next group is already written (two groups in flight at most), so
// throughput grows with concurrency while a lone append still pays a single write+sync.
//
// Space: the ring holds at most dataCapacity bytes past the durable trim point. An append that does not fit
// waits (FIFO, so WAL order stays call order) until trimTo() frees space, at most appendTimeoutMs; then it and
// every append waiting behind it are dropped (onDropped is told synchronously, then their promises reject).
import { ErrorCode, StreamStorageError } from "../errors.ts";
import type { WalFile } from "./wal-file.ts";
import { encodeRecordHeader, RECORD_HEADER_SIZE } from "./wal-record.ts";

const MAX_GROUPS_IN_FLIGHT = 2;

export interface WalAppend {
  streamId: number;
  epoch: number;
  baseOffset: number;
  count: number;
  timestamp: number;
  payload: Buffer;
  /** Set by the writer when it frames the record: crc32 of the payload, reused when uploading. */
  payloadCrc?: number;
}

/** Told once when an append is durable (`error` undefined, its WAL offset) or has failed. */
export type WalAppendCallback = (error: Error | undefined, walOffset: number) => void;

interface Entry {
  record: WalAppend;
  size: number;
  walOffset: number;
  done: WalAppendCallback;
}

export interface WalWriterOptions {
  appendTimeoutMs: number;
  /** Called when appends start waiting for space: the owner should upload and trim. */
  onSpaceNeeded: () => void;
  /** Called synchronously with appends dropped after waiting too long, before their promises reject. */
  onDropped: (records: WalAppend[]) => void;
}

export class WalWriter {
  readonly #file: WalFile;
  readonly #options: WalWriterOptions;
  #nextOffset: number;
  #trimOffset: number;
  #ready: Entry[] = [];
  #waiting: Entry[] = [];
  #waitTimer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> | undefined;
  /** Wakes the flush loop when it waits for either new appends or an in-flight sync. */
  #wake: (() => void) | undefined;
  #failure: StreamStorageError | undefined;
  #spaceWaits = 0;

  constructor(file: WalFile, writeOffset: number, options: WalWriterOptions) {
    this.#file = file;
    this.#options = options;
    this.#nextOffset = writeOffset;
    this.#trimOffset = file.header.trimOffset;
  }

  /** Logical offset the next record will be written at. */
  get nextOffset(): number {
    return this.#nextOffset;
  }

  get trimOffset(): number {
    return this.#trimOffset;
  }

  /** Bytes between the durable trim point and the write position. */
  get usedBytes(): number {
    return this.#nextOffset - this.#trimOffset;
  }

  get capacity(): number {
    return this.#file.dataCapacity;
  }

  get waitingCount(): number {
    return this.#waiting.length;
  }

  /** Appends that had to wait for space so far (uploads not keeping up): backpressure felt by producers. */
  get spaceWaits(): number {
    return this.#spaceWaits;
  }

  /** Resolves with the record's WAL offset once it is durable. */
  append(record: WalAppend): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      this.appendThen(record, (error, walOffset) => (error ? reject(error) : resolve(walOffset)));
    });
  }

  /**
   * The same as append() without a promise per record (the produce path's hot loop): `done` is called exactly
   * once, never synchronously, in WAL order for successes.
   */
  appendThen(record: WalAppend, done: WalAppendCallback): void {
    const size = RECORD_HEADER_SIZE + record.payload.length;
    const refusal =
      this.#failure ??
      (size > this.#file.dataCapacity
        ? new StreamStorageError(ErrorCode.RECORD_TOO_LARGE, `record of ${size} bytes exceeds the WAL`)
        : undefined);
    if (refusal) {
      process.nextTick(done, refusal, -1);
      return;
    }
    const entry: Entry = { record, size, walOffset: -1, done };
    if (this.#waiting.length === 0 && this.#fits(size)) this.#admit(entry);
    else this.#wait(entry);
  }

  /** Durably moves the trim point forward (records before it are in object storage), freeing space. */
  async trimTo(offset: number): Promise<void> {
    if (offset <= this.#trimOffset) return;
    if (offset > this.#nextOffset)
      throw new Error(`trim ${offset} beyond WAL write position ${this.#nextOffset}`);
    await this.#file.writeHeader({ trimOffset: offset });
    this.#trimOffset = offset;
    this.#admitWaiting();
  }

  /** Waits until every admitted record is durable. */
  async drain(): Promise<void> {
    while (this.#flushing) await this.#flushing;
  }

  /** Rejects everything still waiting for space (shutdown). */
  dropWaiting(error: StreamStorageError): void {
    this.#dropWaiting(0, error);
  }

  #fits(size: number): boolean {
    return this.#nextOffset + size - this.#trimOffset <= this.#file.dataCapacity;
  }

  #admit(entry: Entry): void {
    entry.walOffset = this.#nextOffset;
    this.#nextOffset += entry.size;
    this.#ready.push(entry);
    if (!this.#flushing) this.#flushing = this.#flushLoop();
    else this.#wake?.();
  }

  #wait(entry: Entry): void {
    this.#spaceWaits++;
    this.#waiting.push(entry);
    if (!this.#waitTimer) this.#armWaitTimer();
    this.#options.onSpaceNeeded();
  }

  #armWaitTimer(): void {
    // One timer for the head of the queue: it waits longest; when it expires the whole queue is dropped.
    this.#waitTimer = setTimeout(() => {
      this.#waitTimer = undefined;
      this.#dropWaiting(
        0,
        new StreamStorageError(
          ErrorCode.BACKPRESSURE_TIMEOUT,
          `WAL full for ${this.#options.appendTimeoutMs} ms`,
        ),
      );
    }, this.#options.appendTimeoutMs);
    this.#waitTimer.unref();
  }

  #admitWaiting(): void {
    let admitted = 0;
    while (admitted < this.#waiting.length && this.#fits(this.#waiting[admitted]!.size)) {
      this.#admit(this.#waiting[admitted]!);
      admitted++;
    }
    if (admitted === 0) return;
    this.#waiting.splice(0, admitted);
    clearTimeout(this.#waitTimer);
    this.#waitTimer = undefined;
    if (this.#waiting.length > 0) this.#armWaitTimer();
  }

  #dropWaiting(from: number, error: StreamStorageError): void {
    const dropped = this.#waiting.splice(from);
    clearTimeout(this.#waitTimer);
    this.#waitTimer = undefined;
    if (dropped.length === 0) return;
    this.#options.onDropped(dropped.map((e) => e.record));
    for (const entry of dropped) entry.done(error, -1);
  }

  async #flushLoop(): Promise<void> {
    // Let appends made in the same tick join the first group.
    await new Promise<void>((resolve) => setImmediate(resolve));
    // Pipelined: the next group is written while the previous one's fdatasync is in flight, at most
    // MAX_GROUPS_IN_FLIGHT groups written but not yet acked. Acks stay in WAL order.
    const inFlight: Promise<void>[] = [];
    try {
      for (;;) {
        if (this.#ready.length === 0) {
          if (inFlight.length === 0) return;
          const more = new Promise<"more">((resolve) => {
            this.#wake = () => resolve("more");
          });
          const oldestDone = inFlight[0]!.then(() => "done" as const);
          const why = await Promise.race([more, oldestDone]);
          this.#wake = undefined;
          if (why === "done") inFlight.shift();
          continue;
        }
        if (inFlight.length >= MAX_GROUPS_IN_FLIGHT) {
          await inFlight.shift();
          continue;
        }
        const group = this.#ready;
        this.#ready = [];
        if (this.#failure) {
          for (const entry of group) entry.done(this.#failure, -1);
          continue;
        }
        const previous = inFlight[inFlight.length - 1] ?? Promise.resolve();
        if (!(await this.#writeGroup(group))) continue;
        inFlight.push(this.#syncGroup(group, previous));
      }
    } finally {
      this.#wake = undefined;
      this.#flushing = undefined;
    }
  }

  /** Frames and writes a group (not synced). False when the write failed (the group is rejected). */
  async #writeGroup(group: Entry[]): Promise<boolean> {
    const headers = Buffer.allocUnsafe(group.length * RECORD_HEADER_SIZE);
    const chunks: Buffer[] = new Array(group.length * 2);
    const generation = this.#file.header.generation;
    let length = 0;
    for (let i = 0; i < group.length; i++) {
      const { record, walOffset, size } = group[i]!;
      const at = i * RECORD_HEADER_SIZE;
      record.payloadCrc = encodeRecordHeader(headers, at, record, walOffset, generation, record.payload);
      chunks[2 * i] = headers.subarray(at, at + RECORD_HEADER_SIZE);
      chunks[2 * i + 1] = record.payload;
      length += size;
    }
    try {
      await this.#file.write(group[0]!.walOffset, chunks, length);
      return true;
    } catch (cause) {
      this.#fail(cause, group);
      return false;
    }
  }

  /**
   * Syncs a written group and acks it once the group before it is acked. Any failure before the ack (its own
   * sync or an earlier group's) rejects it: after a failed fsync the kernel may have dropped earlier dirty
   * pages, so a later successful sync proves nothing about them.
   */
  async #syncGroup(group: Entry[], previous: Promise<void>): Promise<void> {
    try {
      await this.#file.sync();
    } catch (cause) {
      await previous;
      this.#fail(cause, group);
      return;
    }
    await previous;
    if (this.#failure) {
      for (const entry of group) entry.done(this.#failure, -1);
      return;
    }
    for (const entry of group) entry.done(undefined, entry.walOffset);
  }

  /** After a failed write or fsync nothing about the file can be trusted: stop accepting appends. */
  #fail(cause: unknown, group: Entry[]): void {
    this.#failure ??= new StreamStorageError(
      ErrorCode.WAL_IO_ERROR,
      `WAL write failed on ${this.#file.path}`,
      {
        cause,
      },
    );
    for (const entry of [...group, ...this.#ready.splice(0)]) entry.done(this.#failure, -1);
    this.#dropWaiting(0, this.#failure);
  }
}
