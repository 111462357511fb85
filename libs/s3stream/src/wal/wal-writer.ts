// Group commit on the WAL. Appends get consecutive logical positions in call order; one flush loop writes
// every record queued so far as one group with one durable write (WalFile.writeDurably: a single O_DSYNC
// writev, or writev + fdatasync where O_DSYNC is unavailable), then resolves them all. While one group's
// write is in flight the next group is already being written (two in flight at most, acks in WAL order), so
// throughput grows with concurrency while a lone append still pays a single durable write.
//
// Space: the ring holds at most dataCapacity bytes past the durable trim point. An append that does not fit
// waits (FIFO, so WAL order stays call order) until trimTo() frees space, at most appendTimeoutMs; then it and
// every append waiting behind it are dropped (onDropped is told synchronously, then their promises reject).
import { ErrorCode, StreamStorageError } from "../errors.ts";
import type { WalFile } from "./wal-file.ts";
import { encodeRecordHeader, RECORD_HEADER_SIZE } from "./wal-record.ts";

const MAX_GROUPS_IN_FLIGHT = 2;

/** What the writer needs of the WAL file (a WalFile; tests wrap one to hold or fail its writes). */
export type WalGroupFile = Pick<WalFile, "path" | "dataCapacity" | "header" | "writeDurably" | "writeHeader">;

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
  /** Told after each successful group write: seconds it took to be durable, and its bytes. */
  observeWrite?: (seconds: number, bytes: number) => void;
}

export class WalWriter {
  readonly #file: WalGroupFile;
  readonly #options: WalWriterOptions;
  #nextOffset: number;
  #trimOffset: number;
  #ready: Entry[] = [];
  #waiting: Entry[] = [];
  #waitTimer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> | undefined;
  /** Wakes the flush loop when it waits for either new appends or an in-flight group write. */
  #wake: (() => void) | undefined;
  #failure: StreamStorageError | undefined;
  /** A group write has failed: write nothing more (#failure is set once that group settles). */
  #writeFailed = false;
  #spaceWaits = 0;

  constructor(file: WalGroupFile, writeOffset: number, options: WalWriterOptions) {
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
    // Pipelined: up to MAX_GROUPS_IN_FLIGHT group writes outstanding at once, each its own durability point;
    // a group is acked once its write is durable and the group before it is acked (acks in WAL order).
    const inFlight: Promise<void>[] = [];
    try {
      for (;;) {
        // #writeFailed stays set once a write has failed (#failure follows when that group settles).
        if (this.#ready.length > 0 && !this.#writeFailed && inFlight.length < MAX_GROUPS_IN_FLIGHT) {
          const group = this.#ready;
          this.#ready = [];
          inFlight.push(this.#commitGroup(group, inFlight[inFlight.length - 1]));
          continue;
        }
        if (inFlight.length === 0) {
          // Nothing outstanding: a failure has rejected whatever was ready, so this is idle.
          if (this.#failure) this.#rejectReady(this.#failure);
          return;
        }
        if (this.#ready.length > 0) {
          await inFlight.shift(); // groups settle in order, the oldest first
          continue;
        }
        const more = new Promise<"more">((resolve) => {
          this.#wake = () => resolve("more");
        });
        const why = await Promise.race([more, inFlight[0]!.then(() => "done" as const)]);
        this.#wake = undefined;
        if (why === "done") inFlight.shift();
      }
    } finally {
      this.#wake = undefined;
      this.#flushing = undefined;
    }
  }

  /**
   * Frames, writes and acks one group once `previous` (the group before it) has settled. A failed write
   * rejects this group and, through #fail, every later one (even those whose own write succeeded: after an
   * I/O error nothing later is trusted); groups before it are acked normally, their writes being durable on
   * their own. Never rejects.
   */
  async #commitGroup(group: Entry[], previous: Promise<void> | undefined): Promise<void> {
    const { chunks, length } = this.#frame(group);
    let failed = false;
    let cause: unknown;
    try {
      const started = performance.now();
      await this.#file.writeDurably(group[0]!.walOffset, chunks, length);
      this.#options.observeWrite?.((performance.now() - started) / 1000, length);
    } catch (error) {
      failed = true;
      cause = error;
      this.#writeFailed = true; // stop writing later groups; they are rejected once this one settles
    }
    await previous;
    if (failed) this.#fail(cause, group);
    else if (this.#failure) for (const entry of group) entry.done(this.#failure, -1);
    else for (const entry of group) entry.done(undefined, entry.walOffset);
  }

  /** Record headers + payloads of a group, ready for one writev. */
  #frame(group: Entry[]): { chunks: Buffer[]; length: number } {
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
    return { chunks, length };
  }

  #rejectReady(error: StreamStorageError): void {
    for (const entry of this.#ready.splice(0)) entry.done(error, -1);
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
