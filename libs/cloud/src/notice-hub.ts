import type { InterruptionNotice, NoticeSubscription } from "./provider.ts";

const SUBSCRIBER_BUFFER = 1024;
/** How many notice ids are remembered to drop repeats from pollers. */
const SEEN_IDS = 4096;

/**
 * Fans interruption notices out to subscribers. Each subscriber has its own bounded buffer so one slow
 * reader neither blocks the others nor grows memory without bound. A notice id seen before is dropped,
 * so pollers can re-report what the cloud still shows.
 */
export class NoticeHub {
  readonly #subscribers = new Set<Subscriber>();
  readonly #seen = new Set<string>();

  publish(notice: InterruptionNotice): boolean {
    if (this.#seen.has(notice.id)) return false;
    this.#seen.add(notice.id);
    if (this.#seen.size > SEEN_IDS) {
      const oldest = this.#seen.values().next().value;
      if (oldest !== undefined) this.#seen.delete(oldest);
    }
    for (const subscriber of this.#subscribers) subscriber.push(notice);
    return true;
  }

  get subscriberCount(): number {
    return this.#subscribers.size;
  }

  subscribe(): NoticeSubscription {
    const subscriber = new Subscriber(() => this.#subscribers.delete(subscriber));
    this.#subscribers.add(subscriber);
    return subscriber;
  }

  closeAll(): void {
    for (const subscriber of [...this.#subscribers]) subscriber.close();
  }
}

class Subscriber implements NoticeSubscription {
  readonly #buffer: InterruptionNotice[] = [];
  readonly #onClose: () => void;
  #waiter: ((result: IteratorResult<InterruptionNotice>) => void) | undefined;
  #closed = false;
  #dropped = 0;

  constructor(onClose: () => void) {
    this.#onClose = onClose;
  }

  get dropped(): number {
    return this.#dropped;
  }

  push(notice: InterruptionNotice): void {
    if (this.#closed) return;
    if (this.#waiter) {
      const waiter = this.#waiter;
      this.#waiter = undefined;
      waiter({ value: notice, done: false });
      return;
    }
    this.#buffer.push(notice);
    if (this.#buffer.length > SUBSCRIBER_BUFFER) {
      this.#buffer.shift();
      this.#dropped++;
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#onClose();
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterator<InterruptionNotice> {
    return {
      next: () => {
        const next = this.#buffer.shift();
        if (next) return Promise.resolve({ value: next, done: false });
        if (this.#closed) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => {
          this.#waiter = resolve;
        });
      },
      return: () => {
        this.close();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}
