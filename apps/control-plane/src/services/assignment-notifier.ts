import { EventEmitter } from "node:events";
import type pg from "pg";

const CHANNEL = "cirrus_assignments";

function key(clusterId: string, brokerId: number): string {
  return `${clusterId}/${brokerId}`;
}

/**
 * Wakes long-polling assignment watches when a broker's assignments change. In-process events, plus
 * PostgreSQL LISTEN/NOTIFY so that a change made by one replica wakes watches held by another.
 */
export class AssignmentNotifier {
  readonly #events = new EventEmitter();
  #pool: pg.Pool | undefined;
  #listener: pg.PoolClient | undefined;

  constructor() {
    this.#events.setMaxListeners(0);
  }

  /** Listens to the other replicas' changes (PostgreSQL only). */
  async listen(pool: pg.Pool): Promise<void> {
    this.#pool = pool;
    const client = await pool.connect();
    client.on("notification", (message) => {
      if (message.channel === CHANNEL && message.payload) this.#events.emit(message.payload);
    });
    client.on("error", () => {});
    await client.query(`listen ${CHANNEL}`);
    this.#listener = client;
  }

  async close(): Promise<void> {
    const client = this.#listener;
    this.#listener = undefined;
    if (client) {
      await client.query(`unlisten ${CHANNEL}`).catch(() => {});
      client.release(true);
    }
  }

  /** Call after the transaction that changed these brokers' assignments committed. */
  async changed(clusterId: string, brokerIds: Iterable<number>): Promise<void> {
    for (const brokerId of new Set(brokerIds)) {
      const payload = key(clusterId, brokerId);
      this.#events.emit(payload);
      if (this.#pool) await this.#pool.query("select pg_notify($1, $2)", [CHANNEL, payload]).catch(() => {});
    }
  }

  /**
   * A waiter registered now, so that a change between now and `wait()` is not missed: register,
   * read the version, then wait only if nothing changed. Always `dispose()` it.
   */
  waiter(
    clusterId: string,
    brokerId: number,
  ): { wait(ms: number, signal?: AbortSignal): Promise<void>; dispose(): void } {
    const event = key(clusterId, brokerId);
    let fired = false;
    let wake: () => void = () => {};
    const listener = () => {
      fired = true;
      wake();
    };
    this.#events.on(event, listener);
    return {
      wait: (ms, signal) =>
        new Promise<void>((resolve) => {
          if (fired || signal?.aborted) return resolve();
          const timer = setTimeout(resolve, ms);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
          signal?.addEventListener("abort", wake, { once: true });
        }),
      dispose: () => {
        this.#events.off(event, listener);
      },
    };
  }
}
