// Reads one stream's records out of committed objects: fetches an object's footer and index once (cached), then
// only the blocks needed, contiguous blocks in one ranged GET, through the block cache. Read-ahead blocks are
// fetched in the same request. Corrupt bytes raise CORRUPT_DATA and are never returned.
import type { ObjectStore } from "@cirrus/object-store";
import { BlockCache } from "../cache/block-cache.ts";
import { RateLimiter } from "../compaction/rate-limiter.ts";
import type { BlockVerifier } from "../read/block-verifier.ts";
import type { StreamRecord } from "../stream-types.ts";
import {
  type BlockIndexEntry,
  decodeBlock,
  decodeFooter,
  decodeIndex,
  FOOTER_SIZE,
} from "./object-format.ts";
import { objectKey } from "./object-keys.ts";

const TAIL_GUESS = 64 * 1024;
const INDEX_CACHE_ENTRIES = 4096;
const DECODE_YIELD_BYTES = 2 * 1024 * 1024;

export class ObjectReader {
  readonly #store: ObjectStore;
  readonly #blocks: BlockCache;
  readonly #indexes = new Map<number, Promise<BlockIndexEntry[]>>();
  readonly #loading = new Map<string, Promise<StreamRecord[]>>();

  #limiter: RateLimiter | undefined;

  readonly #verifier: BlockVerifier | undefined;

  /**
   * `bytesPerSecond` (0 = unlimited) paces block fetches, so catch-up readers leave CPU to appends;
   * `verifier` checks fetched blocks off the main thread (in place when omitted).
   */
  constructor(store: ObjectStore, blockCacheBytes: number, bytesPerSecond = 0, verifier?: BlockVerifier) {
    this.#store = store;
    this.#verifier = verifier;
    this.#blocks = new BlockCache(blockCacheBytes);
    this.#limiter = bytesPerSecond > 0 ? new RateLimiter(bytesPerSecond) : undefined;
  }

  /** Changes the cold read bandwidth (0 = unlimited). */
  setBandwidth(bytesPerSecond: number): void {
    this.#limiter = bytesPerSecond > 0 ? new RateLimiter(bytesPerSecond) : undefined;
  }

  get blockCache(): BlockCache {
    return this.#blocks;
  }

  /**
   * Records of `streamId` in the object from the block containing `startOffset`, stopping once `wantBytes` of
   * payload are gathered or `endOffset` is reached. Blocks up to `readAheadBytes` further are loaded into the
   * cache in the same request.
   */
  async read(
    objectId: number,
    objectSize: number,
    streamId: number,
    startOffset: number,
    endOffset: number,
    wantBytes: number,
    readAheadBytes: number,
  ): Promise<StreamRecord[]> {
    const index = await this.index(objectId, objectSize);
    const blocks = index.filter(
      (b) => b.streamId === streamId && b.endOffset > startOffset && b.startOffset < endOffset,
    );
    const needed: BlockIndexEntry[] = [];
    let bytes = 0;
    let i = 0;
    for (; i < blocks.length && bytes < wantBytes; i++) {
      needed.push(blocks[i]!);
      bytes += blocks[i]!.size;
    }
    // Read-ahead in whole windows: only once less than half a window is already cached (or loading) ahead of
    // the reader, fetch the next window of blocks, in the same request as the needed blocks when possible.
    let cachedAhead = 0;
    for (; i < blocks.length && this.#cachedOrLoading(objectId, blocks[i]!); i++)
      cachedAhead += blocks[i]!.size;
    const prefetch: BlockIndexEntry[] = [];
    if (readAheadBytes > 0 && cachedAhead < readAheadBytes / 2) {
      for (let ahead = 0; i < blocks.length && ahead < readAheadBytes; i++) {
        prefetch.push(blocks[i]!);
        ahead += blocks[i]!.size;
      }
    }
    const loads = this.#loadBlocks(objectId, [...needed, ...prefetch]);
    for (const load of loads.slice(needed.length)) load.catch(() => {}); // a failed prefetch is retried on demand
    return (await Promise.all(loads.slice(0, needed.length))).flat();
  }

  #cachedOrLoading(objectId: number, entry: BlockIndexEntry): boolean {
    const key = BlockCache.key(objectId, entry.position);
    return this.#blocks.has(key) || this.#loading.has(key);
  }

  /** The object's block index (fetched once, then cached). */
  index(objectId: number, objectSize: number): Promise<BlockIndexEntry[]> {
    let index = this.#indexes.get(objectId);
    if (!index) {
      index = this.#fetchIndex(objectId, objectSize);
      index.catch(() => this.#indexes.delete(objectId));
      this.#indexes.set(objectId, index);
      if (this.#indexes.size > INDEX_CACHE_ENTRIES) this.#indexes.delete(this.#indexes.keys().next().value!);
    }
    return index;
  }

  /** Loads the given blocks of an object: from the cache, from a load in flight, or in contiguous runs. */
  #loadBlocks(objectId: number, entries: BlockIndexEntry[]): Promise<StreamRecord[]>[] {
    const results: Promise<StreamRecord[]>[] = new Array(entries.length);
    let run: { index: number; entry: BlockIndexEntry }[] = [];
    const flushRun = (): void => {
      if (run.length === 0) return;
      const fetched = this.#fetchRun(
        objectId,
        run.map((r) => r.entry),
      );
      run.forEach((r, k) => {
        results[r.index] = fetched.then((blocks) => blocks[k]!);
      });
      run = [];
    };
    entries.forEach((entry, index) => {
      const key = BlockCache.key(objectId, entry.position);
      const cached = this.#blocks.get(key);
      if (cached) {
        flushRun();
        results[index] = Promise.resolve(cached);
        return;
      }
      const loading = this.#loading.get(key);
      if (loading) {
        flushRun();
        results[index] = loading;
        return;
      }
      const previous = run[run.length - 1]?.entry;
      if (previous && previous.position + previous.size !== entry.position) flushRun();
      run.push({ index, entry });
    });
    flushRun();
    return results;
  }

  #fetchRun(objectId: number, entries: BlockIndexEntry[]): Promise<StreamRecord[][]> {
    const start = entries[0]!.position;
    const last = entries[entries.length - 1]!;
    const end = last.position + last.size;
    const fetched = (this.#limiter?.consume(end - start) ?? Promise.resolve())
      .then(() => this.#store.get(objectKey(objectId), { start, end }))
      .then((bytes) => (this.#verifier ? this.#verifier.verify(objectId, bytes, start, entries) : bytes))
      .then((bytes) => this.#decodeRun(objectId, entries, bytes, start, this.#verifier !== undefined));
    entries.forEach((entry, k) => {
      const key = BlockCache.key(objectId, entry.position);
      const one = fetched.then((blocks) => blocks[k]!);
      one.catch(() => {}).finally(() => this.#loading.delete(key));
      this.#loading.set(key, one);
    });
    return fetched;
  }

  /** Verifies and decodes fetched blocks, giving the event loop a turn every few MiB of checksumming. */
  async #decodeRun(
    objectId: number,
    entries: BlockIndexEntry[],
    bytes: Buffer,
    start: number,
    verified: boolean,
  ): Promise<StreamRecord[][]> {
    const blocks: StreamRecord[][] = [];
    let sinceYield = 0;
    for (const entry of entries) {
      const at = entry.position - start;
      const records = decodeBlock(objectId, bytes.subarray(at, at + entry.size), entry, verified);
      this.#blocks.put(BlockCache.key(objectId, entry.position), records, entry.size);
      blocks.push(records);
      sinceYield += entry.size;
      if (sinceYield >= DECODE_YIELD_BYTES) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        sinceYield = 0;
      }
    }
    return blocks;
  }

  async #fetchIndex(objectId: number, objectSize: number): Promise<BlockIndexEntry[]> {
    const key = objectKey(objectId);
    const tailStart = Math.max(0, objectSize - TAIL_GUESS);
    const tail = await this.#store.get(key, { start: tailStart, end: objectSize });
    const footer = decodeFooter(objectId, tail, objectSize);
    const index =
      footer.indexPosition >= tailStart
        ? tail.subarray(footer.indexPosition - tailStart, tail.length - FOOTER_SIZE)
        : await this.#store.get(key, {
            start: footer.indexPosition,
            end: footer.indexPosition + footer.indexLength,
          });
    return decodeIndex(objectId, index, footer);
  }
}
