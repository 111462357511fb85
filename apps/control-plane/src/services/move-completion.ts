/**
 * Finishes moves whose sources closed their streams, one pass per cluster at a time: the closes that arrive
 * while a pass runs (a drain closes a hundred streams at once) are served by one more pass right after it,
 * not by a transaction each on the cluster lock. The stream close request does not wait for it: the close
 * is committed, and the reconcile pass of the partition-assignment controller stays the safety net.
 */
export class MoveCompletion {
  readonly #complete: (clusterId: string) => Promise<void>;
  readonly #onError: (clusterId: string, error: unknown) => void;
  readonly #running = new Map<string, Promise<void>>();
  readonly #again = new Set<string>();

  constructor(
    complete: (clusterId: string) => Promise<void>,
    onError: (clusterId: string, error: unknown) => void,
  ) {
    this.#complete = complete;
    this.#onError = onError;
  }

  /** A stream of this cluster that a move waited for was closed: a pass runs now or right after the current one. */
  request(clusterId: string): void {
    if (this.#running.has(clusterId)) {
      this.#again.add(clusterId);
      return;
    }
    const run = (async () => {
      do {
        this.#again.delete(clusterId);
        try {
          await this.#complete(clusterId);
        } catch (error) {
          this.#onError(clusterId, error);
        }
      } while (this.#again.has(clusterId));
    })().finally(() => this.#running.delete(clusterId));
    this.#running.set(clusterId, run);
  }

  /** Resolves once no pass is running or queued (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.#running.size > 0) await Promise.all(this.#running.values());
  }
}
