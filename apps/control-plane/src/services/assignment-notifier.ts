import { EventEmitter } from "node:events";
import type pg from "pg";

const CHANNEL = "cirrus_assignments";

function key(clusterId: string, brokerId: number): string {
  return `${clusterId}/${brokerId}`;
}

function leadersKey(clusterId: string): string {
  return `${clusterId}/leaders`;
}

/** A registered wake-up: wait() resolves on the event (or at once if it fired since), the timeout or the signal. */
export interface Waiter {
  /** Whether the event fired since the waiter was registered. */
  readonly fired: boolean;
  wait(ms: number, signal?: AbortSignal): Promise<void>;
  dispose(): void;
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
    for (const brokerId of new Set(brokerIds)) await this.#emit(key(clusterId, brokerId));
  }

  /**
   * Call after a transaction that may have changed which broker the cluster announces as a partition's leader
   * (a stream opened by a move's target) committed: wakes the sources waiting for their successors.
   */
  async leadersChanged(clusterId: string): Promise<void> {
    await this.#emit(leadersKey(clusterId));
  }

  async #emit(payload: string): Promise<void> {
    this.#events.emit(payload);
    if (this.#pool) await this.#pool.query("select pg_notify($1, $2)", [CHANNEL, payload]).catch(() => {});
  }

  /** waiter() for leadersChanged() of this cluster. */
  leadersWaiter(clusterId: string): Waiter {
    return this.#waiter(leadersKey(clusterId));
  }

  /**
   * A waiter registered now, so that a change between now and `wait()` is not missed: register,
   * read the version, then wait only if nothing changed. Always `dispose()` it.
   */
  waiter(clusterId: string, brokerId: number): Waiter {
    return this.#waiter(key(clusterId, brokerId));
  }

  #waiter(event: string): Waiter {
    let fired = false;
    let wake: () => void = () => {};
    const listener = () => {
      fired = true;
      wake();
    };
    this.#events.on(event, listener);
    return {
      get fired() {
        return fired;
      },
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
