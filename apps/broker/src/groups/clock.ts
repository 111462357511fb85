// Time for the group coordinator, injectable so that session and rebalance timeouts are tested
// deterministically (ManualClock) instead of by sleeping.

/** Cancels a scheduled callback; calling it after the callback ran, or twice, does nothing. */
export type Cancel = () => void;

export interface Clock {
  /** Milliseconds since the epoch. Never goes backwards within one Clock. */
  now(): number;
  /** Runs `fn` once, no earlier than `delayMs` from now. */
  schedule(delayMs: number, fn: () => void): Cancel;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  schedule(delayMs, fn) {
    const timer = setTimeout(fn, Math.max(0, delayMs));
    // Timers of groups must never keep a stopping broker alive.
    timer.unref();
    return () => clearTimeout(timer);
  },
};

interface ScheduledTask {
  readonly dueAt: number;
  readonly seq: number;
  readonly fn: () => void;
  cancelled: boolean;
}

/** A clock that only moves when told to; due callbacks run in due-time order, ties in scheduling order. */
export class ManualClock implements Clock {
  #now: number;
  #seq = 0;
  #tasks: ScheduledTask[] = [];

  constructor(startMs = 1_700_000_000_000) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  schedule(delayMs: number, fn: () => void): Cancel {
    const task: ScheduledTask = {
      dueAt: this.#now + Math.max(0, delayMs),
      seq: this.#seq++,
      fn,
      cancelled: false,
    };
    this.#tasks.push(task);
    return () => {
      task.cancelled = true;
    };
  }

  /** Moves time forward by `ms`, running every callback that falls due (including ones they schedule). */
  advance(ms: number): void {
    const target = this.#now + ms;
    for (;;) {
      const next = this.#nextDue(target);
      if (next === undefined) break;
      this.#tasks.splice(this.#tasks.indexOf(next), 1);
      this.#now = next.dueAt;
      next.fn();
    }
    this.#now = target;
  }

  /** Callbacks scheduled and neither run nor cancelled. */
  get pending(): number {
    return this.#tasks.filter((t) => !t.cancelled).length;
  }

  #nextDue(target: number): ScheduledTask | undefined {
    this.#tasks = this.#tasks.filter((t) => !t.cancelled);
    let best: ScheduledTask | undefined;
    for (const task of this.#tasks) {
      if (task.dueAt > target) continue;
      if (!best || task.dueAt < best.dueAt || (task.dueAt === best.dueAt && task.seq < best.seq)) best = task;
    }
    return best;
  }
}
