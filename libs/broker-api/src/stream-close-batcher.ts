// Closes of one broker's streams that arrive together (a drain closes every stream of the broker at once; a
// move's close can meet others) go to the control plane as one request and one transaction instead of one
// each: the closes that arrive while a request is in flight wait for it and leave together in the next one.
// A lone close leaves at once (after the current turn of the event loop), so it waits for nobody.
import { MAX_STREAMS_PER_CLOSE } from "./schemas/objects.ts";

export interface StreamClose {
  readonly streamId: number;
  readonly epoch: number;
}

/**
 * Sends one batch; resolves with each close's outcome in order (undefined: closed, else that close's error),
 * or rejects when the whole request failed (every close of the batch then rejects with that error).
 */
export type SendCloses = (closes: readonly StreamClose[]) => Promise<(Error | undefined)[]>;

interface Waiting extends StreamClose {
  resolve(): void;
  reject(error: unknown): void;
}

export class StreamCloseBatcher {
  readonly #send: SendCloses;
  readonly #maxBatch: number;
  #waiting: Waiting[] = [];
  #inFlight = false;
  #scheduled = false;

  constructor(send: SendCloses, maxBatch = MAX_STREAMS_PER_CLOSE) {
    this.#send = send;
    this.#maxBatch = maxBatch;
  }

  /** Resolves once this stream's close is committed; rejects with its own error or the batch's. */
  close(streamId: number, epoch: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#waiting.push({ streamId, epoch, resolve, reject });
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#inFlight || this.#scheduled || this.#waiting.length === 0) return;
    this.#scheduled = true;
    // Closes started in the same turn (Promise.all over a drain's partitions) join this batch.
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
      const outcomes = await this.#send(batch);
      batch.forEach((close, i) => {
        const error = outcomes[i];
        if (error) close.reject(error);
        else close.resolve();
      });
    } catch (error) {
      for (const close of batch) close.reject(error);
    } finally {
      this.#inFlight = false;
      this.#schedule();
    }
  }
}
