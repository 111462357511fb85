// A broker's periodic partition job (retention checks, the log cleaner): a round every `intervalMs` once
// started, a round asked for while one runs joins it instead of starting a second, and a stop that waits for
// a running round at most `waitMs` (a round may be reading a long log and must not hold a shutdown up). The
// job reads `stopped` between partitions, so a round left running starts no further partition.
export class PeriodicRounds<T> {
  readonly #intervalMs: number;
  readonly #round: () => Promise<T>;
  readonly #onTimer: (round: Promise<T>) => void;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<T> | undefined;
  #stopped = false;

  /** `onTimer` is given each round the timer starts (or joins), e.g. to log its outcome. */
  constructor(intervalMs: number, round: () => Promise<T>, onTimer: (round: Promise<T>) => void = () => {}) {
    this.#intervalMs = intervalMs;
    this.#round = round;
    this.#onTimer = onTimer;
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  /** A round every intervalMs from now on (the first one interval after start, as Kafka's scheduler). */
  start(): void {
    if (this.#timer || this.#stopped) return;
    this.#timer = setInterval(() => this.#onTimer(this.runNow()), this.#intervalMs);
    this.#timer.unref();
  }

  /** Runs one round now, or joins the one running. */
  runNow(): Promise<T> {
    this.#running ??= this.#round().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  /** Stops the timer and waits for a running round to end, at most `waitMs`. */
  async stop(waitMs = 1_000): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    const running = this.#running;
    if (!running) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, waitMs);
    });
    await Promise.race([
      running.then(
        () => {},
        () => {},
      ),
      timeout,
    ]).finally(() => clearTimeout(timer));
  }
}
