import type pg from "pg";

/**
 * Elects the one replica that runs the controllers. `onChange(true)` when this replica becomes
 * leader, `onChange(false)` when it loses leadership (it must stop acting at once).
 */
export interface LeaderElection {
  readonly isLeader: boolean;
  start(onChange: (leader: boolean) => void): void;
  stop(): Promise<void>;
}

/** PGlite is one process's private database: that process leads. */
export class SingleProcessLeader implements LeaderElection {
  #leader = false;
  get isLeader(): boolean {
    return this.#leader;
  }
  start(onChange: (leader: boolean) => void): void {
    this.#leader = true;
    onChange(true);
  }
  async stop(): Promise<void> {
    this.#leader = false;
  }
}

/** The advisory lock every control-plane replica competes for. */
export const LEADER_LOCK_KEY = 0x63706c64; // "cpld"

/**
 * PostgreSQL session advisory lock: the replica whose session holds it leads; PostgreSQL releases it
 * when that session ends (crash, network loss), and another replica's next try takes it. The holder
 * checks its session every `checkMs`; if the check fails it steps down before anyone else can lead
 * for long (a new leader needs the old session to be gone).
 */
export class AdvisoryLockLeader implements LeaderElection {
  readonly #pool: pg.Pool;
  readonly #checkMs: number;
  #client: pg.PoolClient | undefined;
  #timer: NodeJS.Timeout | undefined;
  #onChange: (leader: boolean) => void = () => {};
  #stopped = false;

  constructor(pool: pg.Pool, options: { checkMs?: number } = {}) {
    this.#pool = pool;
    this.#checkMs = options.checkMs ?? 1_000;
  }

  get isLeader(): boolean {
    return this.#client !== undefined;
  }

  start(onChange: (leader: boolean) => void): void {
    this.#onChange = onChange;
    this.#stopped = false;
    void this.#tick();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    const client = this.#client;
    if (client) {
      this.#client = undefined;
      await client.query("select pg_advisory_unlock($1)", [LEADER_LOCK_KEY]).catch(() => {});
      client.release();
      this.#onChange(false);
    }
  }

  async #tick(): Promise<void> {
    if (this.#stopped) return;
    try {
      if (this.#client) {
        await this.#client.query("select 1");
      } else {
        const client = await this.#pool.connect();
        const result = await client.query<{ locked: boolean }>("select pg_try_advisory_lock($1) as locked", [
          LEADER_LOCK_KEY,
        ]);
        if (result.rows[0]?.locked && !this.#stopped) {
          client.on("error", () => this.#lose(client));
          this.#client = client;
          this.#onChange(true);
        } else {
          client.release();
        }
      }
    } catch {
      if (this.#client) this.#lose(this.#client);
    }
    if (!this.#stopped) this.#timer = setTimeout(() => void this.#tick(), this.#checkMs);
  }

  #lose(client: pg.PoolClient): void {
    if (this.#client !== client) return;
    this.#client = undefined;
    client.release(true); // destroy: the session (and its lock) must not be reused
    this.#onChange(false);
  }
}
