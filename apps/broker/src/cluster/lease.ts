// The broker's lease, counted on this process's monotonic clock from when each heartbeat was *sent*:
// the control plane's lease started no earlier than that, so ours never outlives theirs (invariant 2:
// a broker acks only while its lease is valid, recovery starts only after it expired).

export class Lease {
  #validUntil = Number.NEGATIVE_INFINITY;
  readonly #now: () => number;

  constructor(now: () => number = () => performance.now()) {
    this.#now = now;
  }

  /** A heartbeat sent at `sentAt` (this clock) succeeded and granted `leaseMs`. */
  renew(sentAt: number, leaseMs: number): void {
    this.#validUntil = Math.max(this.#validUntil, sentAt + leaseMs);
  }

  /** Fenced, deregistered or shutting down: stop acking now. */
  expire(): void {
    this.#validUntil = Number.NEGATIVE_INFINITY;
  }

  get valid(): boolean {
    return this.#now() < this.#validUntil;
  }

  /** Milliseconds left (0 when expired). */
  get remainingMs(): number {
    return Math.max(0, this.#validUntil - this.#now());
  }

  now(): number {
    return this.#now();
  }
}
