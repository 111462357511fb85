// The rebalance machinery of the classic protocol: entering PreparingRebalance, completing the join
// phase (on all rejoined, rebalance timeout or initial delay), the sync-phase deadline, member
// session expiry and member removal. Kafka's GroupCoordinator is the reference for every rule.

import { ErrorCode } from "@cirrus/kafka-protocol";
import { type ConsumerGroup, type GroupMember, GroupState } from "./consumer-group.ts";
import { type GroupContext, groupRecord } from "./group-context.ts";

const EMPTY = Buffer.alloc(0);

export function failJoin(member: GroupMember, errorCode: number): void {
  const waiter = member.joinWaiter;
  member.joinWaiter = null;
  waiter?.({
    errorCode,
    generationId: -1,
    protocolType: null,
    protocolName: null,
    leader: "",
    memberId: member.memberId,
    members: [],
  });
}

export function failSync(member: GroupMember, errorCode: number): void {
  const waiter = member.syncWaiter;
  member.syncWaiter = null;
  waiter?.({ errorCode, protocolType: null, protocolName: null, assignment: EMPTY });
}

/** Restarts the member's session timer (a heartbeat, join or sync counts as liveness). */
export function scheduleSessionExpiry(
  ctx: GroupContext,
  group: ConsumerGroup,
  member: GroupMember,
  ms: number,
): void {
  member.cancelSessionTimer?.();
  member.cancelSessionTimer = ctx.clock.schedule(ms, () => onSessionExpired(ctx, group, member));
}

function onSessionExpired(ctx: GroupContext, group: ConsumerGroup, member: GroupMember): void {
  member.cancelSessionTimer = null;
  if (group.members.get(member.memberId) !== member) return;
  // Members waiting in a join or sync phase stay: that phase has its own deadline. A new member
  // waiting in its first join is the exception (its timer is the new-member join timeout).
  const waiting = (member.joinWaiter !== null && !member.isNew) || member.syncWaiter !== null;
  if (waiting) {
    scheduleSessionExpiry(ctx, group, member, member.sessionTimeoutMs);
    return;
  }
  removeMemberAndUpdateGroup(ctx, group, member);
}

/** Removes a member (leave, session expiry, fencing) and moves the group on. */
export function removeMemberAndUpdateGroup(
  ctx: GroupContext,
  group: ConsumerGroup,
  member: GroupMember,
): void {
  member.cancelSessionTimer?.();
  member.cancelSessionTimer = null;
  failJoin(member, ErrorCode.UNKNOWN_MEMBER_ID);
  failSync(member, ErrorCode.UNKNOWN_MEMBER_ID);
  group.remove(member.memberId);
  switch (group.state) {
    case GroupState.Stable:
    case GroupState.CompletingRebalance:
      prepareRebalance(ctx, group);
      break;
    case GroupState.PreparingRebalance:
      tryCompleteJoin(ctx, group);
      break;
    default:
      break;
  }
}

export function maybePrepareRebalance(ctx: GroupContext, group: ConsumerGroup): void {
  if (group.is(GroupState.Stable) || group.is(GroupState.CompletingRebalance) || group.is(GroupState.Empty)) {
    prepareRebalance(ctx, group);
  }
}

export function prepareRebalance(ctx: GroupContext, group: ConsumerGroup): void {
  if (group.is(GroupState.CompletingRebalance))
    resetAndPropagateAssignmentError(group, ErrorCode.REBALANCE_IN_PROGRESS);
  group.cancelSyncTimer?.();
  group.cancelSyncTimer = null;
  const initial = group.is(GroupState.Empty) && ctx.config.initialRebalanceDelayMs > 0;
  group.transitionTo(GroupState.PreparingRebalance, ctx.clock.now());
  group.cancelJoinTimer?.();
  if (initial) {
    const rebalanceTimeout = group.rebalanceTimeoutMs();
    const delay = Math.min(ctx.config.initialRebalanceDelayMs, rebalanceTimeout);
    group.inInitialDelay = true;
    group.newMemberAdded = false;
    scheduleInitialJoin(ctx, group, delay, rebalanceTimeout - delay);
    return;
  }
  group.cancelJoinTimer = ctx.clock.schedule(group.rebalanceTimeoutMs(), () => completeJoin(ctx, group));
  tryCompleteJoin(ctx, group);
}

// Kafka's InitialDelayedJoin: wait `delay`; if members kept arriving, wait again (up to the rebalance timeout).
function scheduleInitialJoin(
  ctx: GroupContext,
  group: ConsumerGroup,
  delay: number,
  remaining: number,
): void {
  group.cancelJoinTimer = ctx.clock.schedule(delay, () => {
    if (group.newMemberAdded && remaining > 0) {
      group.newMemberAdded = false;
      const next = Math.min(ctx.config.initialRebalanceDelayMs, remaining);
      scheduleInitialJoin(ctx, group, next, Math.max(remaining - ctx.config.initialRebalanceDelayMs, 0));
      return;
    }
    completeJoin(ctx, group);
  });
}

export function tryCompleteJoin(ctx: GroupContext, group: ConsumerGroup): void {
  if (group.is(GroupState.PreparingRebalance) && !group.inInitialDelay && group.allMembersJoined()) {
    completeJoin(ctx, group);
  }
}

function completeJoin(ctx: GroupContext, group: ConsumerGroup): void {
  group.cancelJoinTimer?.();
  group.cancelJoinTimer = null;
  group.inInitialDelay = false;
  if (!group.is(GroupState.PreparingRebalance) || !ctx.isLoaded()) return;
  for (const member of [...group.members.values()]) {
    if (member.joinWaiter === null) {
      member.cancelSessionTimer?.();
      member.cancelSessionTimer = null;
      failSync(member, ErrorCode.UNKNOWN_MEMBER_ID);
      group.remove(member.memberId);
    }
  }
  group.initNextGeneration(ctx.clock.now());
  if (group.is(GroupState.Empty)) {
    ctx.log.append([groupRecord(group)]).catch(ctx.onBackgroundError);
    return;
  }
  for (const member of group.members.values()) {
    const waiter = member.joinWaiter;
    member.joinWaiter = null;
    member.isNew = false;
    waiter?.(group.joinOutcomeFor(member));
    scheduleSessionExpiry(ctx, group, member, member.sessionTimeoutMs);
  }
  // Members that never send SyncGroup must not hold the group in CompletingRebalance forever.
  const generation = group.generationId;
  group.cancelSyncTimer = ctx.clock.schedule(group.rebalanceTimeoutMs(), () => {
    group.cancelSyncTimer = null;
    if (!group.is(GroupState.CompletingRebalance) || group.generationId !== generation) return;
    for (const member of [...group.members.values()]) {
      if (member.syncWaiter === null) {
        member.cancelSessionTimer?.();
        member.cancelSessionTimer = null;
        group.remove(member.memberId);
      }
    }
    prepareRebalance(ctx, group);
  });
}

export function resetAndPropagateAssignmentError(group: ConsumerGroup, errorCode: number): void {
  for (const member of group.members.values()) {
    member.assignment = EMPTY;
    failSync(member, errorCode);
  }
}

/** Answers every waiting SyncGroup with its assignment; members the leader left out get an empty one. */
export function setAndPropagateAssignment(
  group: ConsumerGroup,
  assignments: ReadonlyMap<string, Buffer>,
): void {
  for (const member of group.members.values()) {
    member.assignment = assignments.get(member.memberId) ?? EMPTY;
    const waiter = member.syncWaiter;
    member.syncWaiter = null;
    waiter?.({
      errorCode: ErrorCode.NONE,
      protocolType: group.protocolType,
      protocolName: group.protocolName,
      assignment: member.assignment,
    });
  }
}

/** Cancels every timer and answers every waiter: the partition moved away or the broker stops. */
export function abandonGroup(group: ConsumerGroup, errorCode: number): void {
  group.cancelJoinTimer?.();
  group.cancelSyncTimer?.();
  group.cancelJoinTimer = null;
  group.cancelSyncTimer = null;
  for (const cancel of group.pendingMembers.values()) cancel();
  group.pendingMembers.clear();
  for (const member of group.members.values()) {
    member.cancelSessionTimer?.();
    member.cancelSessionTimer = null;
    failJoin(member, errorCode);
    failSync(member, errorCode);
  }
}
