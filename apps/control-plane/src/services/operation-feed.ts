// Operation changes for live views (GET /v1/operations/events and /v1/operations/{id}/events): one reader per
// control-plane replica asks the database, while anyone listens, which operations changed since its last look,
// and hands each changed one to the listeners it concerns. Reading the database (not hooking the writers) sees
// every writer: the leader replica's controllers write operations, any replica may serve the stream, and writes
// inside transactions are seen once committed. The cost is one query per interval however many listen.
import { gte, inArray, or } from "drizzle-orm";
import type { DbOrTx } from "../db/database.ts";
import { operations } from "../db/schema.ts";
import { type Operation, OperationStatus, toOperation } from "./operations.ts";

/** What a listener gets: an operation as it is now, once per change (it may also get one it saw: merge by id). */
export type OperationListener = (operation: Operation) => void;

export interface OperationFilter {
  /** Only this cluster's operations. */
  clusterId?: string;
  /** Only this operation. */
  operationId?: string;
}

/** Rows written this long before a look are looked at again: writers' clocks (other replicas) may lag ours. */
const CLOCK_SLACK_MS = 5_000;

export class OperationFeed {
  readonly #db: DbOrTx;
  readonly #intervalMs: number;
  readonly #listeners = new Map<OperationListener, OperationFilter>();
  /** What each operation looked like at the last look (only those the last look returned). */
  #seen = new Map<string, string>();
  #since = 0;
  #timer: NodeJS.Timeout | undefined;
  #looking: Promise<void> | undefined;
  #closed = false;
  /** Called with a failed look's error; the next look retries. */
  onError: (error: unknown) => void = () => {};

  constructor(db: DbOrTx, options: { intervalMs: number }) {
    this.#db = db;
    this.#intervalMs = options.intervalMs;
  }

  /** Listeners now (the database is read only while there is one). */
  get listenerCount(): number {
    return this.#listeners.size;
  }

  /**
   * Calls `listener` with each operation matching `filter` that changes from now on (a change committed
   * after this call is always delivered; one just before it may be too). Returns the unsubscribe.
   */
  subscribe(filter: OperationFilter, listener: OperationListener): () => void {
    if (this.#closed) throw new Error("operation feed closed");
    this.#listeners.set(listener, filter);
    if (this.#timer === undefined) {
      // Changes from now on: the first look reads what changed since (and what is unfinished), not all history.
      this.#since = Date.now();
      this.#timer = setInterval(() => void this.#look(), this.#intervalMs);
    }
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0) this.#stop();
    };
  }

  /** Stops reading; later subscribes throw. Listeners are dropped (their streams are ended by their owners). */
  async close(): Promise<void> {
    this.#closed = true;
    this.#listeners.clear();
    this.#stop();
    await this.#looking;
  }

  #stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    // A later first look starts afresh: what was seen while nobody listened is unknown.
    this.#seen = new Map();
    this.#since = 0;
  }

  #look(): Promise<void> {
    // One look at a time: a slow database must not pile queries up.
    this.#looking ??= this.#readChanges()
      .catch((error: unknown) => this.onError(error))
      .finally(() => {
        this.#looking = undefined;
      });
    return this.#looking;
  }

  async #readChanges(): Promise<void> {
    const startedAt = Date.now();
    const rows = await this.#db
      .select()
      .from(operations)
      .where(
        or(
          gte(operations.updatedAt, this.#since - CLOCK_SLACK_MS),
          inArray(operations.status, [OperationStatus.PENDING, OperationStatus.RUNNING]),
        ),
      );
    if (this.#listeners.size === 0) return;
    const seen = new Map<string, string>();
    const recent = this.#since - CLOCK_SLACK_MS;
    for (const row of rows) {
      const op = toOperation(row);
      const json = JSON.stringify(op);
      seen.set(op.id, json);
      const before = this.#seen.get(op.id);
      if (before === json) continue;
      // Unseen and not written lately: an unfinished operation found by the first look, unchanged since.
      if (before === undefined && op.updatedAt < recent) continue;
      for (const [listener, filter] of this.#listeners) {
        if (filter.clusterId !== undefined && filter.clusterId !== op.clusterId) continue;
        if (filter.operationId !== undefined && filter.operationId !== op.id) continue;
        listener(op);
      }
    }
    this.#seen = seen;
    this.#since = startedAt;
  }
}
