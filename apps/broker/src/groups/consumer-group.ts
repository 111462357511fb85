// One classic-protocol group: its members, generation, chosen protocol and committed offsets.
// This file holds the data and the legal state transitions only; timers, waiters and the
// protocol rules live in group-membership.ts.
import type { Cancel } from "./clock.ts";

export const GroupState = {
  Empty: "Empty",
  PreparingRebalance: "PreparingRebalance",
  CompletingRebalance: "CompletingRebalance",
  Stable: "Stable",
  Dead: "Dead",
} as const;
export type GroupState = (typeof GroupState)[keyof typeof GroupState];

// Kafka's GroupMetadata.validPreviousStates: a transition from anywhere else is a bug.
const validPreviousStates: Record<GroupState, readonly GroupState[]> = {
  Empty: [GroupState.PreparingRebalance],
  PreparingRebalance: [GroupState.Stable, GroupState.CompletingRebalance, GroupState.Empty],
  CompletingRebalance: [GroupState.PreparingRebalance],
  Stable: [GroupState.CompletingRebalance],
  Dead: [
    GroupState.Stable,
    GroupState.PreparingRebalance,
    GroupState.CompletingRebalance,
    GroupState.Empty,
    GroupState.Dead,
  ],
};

export interface MemberProtocol {
  readonly name: string;
  readonly metadata: Buffer;
}

export interface JoinOutcome {
  errorCode: number;
  generationId: number;
  protocolType: string | null;
  protocolName: string | null;
  leader: string;
  memberId: string;
  members: { memberId: string; groupInstanceId: string | null; metadata: Buffer }[];
}

export interface SyncOutcome {
  errorCode: number;
  protocolType: string | null;
  protocolName: string | null;
  assignment: Buffer;
}

export interface GroupMember {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  rebalanceTimeoutMs: number;
  sessionTimeoutMs: number;
  protocolType: string;
  protocols: readonly MemberProtocol[];
  assignment: Buffer;
  /** Set while the member's JoinGroup waits for the rebalance to complete. */
  joinWaiter: ((outcome: JoinOutcome) => void) | null;
  /** Set while the member's SyncGroup waits for the leader's assignment. */
  syncWaiter: ((outcome: SyncOutcome) => void) | null;
  /** True until the member's first JoinGroup of a generation has been answered. */
  isNew: boolean;
  cancelSessionTimer: Cancel | null;
}

export interface CommittedOffset {
  readonly offset: bigint;
  readonly leaderEpoch: number;
  readonly metadata: string;
  readonly commitTimestamp: bigint;
}

const EMPTY = Buffer.alloc(0);

export class ConsumerGroup {
  readonly groupId: string;
  state: GroupState = GroupState.Empty;
  generationId = 0;
  protocolType: string | null = null;
  protocolName: string | null = null;
  leaderId: string | null = null;
  stateTimestamp: number;
  readonly members = new Map<string, GroupMember>();
  /** Member ids handed out with MEMBER_ID_REQUIRED that have not joined yet, with their expiry timer. */
  readonly pendingMembers = new Map<string, Cancel>();
  /** group.instance.id → current member id (static membership). */
  readonly staticMembers = new Map<string, string>();
  /** topic → partition → committed offset. */
  readonly offsets = new Map<string, Map<number, CommittedOffset>>();
  /** Set while a new member joined during the initial rebalance delay (extends the delay). */
  newMemberAdded = false;
  /** True while an Empty group waits out its initial rebalance delay: joins then never complete early. */
  inInitialDelay = false;
  /** OffsetCommits whose records are being written: the group must not be expired under them. */
  pendingCommits = 0;
  cancelJoinTimer: Cancel | null = null;
  cancelSyncTimer: Cancel | null = null;

  constructor(groupId: string, nowMs: number) {
    this.groupId = groupId;
    this.stateTimestamp = nowMs;
  }

  is(state: GroupState): boolean {
    return this.state === state;
  }

  transitionTo(target: GroupState, nowMs: number): void {
    if (!validPreviousStates[target].includes(this.state)) {
      throw new Error(`group ${this.groupId}: illegal transition ${this.state} → ${target}`);
    }
    this.state = target;
    this.stateTimestamp = nowMs;
  }

  add(member: GroupMember): void {
    if (this.members.size === 0) this.protocolType = member.protocolType;
    this.members.set(member.memberId, member);
    if (member.groupInstanceId !== null) this.staticMembers.set(member.groupInstanceId, member.memberId);
    if (this.leaderId === null) this.leaderId = member.memberId;
  }

  /** Puts `member` in the place of `oldMemberId` (static member restart): same position, leadership kept. */
  replaceMember(oldMemberId: string, member: GroupMember): void {
    const entries = [...this.members].map(([id, m]): [string, GroupMember] =>
      id === oldMemberId ? [member.memberId, member] : [id, m],
    );
    this.members.clear();
    for (const [id, m] of entries) this.members.set(id, m);
    if (member.groupInstanceId !== null) this.staticMembers.set(member.groupInstanceId, member.memberId);
    if (this.leaderId === oldMemberId) this.leaderId = member.memberId;
  }

  remove(memberId: string): GroupMember | undefined {
    const member = this.members.get(memberId);
    if (!member) return undefined;
    this.members.delete(memberId);
    if (member.groupInstanceId !== null && this.staticMembers.get(member.groupInstanceId) === memberId) {
      this.staticMembers.delete(member.groupInstanceId);
    }
    if (this.leaderId === memberId) this.leaderId = this.members.keys().next().value ?? null;
    return member;
  }

  /** The largest rebalance timeout of the members: how long a rebalance may wait for rejoins. */
  rebalanceTimeoutMs(): number {
    let max = 0;
    for (const member of this.members.values()) max = Math.max(max, member.rebalanceTimeoutMs);
    return max;
  }

  allMembersJoined(): boolean {
    if (this.pendingMembers.size > 0) return false;
    for (const member of this.members.values()) if (!member.joinWaiter) return false;
    return true;
  }

  /**
   * Whether a member with these protocols may join or rejoin: same protocol type, and one protocol
   * shared with every other member (`memberId` is left out: a rejoining member may change its own list).
   */
  supportsProtocols(protocolType: string, protocolNames: readonly string[], memberId?: string): boolean {
    if (protocolType.length === 0 || protocolNames.length === 0) return false;
    const others = [...this.members.keys()].filter((id) => id !== memberId);
    if (others.length === 0) return true;
    if (protocolType !== this.protocolType) return false;
    const candidates = this.candidateProtocols(memberId);
    return protocolNames.some((name) => candidates.has(name));
  }

  /** Protocols every member (but `exceptMemberId`) supports. */
  candidateProtocols(exceptMemberId?: string): Set<string> {
    let common: Set<string> | undefined;
    for (const member of this.members.values()) {
      if (member.memberId === exceptMemberId) continue;
      const names = new Set(member.protocols.map((p) => p.name));
      common = common === undefined ? names : new Set([...common].filter((n) => names.has(n)));
    }
    return common ?? new Set();
  }

  /** Kafka's vote: each member votes for its most preferred candidate; most votes wins, ties by first seen. */
  selectProtocol(): string {
    const candidates = this.candidateProtocols();
    const votes = new Map<string, number>();
    for (const member of this.members.values()) {
      const choice = member.protocols.find((p) => candidates.has(p.name));
      if (choice) votes.set(choice.name, (votes.get(choice.name) ?? 0) + 1);
    }
    let best: string | null = null;
    let bestVotes = 0;
    for (const [name, count] of votes) {
      if (count > bestVotes) {
        best = name;
        bestVotes = count;
      }
    }
    if (best === null) throw new Error(`group ${this.groupId}: no protocol shared by all members`);
    return best;
  }

  /** Starts the next generation once joins completed: CompletingRebalance with members, Empty without. */
  initNextGeneration(nowMs: number): void {
    this.generationId += 1;
    if (this.members.size > 0) {
      this.protocolName = this.selectProtocol();
      this.transitionTo(GroupState.CompletingRebalance, nowMs);
    } else {
      this.protocolName = null;
      this.transitionTo(GroupState.Empty, nowMs);
    }
  }

  memberMetadata(member: GroupMember): Buffer {
    return member.protocols.find((p) => p.name === this.protocolName)?.metadata ?? EMPTY;
  }

  /** The JoinGroup answer for `member` in the current generation (only the leader sees the members). */
  joinOutcomeFor(member: GroupMember): JoinOutcome {
    const isLeader = member.memberId === this.leaderId;
    return {
      errorCode: 0,
      generationId: this.generationId,
      protocolType: this.protocolType,
      protocolName: this.protocolName,
      leader: this.leaderId ?? "",
      memberId: member.memberId,
      members: isLeader
        ? [...this.members.values()].map((m) => ({
            memberId: m.memberId,
            groupInstanceId: m.groupInstanceId,
            metadata: this.memberMetadata(m),
          }))
        : [],
    };
  }

  committedOffset(topic: string, partition: number): CommittedOffset | undefined {
    return this.offsets.get(topic)?.get(partition);
  }

  setCommittedOffset(topic: string, partition: number, committed: CommittedOffset | null): void {
    let partitions = this.offsets.get(topic);
    if (committed === null) {
      partitions?.delete(partition);
      if (partitions?.size === 0) this.offsets.delete(topic);
      return;
    }
    if (!partitions) {
      partitions = new Map();
      this.offsets.set(topic, partitions);
    }
    partitions.set(partition, committed);
  }

  hasOffsets(): boolean {
    return this.offsets.size > 0;
  }
}

export function emptyAssignment(): Buffer {
  return EMPTY;
}
