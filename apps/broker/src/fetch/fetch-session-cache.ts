// The broker's fetch sessions, keyed by id (not by connection: a client may fetch over any connection),
// bounded like Kafka's (max.incremental.fetch.session.cache.slots = 1000,
// min.incremental.fetch.session.eviction.ms = 120000). When the cache is full a new session may take
// the slot of a stale one (unused for evictionMs, least recently used first) or else of the smallest
// session older than evictionMs, if the new one has more partitions; otherwise it is not created and the
// client keeps sending full fetches (sessionId 0 in the answer). Sessions idle for idleExpiryMs are
// dropped even when there is room, so a departed client's partitions do not stay in memory.
// maxCachedPartitions bounds the partitions of all sessions together (see its doc).
import { randomInt } from "node:crypto";
import { FetchSession } from "./fetch-session.ts";

export interface FetchSessionCacheOptions {
  /** How many sessions the broker keeps (Kafka's max.incremental.fetch.session.cache.slots). */
  readonly maxSessions: number;
  /** A session younger than this cannot be evicted for a bigger one; unused this long it is stale. */
  readonly evictionMs: number;
  /** A session unused this long is dropped even when there is room. */
  readonly idleExpiryMs: number;
  /**
   * Partitions cached over all sessions. Not a Kafka setting: it bounds memory against clients that open
   * sessions of many (possibly unknown) partitions or keep adding some. Past it a session is not created,
   * or is closed (the client falls back to full fetches).
   */
  readonly maxCachedPartitions: number;
  /** Milliseconds, monotonic (tests inject a clock). */
  readonly now?: () => number;
  /** A new random session id in [1, 2^31-1) (tests inject one to force collisions). */
  readonly randomId?: () => number;
}

export const defaultFetchSessionCacheOptions: FetchSessionCacheOptions = Object.freeze({
  maxSessions: 1000,
  evictionMs: 120_000,
  idleExpiryMs: 300_000,
  maxCachedPartitions: 1_000_000,
});

export interface FetchSessionCacheStats {
  readonly sessions: number;
  /** Partitions cached over all sessions. */
  readonly partitions: number;
  readonly created: number;
  /** Sessions not created: the cache was full of younger or bigger ones, or of partitions. */
  readonly refused: number;
  readonly evicted: number;
  readonly expired: number;
  readonly incrementalFetches: number;
}

export class FetchSessionCache {
  readonly #options: FetchSessionCacheOptions;
  readonly #now: () => number;
  readonly #randomId: () => number;
  /** Least recently used first: touch() moves a session to the end. */
  readonly #sessions = new Map<number, FetchSession>();
  #created = 0;
  #refused = 0;
  #evicted = 0;
  #expired = 0;
  #incrementalFetches = 0;
  #cachedPartitions = 0;

  constructor(options: Partial<FetchSessionCacheOptions> = {}) {
    this.#options = { ...defaultFetchSessionCacheOptions, ...options };
    if (!(this.#options.maxSessions >= 0)) throw new RangeError("maxSessions must be >= 0");
    this.#now = options.now ?? (() => performance.now());
    this.#randomId = options.randomId ?? (() => randomInt(1, 0x7fffffff));
  }

  get size(): number {
    return this.#sessions.size;
  }

  now(): number {
    return this.#now();
  }

  /** The session with this id, or undefined (unknown, evicted or expired). */
  get(id: number): FetchSession | undefined {
    this.#expireIdle();
    return this.#sessions.get(id);
  }

  /**
   * Creates a session whose partitions `fill` adds, if there is a slot (evicting as described above);
   * returns it, or undefined when the cache keeps its current sessions. `size` is the number of
   * partitions the session will hold (what eviction compares).
   */
  create(
    usesTopicIds: boolean,
    size: number,
    fill: (session: FetchSession) => void,
  ): FetchSession | undefined {
    const now = this.#now();
    this.#expireIdle();
    const tooMany = this.#cachedPartitions + size > this.#options.maxCachedPartitions;
    if (tooMany || (this.#sessions.size >= this.#options.maxSessions && !this.#evictFor(size, now))) {
      this.#refused++;
      return undefined;
    }
    const session = new FetchSession(this.#newId(), usesTopicIds, now);
    fill(session);
    this.#sessions.set(session.id, session);
    this.#cachedPartitions += session.size;
    this.#created++;
    return session;
  }

  /**
   * Applies an incremental request to a session (FetchSession.update) and keeps the partition count.
   * Returns false when the session is left empty or would push the cache past maxCachedPartitions: then
   * it has been removed and the request is to be answered without a session.
   */
  update(
    session: FetchSession,
    changed: Parameters<FetchSession["update"]>[0],
    forgotten: Parameters<FetchSession["update"]>[1],
  ): boolean {
    const before = session.size;
    session.update(changed, forgotten);
    this.#cachedPartitions += session.size - before;
    if (session.size > 0 && this.#cachedPartitions <= this.#options.maxCachedPartitions) return true;
    this.remove(session.id);
    return false;
  }

  /** Marks a session used now (it becomes the most recently used) and counts an incremental fetch. */
  touch(session: FetchSession): void {
    session.lastUsedMs = this.#now();
    if (this.#sessions.delete(session.id)) this.#sessions.set(session.id, session);
    this.#incrementalFetches++;
  }

  /** Removes a session (a full fetch naming it, or an incremental fetch that emptied it). */
  remove(id: number): boolean {
    const session = this.#sessions.get(id);
    if (session === undefined) return false;
    this.#drop(session);
    return true;
  }

  /** Counts so far; sessions idle past idleExpiryMs are expired first, so the gauges never show them. */
  stats(): FetchSessionCacheStats {
    this.#expireIdle();
    return {
      sessions: this.#sessions.size,
      partitions: this.#cachedPartitions,
      created: this.#created,
      refused: this.#refused,
      evicted: this.#evicted,
      expired: this.#expired,
      incrementalFetches: this.#incrementalFetches,
    };
  }

  /** Kafka's FetchSessionCache.tryEvict for an unprivileged session (a broker has no followers). */
  #evictFor(size: number, now: number): boolean {
    const oldest = this.#sessions.values().next();
    if (oldest.done) return false;
    if (now - oldest.value.lastUsedMs > this.#options.evictionMs) {
      this.#drop(oldest.value);
      this.#evicted++;
      return true;
    }
    let smallest: FetchSession | undefined;
    for (const s of this.#sessions.values()) {
      if (now - s.creationMs <= this.#options.evictionMs) continue;
      if (
        smallest === undefined ||
        s.size < smallest.size ||
        (s.size === smallest.size && s.id < smallest.id)
      ) {
        smallest = s;
      }
    }
    // Kafka compares (size, id) with the new session's id taken as 0: equal sizes do not evict.
    if (smallest === undefined || size <= smallest.size) return false;
    this.#drop(smallest);
    this.#evicted++;
    return true;
  }

  #expireIdle(): void {
    const now = this.#now();
    for (const session of this.#sessions.values()) {
      if (now - session.lastUsedMs <= this.#options.idleExpiryMs) break; // the rest were used later
      this.#drop(session);
      this.#expired++;
    }
  }

  #drop(session: FetchSession): void {
    if (this.#sessions.delete(session.id)) this.#cachedPartitions -= session.size;
  }

  #newId(): number {
    for (;;) {
      const id = this.#randomId();
      if (id > 0 && !this.#sessions.has(id)) return id;
    }
  }
}
