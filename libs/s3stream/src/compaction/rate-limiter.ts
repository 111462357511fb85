// Paces byte-heavy background work to `bytesPerSecond`: each call reserves its bytes on a timeline and waits
// until its slot starts, so bursts are spread out and foreground I/O keeps its share.
export class RateLimiter {
  readonly #bytesPerSecond: number;
  #nextFreeAt = 0;

  constructor(bytesPerSecond: number) {
    this.#bytesPerSecond = Math.max(1, bytesPerSecond);
  }

  async consume(bytes: number): Promise<void> {
    const now = performance.now();
    const start = Math.max(now, this.#nextFreeAt);
    this.#nextFreeAt = start + (bytes / this.#bytesPerSecond) * 1000;
    if (start > now) await new Promise((resolve) => setTimeout(resolve, start - now));
  }
}
