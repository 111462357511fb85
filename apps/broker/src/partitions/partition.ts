// One Kafka partition served by this broker: a stream in s3stream opened at the partition's leader epoch.
// Offsets are the stream's offsets; the high watermark is the stream's confirmOffset (everything durable on
// the WAL), so a fetch never sees a record that could still be lost.
import { setBaseOffset } from "@cirrus/kafka-protocol";
import { BrokerError, BrokerErrorCode } from "../errors.ts";
import type { AppendNotifier } from "./append-notifier.ts";
import { partitionKey } from "./append-notifier.ts";
import { type CheckpointOptions, PartitionCheckpointer } from "./partition-checkpointer.ts";

/** One stored append as s3stream returns it. */
export interface StoredRecord {
  readonly baseOffset: number;
  readonly count: number;
  readonly timestamp: number;
  readonly payload: Buffer;
}

/** The part of s3stream's Stream a partition uses (see libs/s3stream/src/stream-types.ts for the contract). */
export interface PartitionStream {
  readonly streamId: number;
  readonly startOffset: number;
  readonly nextOffset: number;
  readonly confirmOffset: number;
  append(request: { payload: Buffer; count: number; timestamp?: number }): Promise<{ baseOffset: number }>;
  read(startOffset: number, endOffset: number, maxBytes: number): Promise<StoredRecord[]>;
  trim(newStartOffset: number): Promise<void>;
  /** Resolves once no append made before the call is in flight (durable or failed). */
  settled(): Promise<void>;
  /** `commitAfter`: the close is committed only once that settled (see s3stream's Stream.close). */
  close(options?: { commitAfter?: Promise<unknown> }): Promise<void>;
}

/** A record batch that passed validation: its CRC matched and its header was read. */
export interface CheckedBatch {
  /** The batch exactly as the client sent it; its base offset is overwritten in place on append. */
  readonly payload: Buffer;
  /** lastOffsetDelta + 1: the offsets the batch takes. */
  readonly count: number;
  readonly maxTimestamp: number;
}

export interface PartitionIdentity {
  readonly topic: string;
  readonly topicId: string;
  readonly partition: number;
  readonly leaderEpoch: number;
  readonly streamId: number;
}

export class Partition implements PartitionIdentity {
  readonly topic: string;
  readonly topicId: string;
  readonly partition: number;
  readonly leaderEpoch: number;
  readonly streamId: number;
  readonly key: string;
  /** Producer-state snapshots and the time index of this partition (loaded on first use). */
  readonly checkpoints: PartitionCheckpointer;
  readonly #stream: PartitionStream;
  readonly #notifier: AppendNotifier;
  readonly #onAppendFailed: ((partition: Partition, error: unknown) => void) | undefined;
  #closed = false;

  /**
   * `onAppendFailed` is told when an append fails: s3stream closes a stream whose append failed (so that it
   * stays gap-free), so the owner must drop this partition and open it again. `checkpoints` configures its
   * checkpointer (store, cadence); without a store every open replays the whole log.
   */
  constructor(
    identity: PartitionIdentity,
    stream: PartitionStream,
    notifier: AppendNotifier,
    onAppendFailed?: (partition: Partition, error: unknown) => void,
    checkpoints?: Partial<CheckpointOptions>,
  ) {
    this.#onAppendFailed = onAppendFailed;
    this.topic = identity.topic;
    this.topicId = identity.topicId;
    this.partition = identity.partition;
    this.leaderEpoch = identity.leaderEpoch;
    this.streamId = identity.streamId;
    this.key = partitionKey(identity.topic, identity.partition);
    this.#stream = stream;
    this.#notifier = notifier;
    this.checkpoints = new PartitionCheckpointer(this, checkpoints);
  }

  get logStartOffset(): number {
    return this.#stream.startOffset;
  }

  /** The offset the next appended batch gets (read synchronously right before append). */
  get nextOffset(): number {
    return this.#stream.nextOffset;
  }

  /** One past the last record durable on the WAL: what consumers may read. */
  get highWatermark(): number {
    return this.#stream.confirmOffset;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Appends batches in order and resolves with the first one's base offset once all are durable on the WAL.
   * Offsets are assigned synchronously: each batch's base offset is stamped in place from the stream's
   * nextOffset immediately before its (synchronous) append call, so concurrent produces cannot interleave.
   * Rejects (nothing acked) if the partition closed or the stream failed.
   */
  append(batches: readonly CheckedBatch[]): Promise<number> {
    if (this.#closed) {
      return Promise.reject(
        new BrokerError(BrokerErrorCode.PARTITION_NOT_OWNED, `${this.topic}-${this.partition} closed`),
      );
    }
    // One batch per partition is what clients send: no array, no Promise.all on that path.
    if (batches.length === 1) {
      const batch = batches[0]!;
      const offset = this.#stream.nextOffset;
      setBaseOffset(batch.payload, offset);
      return this.#stream
        .append({ payload: batch.payload, count: batch.count, timestamp: batch.maxTimestamp })
        .then(
          () => {
            this.#notifier.notify(this.key, batch.payload.length);
            return offset;
          },
          (error: unknown) => this.#appendFailed(error),
        );
    }
    const appends: Promise<{ baseOffset: number }>[] = [];
    let firstOffset = -1;
    let bytes = 0;
    for (const batch of batches) {
      const offset = this.#stream.nextOffset;
      if (firstOffset < 0) firstOffset = offset;
      setBaseOffset(batch.payload, offset);
      appends.push(
        this.#stream.append({ payload: batch.payload, count: batch.count, timestamp: batch.maxTimestamp }),
      );
      bytes += batch.payload.length;
    }
    return Promise.all(appends).then(
      () => {
        this.#notifier.notify(this.key, bytes);
        return firstOffset;
      },
      (error: unknown) => this.#appendFailed(error),
    );
  }

  #appendFailed(error: unknown): never {
    // Refusals checked before an offset is taken (too large, invalid) leave the stream open; any other
    // failure closed it.
    const code = (error as { code?: unknown }).code;
    if (!this.#closed && code !== "RECORD_TOO_LARGE" && code !== "INVALID_ARGUMENT") {
      this.#onAppendFailed?.(this, error);
    }
    throw error;
  }

  /**
   * Whole batches from `offset` up to the high watermark, at most about `maxBytes` (but always at least one
   * batch when there is any, as Kafka does so that a big batch cannot block a consumer). The first batch may
   * start before `offset`; clients skip the records below it.
   */
  async read(offset: number, maxBytes: number): Promise<{ chunks: Buffer[]; bytes: number }> {
    const end = this.highWatermark;
    if (offset >= end) return { chunks: [], bytes: 0 };
    const records = await this.#stream.read(offset, end, Math.max(1, maxBytes));
    const chunks = records.map((r) => r.payload);
    let bytes = 0;
    for (const c of chunks) bytes += c.length;
    return { chunks, bytes };
  }

  /**
   * The stored records (one per append: the batches as stored, with the timestamp given at append) overlapping
   * [offset, endOffset), offset order, at most about `maxBytes` but at least one when any. Never beyond the
   * high watermark. The first may begin before `offset`.
   */
  async readRecords(offset: number, endOffset: number, maxBytes: number): Promise<readonly StoredRecord[]> {
    const end = Math.min(endOffset, this.highWatermark);
    if (offset >= end) return [];
    return this.#stream.read(offset, end, Math.max(1, maxBytes));
  }

  /**
   * The base offset of the first batch whose max timestamp is >= `timestamp` (Kafka's ListOffsets by time,
   * at batch granularity), or offset -1 when none is. Searches the partition's time index (see
   * partition-checkpointer.ts) and reads at most about one granule.
   */
  offsetForTimestamp(timestamp: number): Promise<{ offset: number; timestamp: number }> {
    return this.checkpoints.offsetForTimestamp(timestamp);
  }

  /** The batch with the largest max timestamp (the first one on ties), for ListOffsets MAX_TIMESTAMP. */
  maxTimestampOffset(): Promise<{ offset: number; timestamp: number }> {
    return this.checkpoints.maxTimestampOffset();
  }

  /**
   * Moves the log start forward to `newStartOffset` (never backward; at most the high watermark): records
   * below it become unreadable and their storage is freed later. Used by the offsets log's compaction.
   */
  async trim(newStartOffset: number): Promise<void> {
    if (this.#closed)
      throw new BrokerError(BrokerErrorCode.PARTITION_NOT_OWNED, `${this.topic}-${this.partition} closed`);
    await this.#stream.trim(newStartOffset);
  }

  /**
   * Stops taking appends, wakes fetches waiting here, then closes the stream (uploads its tail). `observe` is
   * told how long the checkpoint catch-up took (`close_checkpoint`) and the whole close (`close`), in seconds.
   */
  async close(observe?: (step: "close_checkpoint" | "close", seconds: number) => void): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const from = performance.now();
    this.#notifier.wakeAll(this.key);
    // The last checkpoint (bounded, never failing the close) covers every append, those in flight included
    // (they settle within the WAL's append timeout, which the stream's close waited for anyway), and is
    // written while the tail uploads but stored before the close commits: the next owner, which can open
    // the stream only after that, finds it and replays nothing before its first produce.
    await this.#stream.settled();
    const { written } = await this.checkpoints.close();
    observe?.("close_checkpoint", (performance.now() - from) / 1000);
    await Promise.all([this.#stream.close({ commitAfter: written }), written]);
    observe?.("close", (performance.now() - from) / 1000);
  }

  /**
   * Graceful broker shutdown: stops taking appends and wakes fetches like close(), catches the checkpointer up,
   * and returns `written`, the final checkpoint's write (bounded, never rejecting). The stream is left open
   * for Storage.shutdown(), which uploads every stream's tail in one go and closes them.
   */
  async retire(): Promise<{ written: Promise<void> }> {
    if (this.#closed) return { written: Promise.resolve() };
    this.#closed = true;
    this.#notifier.wakeAll(this.key);
    return this.checkpoints.close();
  }

  /** Forgets the stream without closing it: used when fenced (another broker owns it now). */
  abandon(): void {
    this.#closed = true;
    this.checkpoints.abandon();
    this.#notifier.wakeAll(this.key);
  }
}
