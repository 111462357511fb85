// DeleteGroups and OffsetDelete for the groups of one offsets partition, with Kafka's rules: only an
// Empty group may be deleted (NON_EMPTY_GROUP otherwise); the offsets of a group with members may be
// deleted only for topics none of its members subscribes to (GROUP_SUBSCRIBED_TO_TOPIC). A deletion is
// written as tombstones to the offsets log before memory changes, so a replay after a move agrees.
//
// An offset commit whose records are still being written makes a deletion answer NON_EMPTY_GROUP: which
// of the two lands last in the log would otherwise decide silently what survives.
import { ErrorCode } from "@cirrus/kafka-protocol";
import { type CommittedOffset, type ConsumerGroup, GroupState } from "./consumer-group.ts";
import type { GroupContext } from "./group-context.ts";
import type { OffsetsLogRecord } from "./offsets-log-record.ts";

export interface OffsetDeleteTopic {
  readonly name: string;
  readonly partitionIndexes: readonly number[];
}

export interface OffsetDeleteResult {
  errorCode: number;
  topics: { name: string; partitions: { partitionIndex: number; errorCode: number }[] }[];
}

interface Tombstoned {
  readonly topic: string;
  readonly partition: number;
  readonly committed: CommittedOffset;
}

function writeFailure(ctx: GroupContext): number {
  return ctx.isLoaded() ? ErrorCode.COORDINATOR_NOT_AVAILABLE : ErrorCode.NOT_COORDINATOR;
}

/** Drops the tombstoned offsets from memory unless a later commit replaced them (its record follows). */
function forgetTombstoned(group: ConsumerGroup, tombstoned: readonly Tombstoned[]): void {
  for (const t of tombstoned) {
    if (group.committedOffset(t.topic, t.partition) === t.committed)
      group.setCommittedOffset(t.topic, t.partition, null);
  }
}

/** Kafka's DeleteGroups for one group: resolves with its error code (NONE once the tombstones are durable). */
export async function deleteGroup(ctx: GroupContext, groupId: string): Promise<number> {
  const group = ctx.groups.get(groupId);
  if (!group || group.is(GroupState.Dead)) return ErrorCode.GROUP_ID_NOT_FOUND;
  if (!group.is(GroupState.Empty) || group.pendingMembers.size > 0 || group.pendingCommits > 0)
    return ErrorCode.NON_EMPTY_GROUP;
  const records: OffsetsLogRecord[] = [];
  const tombstoned: Tombstoned[] = [];
  for (const [topic, partitions] of group.offsets) {
    for (const [partition, committed] of partitions) {
      records.push({ kind: "offset", groupId, topic, partition, value: null });
      tombstoned.push({ topic, partition, committed });
    }
  }
  records.push({ kind: "group", groupId, value: null });
  try {
    await ctx.log.append(records);
  } catch {
    return writeFailure(ctx);
  }
  forgetTombstoned(group, tombstoned);
  // A member that joined or a commit that started meanwhile wrote its record after the tombstones: the
  // group lives on with that new state. Otherwise it is gone, as the log now says.
  const alive =
    !group.is(GroupState.Empty) ||
    group.hasOffsets() ||
    group.pendingCommits > 0 ||
    group.pendingMembers.size > 0;
  if (ctx.groups.get(groupId) === group && !alive) {
    group.transitionTo(GroupState.Dead, ctx.clock.now());
    ctx.groups.delete(groupId);
  }
  return ErrorCode.NONE;
}

/**
 * The topics the members of a consumer group subscribe to, from their ConsumerProtocolSubscription
 * (version int16, topics [string]); null when a member's subscription cannot be read, so that nothing is
 * deleted under a member whose interest is unknown.
 */
export function subscribedTopics(group: ConsumerGroup): Set<string> | null {
  const topics = new Set<string>();
  for (const member of group.members.values()) {
    for (const protocol of member.protocols) {
      const decoded = decodeSubscriptionTopics(protocol.metadata);
      if (decoded === null) return null;
      for (const t of decoded) topics.add(t);
    }
  }
  return topics;
}

function decodeSubscriptionTopics(bytes: Buffer): string[] | null {
  if (bytes.length < 6) return null;
  const version = bytes.readInt16BE(0);
  if (version < 0) return null;
  const count = bytes.readInt32BE(2);
  if (count < 0 || count > (bytes.length - 6) / 2) return null;
  const topics: string[] = [];
  let pos = 6;
  for (let i = 0; i < count; i++) {
    if (pos + 2 > bytes.length) return null;
    const len = bytes.readInt16BE(pos);
    pos += 2;
    if (len < 0 || pos + len > bytes.length) return null;
    topics.push(bytes.toString("utf8", pos, pos + len));
    pos += len;
  }
  return topics;
}

/** Kafka's OffsetDelete: a group-level error (then no topics) or one error code per requested partition. */
export async function deleteOffsets(
  ctx: GroupContext,
  groupId: string,
  topics: readonly OffsetDeleteTopic[],
): Promise<OffsetDeleteResult> {
  const group = ctx.groups.get(groupId);
  if (!group || group.is(GroupState.Dead)) return { errorCode: ErrorCode.GROUP_ID_NOT_FOUND, topics: [] };
  if (group.pendingCommits > 0) return { errorCode: ErrorCode.NON_EMPTY_GROUP, topics: [] };
  let subscribed: Set<string> | null = new Set();
  if (!group.is(GroupState.Empty)) {
    if (group.protocolType !== "consumer") return { errorCode: ErrorCode.NON_EMPTY_GROUP, topics: [] };
    subscribed = subscribedTopics(group);
  }
  const isSubscribed = (topic: string) => subscribed === null || subscribed.has(topic);
  const records: OffsetsLogRecord[] = [];
  const tombstoned: Tombstoned[] = [];
  const result = topics.map((t) => ({
    name: t.name,
    partitions: t.partitionIndexes.map((partitionIndex) => {
      if (isSubscribed(t.name))
        return { partitionIndex, errorCode: ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC as number };
      const committed = group.committedOffset(t.name, partitionIndex);
      if (committed) {
        records.push({ kind: "offset", groupId, topic: t.name, partition: partitionIndex, value: null });
        tombstoned.push({ topic: t.name, partition: partitionIndex, committed });
      }
      return { partitionIndex, errorCode: ErrorCode.NONE as number };
    }),
  }));
  if (records.length === 0) return { errorCode: ErrorCode.NONE, topics: result };
  try {
    await ctx.log.append(records);
  } catch {
    return { errorCode: writeFailure(ctx), topics: [] };
  }
  forgetTombstoned(group, tombstoned);
  return { errorCode: ErrorCode.NONE, topics: result };
}
