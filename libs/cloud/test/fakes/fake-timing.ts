/**
 * The clouds' documented convergence, injected into the fakes (scaled down in tests): a new volume is
 * `creating` before it is `available` (EBS; ECS `Creating`), a fresh id may be NotFound for a moment
 * (EC2 eventual consistency), and a detach takes a while (EBS `detaching`; ECS DetachDisk about a
 * minute, `Detaching`). All zero by default: everything settles at once.
 */
export interface FakeTiming {
  volumeCreatingMs: number;
  newIdNotFoundMs: number;
  detachingMs: number;
  /**
   * The share (0..1) of requests refused as throttled, before the fake acts (Auto Scaling and CloudWatch
   * `Throttling`, EC2 `RequestLimitExceeded`; ESS, ECS and CMS `Throttling.User`), drawn from a seeded sequence (`throttleSeed`, default 1) so a
   * run can be repeated; not every Nth, which a loop making the same calls each pass would hit at the same
   * call every time. These reach the caller as they are: the SDK's own retries sit behind the mock and do not
   * run. Unset or 0: never.
   */
  throttleRate?: number;
  throttleSeed?: number;
}

export function noDelays(): FakeTiming {
  return { volumeCreatingMs: 0, newIdNotFoundMs: 0, detachingMs: 0 };
}

/**
 * Draws whether the next request is throttled (`timing.throttleRate`), from a seeded mulberry32 sequence
 * restarted whenever `timing.throttleSeed` changes. One per fake account, every service of it drawing in turn.
 */
export class ThrottleDraws {
  #draws: { seed: number; state: number } | undefined;
  /** How many requests were refused so far (a test can check throttling really happened). */
  refused = 0;

  throttled(timing: FakeTiming): boolean {
    const rate = timing.throttleRate ?? 0;
    if (rate <= 0) return false;
    const seed = timing.throttleSeed ?? 1;
    if (this.#draws?.seed !== seed) this.#draws = { seed, state: seed >>> 0 };
    const draws = this.#draws;
    draws.state = (draws.state + 0x6d2b79f5) >>> 0;
    let t = draws.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const throttled = ((t ^ (t >>> 14)) >>> 0) / 4294967296 < rate;
    if (throttled) this.refused++;
    return throttled;
  }
}
