// KIP-345: a static member (group.instance.id) that restarts into a Stable group with the same
// subscription takes over its old member's place, assignment included, without a rebalance. The new
// member id is made durable first (so a coordinator move does not resurrect the old one); then the member
// gets the current generation with no member list (no reassignment) and fetches its assignment with
// SyncGroup as any member of a Stable group does.
import { ErrorCode } from "@cirrus/kafka-protocol";
import { type ConsumerGroup, type GroupMember, GroupState, type JoinOutcome } from "./consumer-group.ts";
import { type GroupContext, groupRecord } from "./group-context.ts";
import type { JoinRequest } from "./group-membership.ts";
import { failJoin, failSync, prepareRebalance, scheduleSessionExpiry } from "./rebalance.ts";

/** Whether `req` asks for exactly what `member` already has (same protocol type, names, order and metadata). */
export function sameSubscription(member: GroupMember, req: JoinRequest): boolean {
  return (
    member.protocolType === req.protocolType &&
    member.protocols.length === req.protocols.length &&
    member.protocols.every(
      (p, i) => p.name === req.protocols[i]!.name && p.metadata.equals(req.protocols[i]!.metadata),
    )
  );
}

/** Replaces `old` by a member `memberId` with the same place and assignment; resolves with its JoinGroup answer. */
export async function rejoinStableStaticMember(
  ctx: GroupContext,
  group: ConsumerGroup,
  old: GroupMember,
  memberId: string,
  req: JoinRequest,
): Promise<JoinOutcome> {
  const member: GroupMember = {
    ...old,
    memberId,
    clientId: req.clientId,
    clientHost: req.clientHost,
    sessionTimeoutMs: req.sessionTimeoutMs,
    rebalanceTimeoutMs: req.rebalanceTimeoutMs,
    joinWaiter: null,
    syncWaiter: null,
    isNew: false,
    cancelSessionTimer: null,
  };
  old.cancelSessionTimer?.();
  old.cancelSessionTimer = null;
  failJoin(old, ErrorCode.FENCED_INSTANCE_ID);
  failSync(old, ErrorCode.FENCED_INSTANCE_ID);
  group.replaceMember(old.memberId, member);
  scheduleSessionExpiry(ctx, group, member, member.sessionTimeoutMs);
  const generation = group.generationId;
  try {
    await ctx.log.append([groupRecord(group)]);
  } catch {
    const errorCode = ctx.isLoaded() ? ErrorCode.COORDINATOR_NOT_AVAILABLE : ErrorCode.NOT_COORDINATOR;
    // The swap is not durable: start over with a rebalance rather than serve a state a move would lose.
    if (ctx.isLoaded() && group.is(GroupState.Stable) && group.generationId === generation)
      prepareRebalance(ctx, group);
    return {
      errorCode,
      generationId: -1,
      protocolType: null,
      protocolName: null,
      leader: "",
      memberId,
      members: [],
    };
  }
  return {
    errorCode: ErrorCode.NONE,
    generationId: group.generationId,
    protocolType: group.protocolType,
    protocolName: group.protocolName,
    leader: group.leaderId ?? "",
    memberId,
    members: [],
  };
}
