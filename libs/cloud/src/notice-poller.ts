import type { NoticeHub } from "./notice-hub.ts";
import type { InterruptionNotice } from "./provider.ts";

/**
 * Runs `poll` every `intervalMs` while someone is subscribed to the hub, publishing what it returns
 * (the hub drops repeats). A failed poll is kept as `lastError` and retried on the next interval: a
 * throttled or briefly unreachable API must not end the stream.
 */
export class NoticePoller {
  readonly #hub: NoticeHub;
  readonly #poll: () => Promise<InterruptionNotice[]>;
  readonly #timer: NodeJS.Timeout;
  #running = false;
  lastError: unknown;

  constructor(hub: NoticeHub, intervalMs: number, poll: () => Promise<InterruptionNotice[]>) {
    this.#hub = hub;
    this.#poll = poll;
    this.#timer = setInterval(() => void this.pollOnce(), intervalMs);
    this.#timer.unref();
  }

  async pollOnce(): Promise<void> {
    if (this.#running || this.#hub.subscriberCount === 0) return;
    this.#running = true;
    try {
      for (const notice of await this.#poll()) this.#hub.publish(notice);
      this.lastError = undefined;
    } catch (error) {
      this.lastError = error;
    } finally {
      this.#running = false;
    }
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
