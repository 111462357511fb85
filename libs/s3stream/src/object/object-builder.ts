// Builds an object (see object-format.ts) from records already in memory. Payloads are not copied: the body is a
// list of chunks (record headers and the payload Buffers themselves) handed to ObjectStore.put as is.

import { writeU64 } from "../binary.ts";
import { crc32 } from "../checksum.ts";
import type { StreamRecord } from "../stream-types.ts";
import {
  type BlockIndexEntry,
  encodeFooter,
  encodeIndex,
  OBJECT_RECORD_HEADER_SIZE,
} from "./object-format.ts";

export const DEFAULT_BLOCK_BYTES = 1024 * 1024;

/** A record to store; `payloadCrc` (crc32 of the payload) is computed here when the caller has none. */
export interface BuildRecord extends StreamRecord {
  payloadCrc?: number;
}

/** Where one stream's data landed in the object being built (offsets half-open, bytes from `position`). */
export interface BuiltRange {
  streamId: number;
  startOffset: number;
  endOffset: number;
  position: number;
  length: number;
}

export class ObjectBuilder {
  readonly #blockBytes: number;
  readonly #chunks: Buffer[] = [];
  readonly #index: BlockIndexEntry[] = [];
  #position = 0;

  constructor(blockBytes = DEFAULT_BLOCK_BYTES) {
    this.#blockBytes = blockBytes;
  }

  get size(): number {
    return this.#position;
  }

  /** Appends one stream's records (contiguous, in offset order) as one or more blocks. */
  addStream(streamId: number, records: readonly BuildRecord[]): BuiltRange {
    const position = this.#position;
    for (let from = 0; from < records.length; ) from = this.#addNextBlock(streamId, records, from);
    return this.#range(streamId, records, position);
  }

  /**
   * The same, yielding to the event loop every `yieldEveryBytes`: checksumming hundreds of MiB in one go would
   * stall appends and reads for tens of milliseconds.
   */
  async addStreamYielding(
    streamId: number,
    records: readonly BuildRecord[],
    yieldEveryBytes = 4 * 1024 * 1024,
  ): Promise<BuiltRange> {
    const position = this.#position;
    let sinceYield = this.#position;
    for (let from = 0; from < records.length; ) {
      from = this.#addNextBlock(streamId, records, from);
      if (this.#position - sinceYield >= yieldEveryBytes) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        sinceYield = this.#position;
      }
    }
    return this.#range(streamId, records, position);
  }

  /** The complete body (blocks, index, footer). The builder must not be used afterwards. */
  finish(): { chunks: Buffer[]; size: number } {
    const index = encodeIndex(this.#index);
    const footer = encodeFooter({
      indexPosition: this.#position,
      indexLength: index.length,
      indexCrc: crc32(index),
    });
    this.#chunks.push(index, footer);
    return { chunks: this.#chunks, size: this.#position + index.length + footer.length };
  }

  /** Adds the block starting at record `from`; returns the index of the first record after it. */
  #addNextBlock(streamId: number, records: readonly BuildRecord[], from: number): number {
    let to = from;
    let size = 0;
    while (to < records.length && (to === from || size < this.#blockBytes)) {
      size += OBJECT_RECORD_HEADER_SIZE + records[to]!.payload.length;
      to++;
    }
    this.#addBlock(streamId, records, from, to, size);
    return to;
  }

  #range(streamId: number, records: readonly BuildRecord[], position: number): BuiltRange {
    const last = records[records.length - 1]!;
    return {
      streamId,
      startOffset: records[0]!.baseOffset,
      endOffset: last.baseOffset + last.count,
      position,
      length: this.#position - position,
    };
  }

  #addBlock(streamId: number, records: readonly BuildRecord[], from: number, to: number, size: number): void {
    const headers = Buffer.allocUnsafe((to - from) * OBJECT_RECORD_HEADER_SIZE);
    let crc = 0;
    for (let i = from; i < to; i++) {
      const record = records[i]!;
      const at = (i - from) * OBJECT_RECORD_HEADER_SIZE;
      writeU64(headers, record.baseOffset, at);
      headers.writeUInt32BE(record.count, at + 8);
      writeU64(headers, record.timestamp, at + 12);
      headers.writeUInt32BE(record.payload.length, at + 20);
      // Reuse the checksum computed when the record entered the WAL (or was read back): one pass per byte.
      headers.writeUInt32BE(record.payloadCrc ?? crc32(record.payload), at + 24);
      const header = headers.subarray(at, at + OBJECT_RECORD_HEADER_SIZE);
      crc = crc32(header, crc);
      this.#chunks.push(header, record.payload);
    }
    const last = records[to - 1]!;
    this.#index.push({
      streamId,
      startOffset: records[from]!.baseOffset,
      endOffset: last.baseOffset + last.count,
      position: this.#position,
      size,
      recordCount: to - from,
      crc,
    });
    this.#position += size;
  }
}
