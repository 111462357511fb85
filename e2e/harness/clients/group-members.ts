// The part of ClientDriver.startGroup every client shares: start the members one after another, wait until
// the group is stable, let stale long-polls lapse, and stop the members together.
import type { ClientDriver, RunningGroup } from "./driver.ts";
import { GroupStability, settleAfterStable } from "./driver.ts";
import type { ConsumedRecord } from "./workload.ts";
import { waitFor } from "./workload.ts";

/** What one member is started for: the group's topic and id, and where consumed records go. */
export interface GroupRequest {
  topic: string;
  groupId: string;
  sink: (record: ConsumedRecord) => void;
}

export interface GroupMembers<M> {
  /**
   * Starts member `member` (0-based); the client calls `report(generation, partitions)` on every assignment
   * the member receives (partitions = how many it now holds).
   */
  startMember(
    request: GroupRequest,
    member: number,
    report: (generation: number, partitions: number) => void,
  ): Promise<M>;
  /** Stops every started member; each commits what it consumed before leaving the group. */
  stopMembers(started: M[]): Promise<void>;
}

/**
 * A ClientDriver.startGroup for `client` (named in the timeout message): starts the members one after
 * another, resolves once every member holds an assignment of the same generation covering all partitions
 * (30 s at most, then rejects) and 2 × FETCH_MAX_WAIT_MS more have passed.
 */
export function groupStarter<M>(client: string, group: GroupMembers<M>): ClientDriver["startGroup"] {
  return async (topic, groupId, members, partitions, sink): Promise<RunningGroup> => {
    const stability = new GroupStability(members, partitions);
    const started: M[] = [];
    for (let m = 0; m < members; m++) {
      const report = (generation: number, assigned: number) => stability.report(m, generation, assigned);
      started.push(await group.startMember({ topic, groupId, sink }, m, report));
    }
    await waitFor(
      () => stability.stable,
      30_000,
      `${client} group ${groupId} to be stable: ${stability.describe()}`,
    );
    await settleAfterStable();
    return { stop: () => group.stopMembers(started) };
  };
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
