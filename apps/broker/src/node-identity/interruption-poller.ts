// Polls the node's interruption notices (every 5 s by default, as the clouds recommend: AWS gives a spot
// instance 2 minutes, Alibaba about 5) and hands each new one to `onNotice` once. A notice is "new" by
// (kind, at): the same notice read again is not repeated; a notice that goes away and comes back with
// another time is. A failing read is logged and retried at the next tick; it never stops the poller.
import type { InterruptionNotice, NodeIdentitySource } from "./node-identity.ts";

export interface InterruptionPollerOptions {
  readonly source: NodeIdentitySource;
  readonly everyMs: number;
  readonly onNotice: (notice: InterruptionNotice) => void;
  readonly log: (message: string, error?: unknown) => void;
}

export class InterruptionPoller {
  readonly #options: InterruptionPollerOptions;
  readonly #seen = new Set<string>();
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;

  constructor(options: InterruptionPollerOptions) {
    this.#options = options;
  }

  /** Polls now, then every `everyMs`. */
  start(): void {
    this.#stopped = false;
    this.#tick();
  }

  /** Stops polling; resolves once a read in flight has settled. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
  }

  /** One read: delivers the notices not delivered yet. Exposed for tests and for a read on demand. */
  async pollOnce(): Promise<InterruptionNotice[]> {
    const fresh: InterruptionNotice[] = [];
    for (const notice of await this.#options.source.notices()) {
      const key = `${notice.kind}@${notice.at}`;
      if (this.#seen.has(key)) continue;
      this.#seen.add(key);
      fresh.push(notice);
      this.#options.onNotice(notice);
    }
    return fresh;
  }

  #tick(): void {
    if (this.#stopped) return;
    this.#running = this.pollOnce()
      .then(
        () => undefined,
        (error: unknown) => this.#options.log("interruption notices: read failed", error),
      )
      .finally(() => {
        if (this.#stopped) return;
        this.#timer = setTimeout(() => this.#tick(), this.#options.everyMs);
        this.#timer.unref();
      });
  }
}
