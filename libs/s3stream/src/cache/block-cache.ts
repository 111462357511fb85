// LRU cache of decoded object blocks, bounded in bytes, shared by all cold reads. Concurrent loads of the same
// block share one request.
import type { StreamRecord } from "../stream-types.ts";

interface CachedBlock {
  records: StreamRecord[];
  bytes: number;
}

export class BlockCache {
  readonly #maxBytes: number;
  readonly #blocks = new Map<string, CachedBlock>();
  #bytes = 0;
  hits = 0;
  misses = 0;

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  get bytes(): number {
    return this.#bytes;
  }

  static key(objectId: number, position: number): string {
    return `${objectId}@${position}`;
  }

  /** Whether the block is cached (does not count as a use). */
  has(key: string): boolean {
    return this.#blocks.has(key);
  }

  get(key: string): StreamRecord[] | undefined {
    const block = this.#blocks.get(key);
    if (!block) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    // Re-insert: Map iteration order is the LRU order.
    this.#blocks.delete(key);
    this.#blocks.set(key, block);
    return block.records;
  }

  put(key: string, records: StreamRecord[], bytes: number): void {
    const previous = this.#blocks.get(key);
    if (previous) {
      this.#bytes -= previous.bytes;
      this.#blocks.delete(key);
    }
    if (bytes > this.#maxBytes) return;
    this.#blocks.set(key, { records, bytes });
    this.#bytes += bytes;
    for (const [oldest, block] of this.#blocks) {
      if (this.#bytes <= this.#maxBytes) break;
      this.#blocks.delete(oldest);
      this.#bytes -= block.bytes;
    }
  }
}
