// JoinGroup, SyncGroup, Heartbeat and LeaveGroup of the classic group protocol for the groups of one
// offsets partition. Answers are plain objects with Kafka error codes; the handlers turn them into
// responses. Ordering: each call acts on the group synchronously when it is made; the returned promise
// settles when the protocol says the answer is ready (JoinGroup at the end of the join phase, SyncGroup
// when the leader's assignment is durable). Promises never reject.
import { randomUUID } from "node:crypto";
import { ErrorCode } from "@cirrus/kafka-protocol";
import {
  ConsumerGroup,
  type GroupMember,
  GroupState,
  type JoinOutcome,
  type MemberProtocol,
  type SyncOutcome,
} from "./consumer-group.ts";
import { forgetIfUnused, type GroupContext, groupRecord } from "./group-context.ts";
import {
  failJoin,
  maybePrepareRebalance,
  prepareRebalance,
  removeMemberAndUpdateGroup,
  resetAndPropagateAssignmentError,
  scheduleSessionExpiry,
  setAndPropagateAssignment,
  tryCompleteJoin,
} from "./rebalance.ts";
import { rejoinStableStaticMember, sameSubscription } from "./static-member-rejoin.ts";

export interface JoinRequest {
  readonly groupId: string;
  /** "" for a member joining for the first time. */
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly clientId: string;
  readonly clientHost: string;
  readonly sessionTimeoutMs: number;
  readonly rebalanceTimeoutMs: number;
  readonly protocolType: string;
  readonly protocols: readonly MemberProtocol[];
  /** JoinGroup v4+: a new member first gets MEMBER_ID_REQUIRED and its id, then joins with it. */
  readonly requireKnownMemberId: boolean;
}

export interface SyncRequest {
  readonly groupId: string;
  readonly generationId: number;
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  /** SyncGroup v5+ (null before): must match the group's. */
  readonly protocolType: string | null;
  readonly protocolName: string | null;
  /** Only the leader's assignments are used. */
  readonly assignments: readonly { memberId: string; assignment: Buffer }[];
}

export interface MemberIdentity {
  readonly groupId: string;
  readonly generationId: number;
  readonly memberId: string;
  readonly groupInstanceId: string | null;
}

export interface LeavingMember {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
}

function joinError(memberId: string, errorCode: number): JoinOutcome {
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

function syncError(errorCode: number): SyncOutcome {
  return { errorCode, protocolType: null, protocolName: null, assignment: Buffer.alloc(0) };
}

/** UNKNOWN_MEMBER_ID, FENCED_INSTANCE_ID or ILLEGAL_GENERATION (Kafka's validateCurrentMember), or null. */
function validateMember(group: ConsumerGroup, id: MemberIdentity): number | null {
  if (id.groupInstanceId !== null) {
    const current = group.staticMembers.get(id.groupInstanceId);
    if (current !== undefined && current !== id.memberId) return ErrorCode.FENCED_INSTANCE_ID;
  }
  if (!group.members.has(id.memberId)) return ErrorCode.UNKNOWN_MEMBER_ID;
  if (id.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
  return null;
}

export class GroupMembership {
  readonly #ctx: GroupContext;

  constructor(ctx: GroupContext) {
    this.#ctx = ctx;
  }

  join(req: JoinRequest): Promise<JoinOutcome> {
    const { config } = this.#ctx;
    if (
      req.sessionTimeoutMs < config.minSessionTimeoutMs ||
      req.sessionTimeoutMs > config.maxSessionTimeoutMs
    ) {
      return Promise.resolve(joinError(req.memberId, ErrorCode.INVALID_SESSION_TIMEOUT));
    }
    const isNewMember = req.memberId === "";
    let group = this.#ctx.groups.get(req.groupId);
    if (!group) {
      if (!isNewMember) return Promise.resolve(joinError(req.memberId, ErrorCode.UNKNOWN_MEMBER_ID));
      group = new ConsumerGroup(req.groupId, this.#ctx.clock.now());
      this.#ctx.groups.set(req.groupId, group);
    }
    const joiningAnew = isNewMember || !group.members.has(req.memberId);
    if (joiningAnew && group.members.size >= config.maxGroupSize) {
      return Promise.resolve(joinError(req.memberId, ErrorCode.GROUP_MAX_SIZE_REACHED));
    }
    const outcome = isNewMember ? this.#joinNewMember(group, req) : this.#joinKnownMember(group, req);
    forgetIfUnused(this.#ctx, group);
    return outcome;
  }

  #joinNewMember(group: ConsumerGroup, req: JoinRequest): Promise<JoinOutcome> {
    if (group.is(GroupState.Dead)) return Promise.resolve(joinError("", ErrorCode.COORDINATOR_NOT_AVAILABLE));
    if (
      !group.supportsProtocols(
        req.protocolType,
        req.protocols.map((p) => p.name),
      )
    ) {
      return Promise.resolve(joinError("", ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
    }
    const memberId = `${req.clientId}-${randomUUID()}`;
    if (req.groupInstanceId !== null) {
      // A static member restarting: it takes over its instance id; the old member id is fenced.
      const oldMemberId = group.staticMembers.get(req.groupInstanceId);
      const old = oldMemberId === undefined ? undefined : group.members.get(oldMemberId);
      if (old && group.is(GroupState.Stable) && sameSubscription(old, req)) {
        return rejoinStableStaticMember(this.#ctx, group, old, memberId, req);
      }
      if (old) {
        failJoin(old, ErrorCode.FENCED_INSTANCE_ID);
        removeMemberAndUpdateGroup(this.#ctx, group, old);
      }
      return this.#addMemberAndRebalance(group, memberId, req);
    }
    if (req.requireKnownMemberId) {
      const expire = this.#ctx.clock.schedule(req.sessionTimeoutMs, () => {
        group.pendingMembers.delete(memberId);
        tryCompleteJoin(this.#ctx, group);
        forgetIfUnused(this.#ctx, group);
      });
      group.pendingMembers.set(memberId, expire);
      return Promise.resolve(joinError(memberId, ErrorCode.MEMBER_ID_REQUIRED));
    }
    return this.#addMemberAndRebalance(group, memberId, req);
  }

  #joinKnownMember(group: ConsumerGroup, req: JoinRequest): Promise<JoinOutcome> {
    if (group.is(GroupState.Dead)) {
      return Promise.resolve(joinError(req.memberId, ErrorCode.COORDINATOR_NOT_AVAILABLE));
    }
    const names = req.protocols.map((p) => p.name);
    if (!group.supportsProtocols(req.protocolType, names, req.memberId)) {
      return Promise.resolve(joinError(req.memberId, ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
    }
    const pendingExpiry = group.pendingMembers.get(req.memberId);
    if (pendingExpiry) {
      pendingExpiry();
      group.pendingMembers.delete(req.memberId);
      return this.#addMemberAndRebalance(group, req.memberId, req);
    }
    const member = group.members.get(req.memberId);
    if (!member) return Promise.resolve(joinError(req.memberId, ErrorCode.UNKNOWN_MEMBER_ID));
    if (req.groupInstanceId !== null && group.staticMembers.get(req.groupInstanceId) !== req.memberId) {
      return Promise.resolve(joinError(req.memberId, ErrorCode.FENCED_INSTANCE_ID));
    }
    const unchanged = sameSubscription(member, req);
    switch (group.state) {
      case GroupState.PreparingRebalance:
        return this.#updateMemberAndRebalance(group, member, req);
      case GroupState.CompletingRebalance:
        // A lost JoinGroup response: send the same answer again unless the member changed.
        if (unchanged) return Promise.resolve(group.joinOutcomeFor(member));
        return this.#updateMemberAndRebalance(group, member, req);
      case GroupState.Stable:
        // The leader rejoining means it wants a new assignment (e.g. its subscription changed).
        if (unchanged && member.memberId !== group.leaderId)
          return Promise.resolve(group.joinOutcomeFor(member));
        return this.#updateMemberAndRebalance(group, member, req);
      default:
        return Promise.resolve(joinError(req.memberId, ErrorCode.UNKNOWN_MEMBER_ID));
    }
  }

  #addMemberAndRebalance(group: ConsumerGroup, memberId: string, req: JoinRequest): Promise<JoinOutcome> {
    const member: GroupMember = {
      memberId,
      groupInstanceId: req.groupInstanceId,
      clientId: req.clientId,
      clientHost: req.clientHost,
      rebalanceTimeoutMs: req.rebalanceTimeoutMs,
      sessionTimeoutMs: req.sessionTimeoutMs,
      protocolType: req.protocolType,
      protocols: req.protocols,
      assignment: Buffer.alloc(0),
      joinWaiter: null,
      syncWaiter: null,
      isNew: true,
      cancelSessionTimer: null,
    };
    const outcome = new Promise<JoinOutcome>((resolve) => {
      member.joinWaiter = resolve;
    });
    group.add(member);
    if (group.is(GroupState.PreparingRebalance) && group.inInitialDelay) group.newMemberAdded = true;
    // A new member that never completes its join must not hold the group forever.
    scheduleSessionExpiry(this.#ctx, group, member, this.#ctx.config.newMemberJoinTimeoutMs);
    maybePrepareRebalance(this.#ctx, group);
    tryCompleteJoin(this.#ctx, group);
    return outcome;
  }

  #updateMemberAndRebalance(
    group: ConsumerGroup,
    member: GroupMember,
    req: JoinRequest,
  ): Promise<JoinOutcome> {
    member.protocolType = req.protocolType;
    member.protocols = req.protocols;
    member.sessionTimeoutMs = req.sessionTimeoutMs;
    member.rebalanceTimeoutMs = req.rebalanceTimeoutMs;
    member.clientId = req.clientId;
    member.clientHost = req.clientHost;
    if (group.members.size === 1) group.protocolType = req.protocolType;
    // A second JoinGroup from the same member replaces the first (whose connection is likely gone).
    failJoin(member, ErrorCode.UNKNOWN_MEMBER_ID);
    const outcome = new Promise<JoinOutcome>((resolve) => {
      member.joinWaiter = resolve;
    });
    maybePrepareRebalance(this.#ctx, group);
    tryCompleteJoin(this.#ctx, group);
    return outcome;
  }

  sync(req: SyncRequest): Promise<SyncOutcome> {
    const group = this.#ctx.groups.get(req.groupId);
    if (!group) return Promise.resolve(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    if (group.is(GroupState.Dead)) return Promise.resolve(syncError(ErrorCode.COORDINATOR_NOT_AVAILABLE));
    const invalid = validateMember(group, req);
    if (invalid !== null) return Promise.resolve(syncError(invalid));
    if (
      (req.protocolType !== null && req.protocolType !== group.protocolType) ||
      (req.protocolName !== null && req.protocolName !== group.protocolName)
    ) {
      return Promise.resolve(syncError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
    }
    const member = group.members.get(req.memberId)!;
    switch (group.state) {
      case GroupState.PreparingRebalance:
        return Promise.resolve(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
      case GroupState.Stable:
        scheduleSessionExpiry(this.#ctx, group, member, member.sessionTimeoutMs);
        return Promise.resolve({
          errorCode: ErrorCode.NONE,
          protocolType: group.protocolType,
          protocolName: group.protocolName,
          assignment: member.assignment,
        });
      case GroupState.CompletingRebalance:
        break;
      default:
        return Promise.resolve(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    }
    // A repeated SyncGroup (e.g. a client retry) gets the same answer as the first one.
    const previous = member.syncWaiter;
    const outcome = new Promise<SyncOutcome>((resolve) => {
      member.syncWaiter = (result) => {
        previous?.(result);
        scheduleSessionExpiry(this.#ctx, group, member, member.sessionTimeoutMs);
        resolve(result);
      };
    });
    if (member.memberId === group.leaderId) this.#storeAssignment(group, req.assignments);
    return outcome;
  }

  #storeAssignment(group: ConsumerGroup, assignments: SyncRequest["assignments"]): void {
    const byMember = new Map<string, Buffer>();
    for (const a of assignments) if (group.members.has(a.memberId)) byMember.set(a.memberId, a.assignment);
    const generation = group.generationId;
    this.#ctx.log.append([groupRecord(group, byMember)]).then(
      () => {
        if (!group.is(GroupState.CompletingRebalance) || group.generationId !== generation) return;
        group.cancelSyncTimer?.();
        group.cancelSyncTimer = null;
        setAndPropagateAssignment(group, byMember);
        group.transitionTo(GroupState.Stable, this.#ctx.clock.now());
      },
      () => {
        if (!group.is(GroupState.CompletingRebalance) || group.generationId !== generation) return;
        const code = this.#ctx.isLoaded() ? ErrorCode.COORDINATOR_NOT_AVAILABLE : ErrorCode.NOT_COORDINATOR;
        resetAndPropagateAssignmentError(group, code);
        if (this.#ctx.isLoaded()) prepareRebalance(this.#ctx, group);
      },
    );
  }

  heartbeat(req: MemberIdentity): number {
    const group = this.#ctx.groups.get(req.groupId);
    if (!group) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (group.is(GroupState.Dead)) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (group.is(GroupState.Empty)) return ErrorCode.UNKNOWN_MEMBER_ID;
    const invalid = validateMember(group, req);
    if (invalid !== null) return invalid;
    const member = group.members.get(req.memberId)!;
    scheduleSessionExpiry(this.#ctx, group, member, member.sessionTimeoutMs);
    return group.is(GroupState.PreparingRebalance) ? ErrorCode.REBALANCE_IN_PROGRESS : ErrorCode.NONE;
  }

  /** LeaveGroup: one error code per leaving member, in request order (the group itself never fails). */
  leave(groupId: string, leaving: readonly LeavingMember[]): number[] {
    const group = this.#ctx.groups.get(groupId);
    if (!group) return leaving.map(() => ErrorCode.UNKNOWN_MEMBER_ID);
    return leaving.map((l) => this.#leaveOne(group, l));
  }

  #leaveOne(group: ConsumerGroup, leaving: LeavingMember): number {
    if (group.is(GroupState.Dead)) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    let memberId = leaving.memberId;
    if (leaving.groupInstanceId !== null) {
      const current = group.staticMembers.get(leaving.groupInstanceId);
      if (current === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
      if (memberId !== "" && memberId !== current) return ErrorCode.FENCED_INSTANCE_ID;
      memberId = current;
    }
    const pendingExpiry = group.pendingMembers.get(memberId);
    if (pendingExpiry) {
      pendingExpiry();
      group.pendingMembers.delete(memberId);
      tryCompleteJoin(this.#ctx, group);
      return ErrorCode.NONE;
    }
    const member = group.members.get(memberId);
    if (!member) return ErrorCode.UNKNOWN_MEMBER_ID;
    removeMemberAndUpdateGroup(this.#ctx, group, member);
    return ErrorCode.NONE;
  }
}
