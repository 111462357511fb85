// The groups of one offsets partition, as served by the broker that has that partition open.
// Life cycle: construct → replay(record)* (the partition's log, in order) → startServing() → requests
// → unload() (the partition moved away or the broker stops; every waiter gets NOT_COORDINATOR).

import { ErrorCode } from "@cirrus/kafka-protocol";
import type { Clock } from "./clock.ts";
import { ConsumerGroup, GroupState } from "./consumer-group.ts";
import type { GroupConfig, GroupContext, GroupLog, TxnProducer } from "./group-context.ts";
import {
  deleteGroup,
  deleteOffsets,
  type OffsetDeleteResult,
  type OffsetDeleteTopic,
} from "./group-deletion.ts";
import { GroupMembership } from "./group-membership.ts";
import { GroupOffsets } from "./group-offsets.ts";
import { expireIdleGroups } from "./offset-expiry.ts";
import type { OffsetsLogRecord } from "./offsets-log-record.ts";
import { abandonGroup, scheduleSessionExpiry } from "./rebalance.ts";

export interface DescribedGroup {
  errorCode: number;
  groupId: string;
  groupState: string;
  protocolType: string;
  protocolData: string;
  members: {
    memberId: string;
    groupInstanceId: string | null;
    clientId: string;
    clientHost: string;
    memberMetadata: Buffer;
    memberAssignment: Buffer;
  }[];
}

export interface ListedGroup {
  groupId: string;
  protocolType: string;
  groupState: string;
}

export interface GroupShardOptions {
  readonly partition: number;
  readonly clock: Clock;
  readonly config: GroupConfig;
  readonly log: GroupLog;
  readonly onBackgroundError: (error: unknown) => void;
}

export class GroupShard {
  readonly partition: number;
  readonly membership: GroupMembership;
  readonly offsets: GroupOffsets;
  readonly #ctx: GroupContext;
  #loaded = true;
  #serving = false;

  constructor(opts: GroupShardOptions) {
    this.partition = opts.partition;
    const log = opts.log;
    this.#ctx = {
      groups: new Map(),
      clock: opts.clock,
      config: opts.config,
      // Every plain offset write (commits, tombstones of deletions and expiry) takes its place in the log
      // order that decides between it and a transaction's offset (GroupOffsets.notePlainWrites).
      log: {
        append: (records, txn) => {
          if (!txn) this.offsets.notePlainWrites(records);
          return log.append(records, txn);
        },
        appendTxnMarker: (end, materialized) => log.appendTxnMarker(end, materialized),
      },
      isLoaded: () => this.#loaded,
      onBackgroundError: opts.onBackgroundError,
    };
    this.membership = new GroupMembership(this.#ctx);
    this.offsets = new GroupOffsets(this.#ctx);
  }

  get isServing(): boolean {
    return this.#serving && this.#loaded;
  }

  /**
   * Applies one record of the offsets log. The result depends only on the last record of each key (the
   * group's metadata, each committed offset), never on superseded records or on the order between keys:
   * a compacted log (latest records only, copied in any order, duplicates allowed) replays to the same
   * state. A null value deletes; a group tombstone resets the group to what a fresh group is.
   */
  replay(record: OffsetsLogRecord): void {
    if (this.#serving) throw new Error("replay after the shard started serving");
    const groups = this.#ctx.groups;
    let group = groups.get(record.groupId);
    if (!group) {
      // Idle since "never" until a record says otherwise: retention counts from the stored timestamps.
      group = new ConsumerGroup(record.groupId, 0);
      groups.set(record.groupId, group);
    }
    if (record.kind === "offset") {
      group.setCommittedOffset(record.topic, record.partition, record.value);
      this.offsets.notePlainWrites([record]);
      return;
    }
    group.members.clear();
    group.staticMembers.clear();
    group.leaderId = null;
    const stored = record.value;
    group.generationId = stored?.generationId ?? 0;
    group.protocolType = stored?.protocolType || null;
    group.protocolName = stored?.protocolName ?? null;
    for (const m of stored?.members ?? []) {
      group.add({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        rebalanceTimeoutMs: m.rebalanceTimeoutMs,
        sessionTimeoutMs: m.sessionTimeoutMs,
        protocolType: stored?.protocolType ?? "",
        protocols: [{ name: stored?.protocolName ?? "", metadata: m.subscription }],
        assignment: m.assignment,
        joinWaiter: null,
        syncWaiter: null,
        isNew: false,
        cancelSessionTimer: null,
      });
    }
    group.leaderId = stored?.leader ?? null;
    // Only Empty and Stable generations are ever stored.
    group.state = group.members.size > 0 ? GroupState.Stable : GroupState.Empty;
    group.stateTimestamp = Number(stored?.stateTimestamp ?? 0n);
  }

  /** Replay of a TxnOffsetCommit record of `producer`: pending until the producer's marker. */
  replayTxnOffset(producer: TxnProducer, record: OffsetsLogRecord): void {
    if (this.#serving) throw new Error("replay after the shard started serving");
    this.offsets.replayTxnOffset(producer, record);
  }

  /** Replay of the producer's marker: returns the offset records its commit made current (none on abort). */
  replayTxnEnd(marker: TxnProducer & { readonly committed: boolean }): OffsetsLogRecord[] {
    if (this.#serving) throw new Error("replay after the shard started serving");
    return this.offsets.replayTxnEnd(marker);
  }

  /**
   * Ends replay: groups that hold nothing (no members, offsets or generation) are dropped, and members of
   * loaded groups must heartbeat within their session timeout from now on.
   */
  startServing(): void {
    this.#serving = true;
    for (const group of [...this.#ctx.groups.values()]) {
      if (group.members.size === 0 && !group.hasOffsets() && group.generationId === 0)
        this.#ctx.groups.delete(group.groupId);
    }
    for (const group of this.#ctx.groups.values()) {
      for (const member of group.members.values()) {
        scheduleSessionExpiry(this.#ctx, group, member, member.sessionTimeoutMs);
      }
    }
  }

  /** Deletes Empty groups idle beyond the offsets retention (see offset-expiry.ts); resolves with their ids. */
  expireIdleGroups(nowMs = this.#ctx.clock.now()): Promise<string[]> {
    if (!this.isServing) return Promise.resolve([]);
    return expireIdleGroups(this.#ctx, nowMs, this.#ctx.config.offsetsRetentionMs);
  }

  /** Forgets idle transactional producers' epochs (GroupOffsets.expireProducers); returns how many. */
  expireProducers(nowMs = this.#ctx.clock.now()): number {
    return this.isServing ? this.offsets.expireProducers(nowMs) : 0;
  }

  /** DeleteGroups for one group (see group-deletion.ts): resolves with its Kafka error code. */
  deleteGroup(groupId: string): Promise<number> {
    return deleteGroup(this.#ctx, groupId);
  }

  /** OffsetDelete (see group-deletion.ts). */
  deleteOffsets(groupId: string, topics: readonly OffsetDeleteTopic[]): Promise<OffsetDeleteResult> {
    return deleteOffsets(this.#ctx, groupId, topics);
  }

  unload(): void {
    if (!this.#loaded) return;
    this.#loaded = false;
    for (const group of this.#ctx.groups.values()) {
      abandonGroup(group, ErrorCode.NOT_COORDINATOR);
      group.transitionTo(GroupState.Dead, this.#ctx.clock.now());
    }
    this.#ctx.groups.clear();
  }

  /** The group as it is now, read-only (tests and diagnostics: mutating it bypasses the log). */
  inspect(groupId: string): Readonly<ConsumerGroup> | undefined {
    return this.#ctx.groups.get(groupId);
  }

  /** Ids of the groups held, in creation order. */
  groupIds(): string[] {
    return [...this.#ctx.groups.keys()];
  }

  hasGroup(groupId: string): boolean {
    return this.#ctx.groups.has(groupId);
  }

  describe(groupId: string): DescribedGroup {
    const group = this.#ctx.groups.get(groupId);
    if (!group) {
      return {
        errorCode: 0,
        groupId,
        groupState: GroupState.Dead,
        protocolType: "",
        protocolData: "",
        members: [],
      };
    }
    const stable = group.is(GroupState.Stable);
    return {
      errorCode: 0,
      groupId,
      groupState: group.state,
      protocolType: group.protocolType ?? "",
      protocolData: stable ? (group.protocolName ?? "") : "",
      members: [...group.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        // Kafka shows subscription and assignment only for a Stable group.
        memberMetadata: stable ? group.memberMetadata(m) : Buffer.alloc(0),
        memberAssignment: stable ? m.assignment : Buffer.alloc(0),
      })),
    };
  }

  list(): ListedGroup[] {
    return [...this.#ctx.groups.values()].map((g) => ({
      groupId: g.groupId,
      protocolType: g.protocolType ?? "",
      groupState: g.state,
    }));
  }
}
