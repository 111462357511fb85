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
   * `Throttling`, EC2 `RequestLimitExceeded`), drawn from a seeded sequence (`throttleSeed`, default 1) so a
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
