// Object ids prepared ahead of time, so an upload (above all a stream close's tail upload, which a partition
// move waits for) does not spend a round trip to the metadata owner on prepareObjects before it can write.
//
// Ids are taken from reservations made earlier; a reservation is used only while at least half of its TTL is
// left, so the upload and commit that follow still finish well inside it. When the pool runs low it prepares
// the next block in the background (one at a time); when it is empty, or what it holds is too old, take()
// prepares what it needs itself, as an upload did before.
//
// Ids never used are never committed: their preparation expires and the metadata owner turns them into
// unreferenced objects, deleted like any other orphaned preparation (getUnreferencedObjects / forgetObjects).
import type { ObjectManager } from "../object-manager.ts";

export interface ObjectIdPoolOptions {
  /** TTL of each preparation (the same as an upload would ask for). */
  ttlMs: number;
  /** Ids prepared per background refill. */
  blockSize: number;
  /** A refill starts when fewer ids than this are left. */
  lowWater: number;
  now?: () => number;
  /** A background refill failed (the next take() prepares for itself). */
  onRefillError?: (error: unknown) => void;
}

interface Reservation {
  next: number;
  end: number;
  /** The preparation's deadline as this side sees it (now() when asked + ttl). */
  expiresAt: number;
}

export class ObjectIdPool {
  readonly #objectManager: ObjectManager;
  readonly #options: ObjectIdPoolOptions;
  readonly #now: () => number;
  #reservations: Reservation[] = [];
  #refill: Promise<void> | undefined;
  #stopped = false;
  /** Ids taken from the pool / prepared on the spot by take() (the pool was empty or stale). */
  takenFromPool = 0;
  preparedOnDemand = 0;

  constructor(objectManager: ObjectManager, options: ObjectIdPoolOptions) {
    if (options.lowWater < 1 || options.lowWater > options.blockSize)
      throw new RangeError("ObjectIdPool: need 1 <= lowWater <= blockSize");
    this.#objectManager = objectManager;
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /** Ids still usable (at least half their TTL left). */
  get available(): number {
    this.#dropStale();
    let n = 0;
    for (const r of this.#reservations) n += r.end - r.next;
    return n;
  }

  /**
   * `count` object ids, each prepared and with at least half its TTL left. From the pool when it holds enough,
   * else prepared now (one round trip). Either way a background refill follows once the pool runs low.
   */
  async take(count: number): Promise<number[]> {
    if (!Number.isSafeInteger(count) || count < 1) throw new RangeError(`take(${count}): count must be >= 1`);
    let ids: number[];
    if (this.available >= count) {
      ids = [];
      while (ids.length < count) {
        const r = this.#reservations[0]!;
        while (r.next < r.end && ids.length < count) ids.push(r.next++);
        if (r.next === r.end) this.#reservations.shift();
      }
      this.takenFromPool += count;
    } else {
      const first = await this.#objectManager.prepareObjects(count, this.#options.ttlMs);
      ids = Array.from({ length: count }, (_, i) => first + i);
      this.preparedOnDemand += count;
    }
    this.#maybeRefill();
    return ids;
  }

  /** Prepares a block now if the pool is low (e.g. when streams start being written). Errors: onRefillError. */
  warm(): void {
    this.#maybeRefill();
  }

  /** Waits for a refill in flight (tests, shutdown). */
  async idle(): Promise<void> {
    await this.#refill;
  }

  /** No more refills. Ids still held are left to expire (their preparations become unreferenced objects). */
  stop(): void {
    this.#stopped = true;
  }

  #dropStale(): void {
    const minLeft = this.#options.ttlMs / 2;
    const now = this.#now();
    this.#reservations = this.#reservations.filter((r) => r.next < r.end && r.expiresAt - now >= minLeft);
  }

  #maybeRefill(): void {
    if (this.#stopped || this.#refill || this.available >= this.#options.lowWater) return;
    const { blockSize, ttlMs } = this.#options;
    const askedAt = this.#now();
    this.#refill = this.#objectManager
      .prepareObjects(blockSize, ttlMs)
      .then((first) => {
        this.#reservations.push({ next: first, end: first + blockSize, expiresAt: askedAt + ttlMs });
      })
      .catch((error: unknown) => this.#options.onRefillError?.(error))
      .finally(() => {
        this.#refill = undefined;
      });
  }
}
