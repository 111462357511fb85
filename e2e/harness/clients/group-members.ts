// The part of ClientDriver.startGroup every client shares: start the members one after another, wait until
// the group is stable, let stale long-polls lapse, and stop the members together.
import type { RunningGroup } from "./driver.ts";
import { GroupStability, settleAfterStable } from "./driver.ts";
import { waitFor } from "./workload.ts";

export interface GroupMemberStarter<M> {
  /** Names the client in the timeout message ("kafkajs", "kcat", "platformatic"). */
  client: string;
  groupId: string;
  members: number;
  partitions: number;
  /**
   * Starts member `member` (0-based); the client calls `report(generation, partitions)` on every assignment
   * the member receives (partitions = how many it now holds).
   */
  startMember(member: number, report: (generation: number, partitions: number) => void): Promise<M>;
  /** Stops every started member; each commits what it consumed before leaving the group. */
  stopMembers(started: M[]): Promise<void>;
}

/**
 * Resolves once every member holds an assignment of the same generation covering all partitions (30 s at
 * most, then rejects) and 2 × FETCH_MAX_WAIT_MS more have passed.
 */
export async function startGroupMembers<M>(starter: GroupMemberStarter<M>): Promise<RunningGroup> {
  const stability = new GroupStability(starter.members, starter.partitions);
  const started: M[] = [];
  for (let m = 0; m < starter.members; m++) {
    started.push(
      await starter.startMember(m, (generation, partitions) => stability.report(m, generation, partitions)),
    );
  }
  await waitFor(
    () => stability.stable,
    30_000,
    `${starter.client} group ${starter.groupId} to be stable: ${stability.describe()}`,
  );
  await settleAfterStable();
  return { stop: () => starter.stopMembers(started) };
}

/** Calls `send` with consecutive slices of at most `size` records, one after another. */
export async function sendInBatches<T>(
  records: readonly T[],
  size: number,
  send: (batch: T[]) => Promise<unknown>,
): Promise<void> {
  for (let i = 0; i < records.length; i += size) {
    await send(records.slice(i, i + size));
  }
}
