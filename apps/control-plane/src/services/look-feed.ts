// Live views read from the database rather than hooked into the writers: while anyone listens to a key, one
// reader per control-plane replica looks at it every interval and tells each listener what it saw. Reading the
// database sees every writer (brokers' heartbeats reach any replica, the leader's controllers change states); the
// cost is one read per interval per watched key, however many listen. The cluster stream (one key per cluster)
// and the cluster-list stream (one key for all) share it.

export interface LookListener<T> {
  onLook(look: T): void;
  /** What the key names no longer exists (a deleted cluster): no more looks come. */
  onGone(): void;
}

/** Reads what `key` names now; undefined: it is gone. */
export type LookReader<T> = (key: string) => Promise<T | undefined>;

interface Watched<T> {
  listeners: Set<LookListener<T>>;
  timer: NodeJS.Timeout;
  looking: Promise<void> | undefined;
}

export class LookFeed<T> {
  readonly #read: LookReader<T>;
  readonly #intervalMs: number;
  readonly #watched = new Map<string, Watched<T>>();
  #closed = false;
  /** Called with a failed look's error; the next look retries. */
  onError: (error: unknown) => void = () => {};

  constructor(read: LookReader<T>, options: { intervalMs: number }) {
    this.#read = read;
    this.#intervalMs = options.intervalMs;
  }

  /** Keys read now (one reader each, only while someone listens). */
  get watchedCount(): number {
    return this.#watched.size;
  }

  /**
   * Calls `listener` after each look at `key` whose read begins after this call (so a change committed after
   * it is always seen by a later look, and no look read before it arrives after the caller's own snapshot).
   * Returns the unsubscribe.
   */
  subscribe(key: string, listener: LookListener<T>): () => void {
    if (this.#closed) throw new Error("feed closed");
    let watched = this.#watched.get(key);
    if (!watched) {
      const entry: Watched<T> = {
        listeners: new Set(),
        timer: setInterval(() => void this.#look(key, entry), this.#intervalMs),
        looking: undefined,
      };
      watched = entry;
      this.#watched.set(key, watched);
    }
    const mine = watched;
    mine.listeners.add(listener);
    return () => {
      mine.listeners.delete(listener);
      if (mine.listeners.size === 0) this.#unwatch(key, mine);
    };
  }

  /** Stops reading; later subscribes throw. Listeners are dropped (their streams are ended by their owners). */
  async close(): Promise<void> {
    this.#closed = true;
    const all = [...this.#watched.entries()];
    for (const [key, watched] of all) this.#unwatch(key, watched);
    await Promise.all(all.map(([, watched]) => watched.looking));
  }

  #unwatch(key: string, watched: Watched<T>): void {
    clearInterval(watched.timer);
    watched.listeners.clear();
    if (this.#watched.get(key) === watched) this.#watched.delete(key);
  }

  #look(key: string, watched: Watched<T>): Promise<void> {
    // One look at a time per key: a slow database must not pile queries up.
    watched.looking ??= this.#deliver(key, watched)
      .catch((error: unknown) => this.onError(error))
      .finally(() => {
        watched.looking = undefined;
      });
    return watched.looking;
  }

  async #deliver(key: string, watched: Watched<T>): Promise<void> {
    // A look goes only to the listeners there when its read began: one that subscribed during the read reads
    // its own snapshot after subscribing, and this look may be older than that snapshot (it would step back).
    const before = [...watched.listeners];
    const look = await this.#read(key);
    if (look === undefined) {
      // Gone stays gone (ids are not reused): everyone listening now is told, or a late one would wait for ever.
      const listeners = [...watched.listeners];
      this.#unwatch(key, watched);
      for (const listener of listeners) listener.onGone();
      return;
    }
    for (const listener of before) if (watched.listeners.has(listener)) listener.onLook(look);
  }
}
