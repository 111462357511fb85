// One Kafka partition served by this broker: a stream in s3stream opened at the partition's leader epoch.
// Offsets are the stream's offsets; the high watermark is the stream's confirmOffset (everything durable on
// the WAL), so a fetch never sees a record that could still be lost.
import { setBaseOffset } from "@cirrus/kafka-protocol";
import { BrokerError, BrokerErrorCode } from "../errors.ts";
import type { AppendNotifier } from "./append-notifier.ts";
import { partitionKey } from "./append-notifier.ts";

/** The part of s3stream's Stream a partition uses (see libs/s3stream/src/stream-types.ts for the contract). */
export interface PartitionStream {
  readonly streamId: number;
  readonly startOffset: number;
  readonly nextOffset: number;
  readonly confirmOffset: number;
  append(request: { payload: Buffer; count: number; timestamp?: number }): Promise<{ baseOffset: number }>;
  read(
    startOffset: number,
    endOffset: number,
    maxBytes: number,
  ): Promise<{ baseOffset: number; count: number; timestamp: number; payload: Buffer }[]>;
  close(): Promise<void>;
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
  readonly #stream: PartitionStream;
  readonly #notifier: AppendNotifier;
  readonly #onAppendFailed: ((partition: Partition, error: unknown) => void) | undefined;
  #closed = false;

  /**
   * `onAppendFailed` is told when an append fails: s3stream closes a stream whose append failed (so that it
   * stays gap-free), so the owner must drop this partition and open it again.
   */
  constructor(
    identity: PartitionIdentity,
    stream: PartitionStream,
    notifier: AppendNotifier,
    onAppendFailed?: (partition: Partition, error: unknown) => void,
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
  async append(batches: readonly CheckedBatch[]): Promise<number> {
    if (this.#closed)
      throw new BrokerError(BrokerErrorCode.PARTITION_NOT_OWNED, `${this.topic}-${this.partition} closed`);
    const appends: Promise<{ baseOffset: number }>[] = [];
    let firstOffset = -1;
    let bytes = 0;
    for (const batch of batches) {
      const offset = this.#stream.nextOffset;
      if (firstOffset < 0) firstOffset = offset;
      setBaseOffset(batch.payload, BigInt(offset));
      appends.push(
        this.#stream.append({ payload: batch.payload, count: batch.count, timestamp: batch.maxTimestamp }),
      );
      bytes += batch.payload.length;
    }
    try {
      await Promise.all(appends);
    } catch (error) {
      // Refusals checked before an offset is taken (too large, invalid) leave the stream open; any other
      // failure closed it.
      const code = (error as { code?: unknown }).code;
      if (!this.#closed && code !== "RECORD_TOO_LARGE" && code !== "INVALID_ARGUMENT") {
        this.#onAppendFailed?.(this, error);
      }
      throw error;
    }
    this.#notifier.notify(this.key, bytes);
    return firstOffset;
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
   * The base offset of the first batch whose max timestamp is >= `timestamp` (Kafka's ListOffsets by time,
   * at batch granularity), or offset -1 when none is. Scans from the log start in bounded reads.
   */
  async offsetForTimestamp(timestamp: number): Promise<{ offset: number; timestamp: number }> {
    let found = { offset: -1, timestamp: -1 };
    await this.#scan((record) => {
      if (record.timestamp < timestamp) return true;
      found = { offset: Math.max(record.baseOffset, this.logStartOffset), timestamp: record.timestamp };
      return false;
    });
    return found;
  }

  /** The batch with the largest max timestamp (the first one on ties), for ListOffsets MAX_TIMESTAMP. */
  async maxTimestampOffset(): Promise<{ offset: number; timestamp: number }> {
    let found = { offset: -1, timestamp: -1 };
    await this.#scan((record) => {
      if (record.timestamp > found.timestamp) {
        found = { offset: Math.max(record.baseOffset, this.logStartOffset), timestamp: record.timestamp };
      }
      return true;
    });
    return found;
  }

  /** Visits stored batches from the log start to the high watermark while `visit` returns true. */
  async #scan(
    visit: (record: { baseOffset: number; count: number; timestamp: number }) => boolean,
  ): Promise<void> {
    let offset = this.logStartOffset;
    const end = this.highWatermark;
    while (offset < end) {
      const records = await this.#stream.read(offset, end, 1024 * 1024);
      if (records.length === 0) return;
      for (const record of records) {
        if (record.baseOffset + record.count <= offset) continue;
        if (!visit(record)) return;
      }
      const last = records[records.length - 1]!;
      offset = last.baseOffset + last.count;
    }
  }

  /** Stops taking appends, wakes fetches waiting here, then closes the stream (uploads its tail). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#notifier.wakeAll(this.key);
    await this.#stream.close();
  }

  /** Forgets the stream without closing it: used when fenced (another broker owns it now). */
  abandon(): void {
    this.#closed = true;
    this.#notifier.wakeAll(this.key);
  }
}
