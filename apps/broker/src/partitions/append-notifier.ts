// Wakes fetch long polls when data arrives. A fetch that found fewer than minBytes registers on the
// partitions it reads; every append to one of them reports its size, and the waiter decides whether it
// has seen enough. Waiters end exactly once: satisfied, timed out, or aborted (client gone, shutdown).

export type WaitOutcome = "satisfied" | "timeout" | "aborted";

export interface WaitOptions {
  /** Partition keys to watch (see partitionKey). */
  readonly keys: readonly string[];
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  /** Called for each append to a watched key; return true when the waiter has what it needs. */
  readonly onAppend: (key: string, bytes: number) => boolean;
}

interface Waiter {
  readonly options: WaitOptions;
  finish(outcome: WaitOutcome): void;
}

export function partitionKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

export class AppendNotifier {
  readonly #byKey = new Map<string, Set<Waiter>>();
  #count = 0;

  /** Number of waiters registered now (a gauge, and how tests see that nothing leaks). */
  get waiting(): number {
    return this.#count;
  }

  wait(options: WaitOptions): Promise<WaitOutcome> {
    if (options.signal?.aborted) return Promise.resolve("aborted");
    if (options.timeoutMs <= 0) return Promise.resolve("timeout");
    return new Promise((resolve) => {
      let done = false;
      const onAbort = () => waiter.finish("aborted");
      const timer = setTimeout(() => waiter.finish("timeout"), options.timeoutMs);
      const waiter: Waiter = {
        options,
        finish: (outcome) => {
          if (done) return;
          done = true;
          clearTimeout(timer);
          options.signal?.removeEventListener("abort", onAbort);
          for (const key of options.keys) {
            const set = this.#byKey.get(key);
            if (set?.delete(waiter) && set.size === 0) this.#byKey.delete(key);
          }
          this.#count--;
          resolve(outcome);
        },
      };
      this.#count++;
      options.signal?.addEventListener("abort", onAbort, { once: true });
      for (const key of options.keys) {
        let set = this.#byKey.get(key);
        if (!set) {
          set = new Set();
          this.#byKey.set(key, set);
        }
        set.add(waiter);
      }
    });
  }

  /** Reports `bytes` appended to `key`; satisfied waiters resolve (asynchronously, as promises do). */
  notify(key: string, bytes: number): void {
    const set = this.#byKey.get(key);
    if (!set) return;
    for (const waiter of [...set]) {
      if (waiter.options.onAppend(key, bytes)) waiter.finish("satisfied");
    }
  }

  /** Ends every waiter on `key` now (the partition closed or moved: the fetch must answer). */
  wakeAll(key?: string): void {
    const sets = key === undefined ? [...this.#byKey.values()] : [this.#byKey.get(key)];
    for (const set of sets) for (const waiter of [...(set ?? [])]) waiter.finish("aborted");
  }
}
