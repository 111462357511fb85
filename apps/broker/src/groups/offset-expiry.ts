// Offsets retention (Kafka's offsets.retention.ms, KIP-211): the offsets of a group with no members
// are deleted once the group has been idle for the retention period, and so is the group itself. The
// deletion is written as tombstones to the offsets log first, so a replay after a move agrees.
import { type CommittedOffset, type ConsumerGroup, GroupState } from "./consumer-group.ts";
import type { GroupContext } from "./group-context.ts";
import type { OffsetsLogRecord } from "./offsets-log-record.ts";

/** The last time anything happened to the group: its last state change or its newest commit. */
export function lastActivity(group: ConsumerGroup): number {
  let last = group.stateTimestamp;
  for (const partitions of group.offsets.values()) {
    for (const committed of partitions.values()) last = Math.max(last, Number(committed.commitTimestamp));
  }
  return last;
}

/**
 * Deletes the Empty groups idle for longer than `retentionMs` (offsets and group metadata). Resolves
 * with the ids of the groups removed; a failed log write removes nothing (the next run retries).
 */
export async function expireIdleGroups(
  ctx: GroupContext,
  nowMs: number,
  retentionMs: number,
): Promise<string[]> {
  const expired = [...ctx.groups.values()].filter(
    (g) =>
      g.is(GroupState.Empty) &&
      g.pendingMembers.size === 0 &&
      g.pendingCommits === 0 &&
      nowMs - lastActivity(g) > retentionMs,
  );
  if (expired.length === 0) return [];
  const records: OffsetsLogRecord[] = [];
  const tombstoned: { group: ConsumerGroup; topic: string; partition: number; committed: CommittedOffset }[] =
    [];
  for (const group of expired) {
    for (const [topic, partitions] of group.offsets) {
      for (const [partition, committed] of partitions) {
        records.push({ kind: "offset", groupId: group.groupId, topic, partition, value: null });
        tombstoned.push({ group, topic, partition, committed });
      }
    }
    records.push({ kind: "group", groupId: group.groupId, value: null });
  }
  await ctx.log.append(records);
  // What was tombstoned goes, unless it was committed again meanwhile (that record follows in the log).
  for (const t of tombstoned) {
    if (t.group.committedOffset(t.topic, t.partition) === t.committed)
      t.group.setCommittedOffset(t.topic, t.partition, null);
  }
  const removed: string[] = [];
  for (const group of expired) {
    // A group that came back to life while the tombstones were written stays (with its new state).
    const alive = !group.is(GroupState.Empty) || group.hasOffsets() || group.pendingCommits > 0;
    if (ctx.groups.get(group.groupId) !== group || alive) continue;
    group.transitionTo(GroupState.Dead, ctx.clock.now());
    ctx.groups.delete(group.groupId);
    removed.push(group.groupId);
  }
  return removed;
}
