// mem://: objects in a Map. For unit tests and single-process experiments; counts requests like the others.
import { ObjectStoreError, ObjectStoreErrorCode } from "./errors.ts";
import {
  type ByteRange,
  emptyRequestCounts,
  type ObjectInfo,
  type ObjectStore,
  type RequestCounts,
} from "./object-store.ts";
import { assertValidKey, assertValidPrefix, bodyChunks, resolveRange } from "./validation.ts";

export class MemObjectStore implements ObjectStore {
  readonly uri: string;
  readonly #objects = new Map<string, Buffer>();
  readonly #counts = emptyRequestCounts();
  #closed = false;

  constructor(uri = "mem://") {
    this.uri = uri;
  }

  async put(key: string, body: Buffer | readonly Buffer[]): Promise<void> {
    this.#check();
    assertValidKey(key);
    this.#counts.PUT++;
    // A copy: the contract lets callers reuse their buffers once put settles.
    this.#objects.set(key, Buffer.concat(bodyChunks(body)));
  }

  async get(key: string, range?: ByteRange): Promise<Buffer> {
    this.#check();
    assertValidKey(key);
    this.#counts.GET++;
    const data = this.#objects.get(key);
    if (!data) throw new ObjectStoreError(ObjectStoreErrorCode.OBJECT_NOT_FOUND, `${key} not found`);
    if (range === undefined) return Buffer.from(data);
    const { start, end } = resolveRange(key, range, data.length);
    return Buffer.from(data.subarray(start, end));
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    this.#check();
    assertValidKey(key);
    this.#counts.HEAD++;
    const data = this.#objects.get(key);
    return data ? { key, size: data.length } : undefined;
  }

  async delete(keys: readonly string[]): Promise<void> {
    this.#check();
    for (const key of keys) assertValidKey(key);
    if (keys.length === 0) return;
    this.#counts.DELETE++;
    for (const key of keys) this.#objects.delete(key);
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    this.#check();
    assertValidPrefix(prefix);
    this.#counts.LIST++;
    return [...this.#objects]
      .filter(([key]) => key.startsWith(prefix))
      .map(([key, data]) => ({ key, size: data.length }))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  requestCounts(): RequestCounts {
    return { ...this.#counts };
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  #check(): void {
    if (this.#closed) throw new ObjectStoreError(ObjectStoreErrorCode.CLOSED, `${this.uri} is closed`);
  }
}
