// Kafka clients match responses to requests by correlation id but many (librdkafka, kafkajs) also
// require them in request order. Handlers finish out of order (a produce waits on the WAL, a fetch
// long-polls), so each request reserves a slot on arrival and responses leave strictly in slot order.

/**
 * A complete response frame (4-byte size prefix included) as chunks written back to back, so a fetch
 * response can reference stored record bytes instead of copying them (the codec's encodeResponseChunks).
 */
export type ResponseChunks = readonly Uint8Array[];

interface Slot {
  done: boolean;
  /** null: the request has no response (produce with acks=0), the slot only keeps the order. */
  response: ResponseChunks | null;
  readonly requestBytes: number;
}

export interface ResponseSink {
  /** Called in request order for every slot whose response is ready and all earlier ones are released. */
  emit(response: ResponseChunks | null, requestBytes: number): void;
}

export class OrderedResponses {
  readonly #slots: Slot[] = [];
  #head = 0;
  readonly #sink: ResponseSink;

  constructor(sink: ResponseSink) {
    this.#sink = sink;
  }

  /** Number of requests reserved but not yet emitted. */
  get pending(): number {
    return this.#slots.length - this.#head;
  }

  /** Reserves the next position; the returned function completes it exactly once (later calls are ignored). */
  reserve(requestBytes: number): (response: ResponseChunks | null) => void {
    const slot: Slot = { done: false, response: null, requestBytes };
    this.#slots.push(slot);
    return (response) => {
      if (slot.done) return;
      slot.done = true;
      slot.response = response;
      this.#flush();
    };
  }

  #flush(): void {
    while (this.#head < this.#slots.length) {
      const slot = this.#slots[this.#head]!;
      if (!slot.done) break;
      this.#head++;
      const response = slot.response;
      slot.response = null;
      this.#sink.emit(response, slot.requestBytes);
    }
    // Compact occasionally so the array does not grow for the life of a long connection.
    if (this.#head > 1024 && this.#head * 2 > this.#slots.length) {
      this.#slots.splice(0, this.#head);
      this.#head = 0;
    }
  }
}
