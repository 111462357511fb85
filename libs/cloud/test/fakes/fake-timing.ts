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
}

export function noDelays(): FakeTiming {
  return { volumeCreatingMs: 0, newIdNotFoundMs: 0, detachingMs: 0 };
}
