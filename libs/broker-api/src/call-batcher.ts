// Calls of one broker that arrive together (a drain closes every stream of the broker at once, and its target
// opens them sixteen at a time) go to the control plane as one request and one transaction instead of one
// each: the calls that arrive while a request is in flight wait for it and leave together in the next one.
// A lone call leaves at once (after the current turn of the event loop), so it waits for nobody.

/** One call's outcome in a batch's answer. */
export type CallOutcome<R> =
  | { readonly ok: true; readonly value: R }
  | { readonly ok: false; readonly error: Error };

/**
 * Sends one batch; resolves with each call's outcome in order, or rejects when the whole request failed (every
 * call of the batch then rejects with that error). Must answer exactly one outcome per item.
 */
export type SendBatch<I, R> = (items: readonly I[]) => Promise<CallOutcome<R>[]>;

interface Waiting<I, R> {
  readonly item: I;
  resolve(value: R): void;
  reject(error: unknown): void;
}

export class CallBatcher<I, R> {
  readonly #send: SendBatch<I, R>;
  readonly #maxBatch: number;
  #waiting: Waiting<I, R>[] = [];
  #inFlight = false;
  #scheduled = false;

  constructor(send: SendBatch<I, R>, maxBatch: number) {
    this.#send = send;
    this.#maxBatch = maxBatch;
  }

  /** Resolves with this call's own result; rejects with its own error or the whole batch's. */
  call(item: I): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.#waiting.push({ item, resolve, reject });
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#inFlight || this.#scheduled || this.#waiting.length === 0) return;
    this.#scheduled = true;
    // Calls started in the same turn (Promise.all over a drain's partitions) join this batch.
    setImmediate(() => {
      this.#scheduled = false;
      void this.#flush();
    });
  }

  async #flush(): Promise<void> {
    const batch = this.#waiting.splice(0, this.#maxBatch);
    if (batch.length === 0) return;
    this.#inFlight = true;
    try {
      const outcomes = await this.#send(batch.map((w) => w.item));
      if (outcomes.length !== batch.length)
        throw new Error(`${outcomes.length} outcomes answered for ${batch.length} calls`);
      batch.forEach((waiting, i) => {
        const outcome = outcomes[i]!;
        if (outcome.ok) waiting.resolve(outcome.value);
        else waiting.reject(outcome.error);
      });
    } catch (error) {
      for (const waiting of batch) waiting.reject(error);
    } finally {
      this.#inFlight = false;
      this.#schedule();
    }
  }
}
