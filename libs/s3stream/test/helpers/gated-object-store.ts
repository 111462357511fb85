// Wraps a real ObjectStore so a test can hold back its puts or gets (a slow or stuck object store).
import {
  type ByteRange,
  type ObjectInfo,
  type ObjectStore,
  ObjectStoreError,
  ObjectStoreErrorCode,
  type RequestCounts,
} from "@cirrus/object-store";

export class GatedObjectStore implements ObjectStore {
  readonly inner: ObjectStore;
  #putGate: Promise<void> | undefined;
  #openPuts: (() => void) | undefined;
  #getGate: Promise<void> | undefined;
  #openGets: (() => void) | undefined;

  constructor(inner: ObjectStore) {
    this.inner = inner;
  }

  get uri(): string {
    return this.inner.uri;
  }

  holdPuts(): void {
    this.#putGate = new Promise((resolve) => (this.#openPuts = resolve));
  }

  releasePuts(): void {
    this.#openPuts?.();
    this.#putGate = undefined;
  }

  holdGets(): void {
    this.#getGate = new Promise((resolve) => (this.#openGets = resolve));
  }

  releaseGets(): void {
    this.#openGets?.();
    this.#getGate = undefined;
  }

  /** When set, every put fails as an unreachable store would. */
  failPuts = false;

  async put(key: string, body: Buffer | readonly Buffer[]): Promise<void> {
    await this.#putGate;
    if (this.failPuts)
      throw new ObjectStoreError(ObjectStoreErrorCode.UNAVAILABLE, `put ${key} failed (test)`);
    return this.inner.put(key, body);
  }

  async get(key: string, range?: ByteRange): Promise<Buffer> {
    await this.#getGate;
    return this.inner.get(key, range);
  }

  head(key: string): Promise<ObjectInfo | undefined> {
    return this.inner.head(key);
  }

  delete(keys: readonly string[]): Promise<void> {
    return this.inner.delete(keys);
  }

  list(prefix: string): Promise<ObjectInfo[]> {
    return this.inner.list(prefix);
  }

  requestCounts(): RequestCounts {
    return this.inner.requestCounts();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
