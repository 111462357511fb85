// What the membership and offset logic of one offsets partition shares: its groups, clock, limits
// and the log that makes its decisions durable.
import { brokerConfigDefaults } from "../config.ts";
import type { Clock } from "./clock.ts";
import { type ConsumerGroup, GroupState } from "./consumer-group.ts";
import { groupConfigOf } from "./group-config.ts";
import type { OffsetsLogRecord, StoredGroup } from "./offsets-log-record.ts";

export interface GroupConfig {
  /** Kafka's group.min.session.timeout.ms. */
  readonly minSessionTimeoutMs: number;
  /** Kafka's group.max.session.timeout.ms. */
  readonly maxSessionTimeoutMs: number;
  /** Kafka's group.initial.rebalance.delay.ms: an Empty group waits this long for more members. */
  readonly initialRebalanceDelayMs: number;
  /** Kafka's group.max.size. */
  readonly maxGroupSize: number;
  /** How long a new member may wait in a rebalance before it is dropped (Kafka: 5 minutes). */
  readonly newMemberJoinTimeoutMs: number;
  /** Kafka's offset.metadata.max.bytes. */
  readonly offsetMetadataMaxBytes: number;
  /** Kafka's offsets.retention.ms: an Empty group idle this long loses its offsets and metadata. */
  readonly offsetsRetentionMs: number;
  /** Kafka's offsets.retention.check.interval.ms. */
  readonly offsetsRetentionCheckIntervalMs: number;
  /**
   * Kafka's producer.id.expiration.ms for the offsets log's transactional producers: the epoch of a producer
   * with nothing pending here, silent this long, is forgotten (GroupOffsets.expireProducers).
   */
  readonly producerIdleExpiryMs: number;
  /** Offsets-log compaction: never for a stream holding fewer records than this since its start. */
  readonly offsetsCompactionMinRecords: number;
  /** Offsets-log compaction: once this share (percent) of the records since the start is superseded. */
  readonly offsetsCompactionMinSupersededPercent: number;
  /** Offsets-log compaction: records copied per batch (and per event-loop turn). */
  readonly offsetsCompactionBatchRecords: number;
}

/** The group limits of the broker's config defaults (src/config.ts holds the values). */
export const defaultGroupConfig: GroupConfig = groupConfigOf(brokerConfigDefaults);

/** The transactional producer of a TxnOffsetCommit. */
export interface TxnProducer {
  readonly producerId: bigint;
  readonly producerEpoch: number;
}

/** The end of a producer's transaction, as its coordinator's marker says. */
export interface TxnEnd extends TxnProducer {
  readonly committed: boolean;
  readonly coordinatorEpoch: number;
}

/** The durable side of one offsets partition. */
export interface GroupLog {
  /**
   * Appends the records, in order, as one atomic unit; resolves once they are durable (on the WAL).
   * Rejects if the partition was unloaded or the append failed: then none of them may be assumed stored.
   * With `txn` (TxnOffsetCommit) they are one transactional batch of that producer, as Kafka writes them
   * into __consumer_offsets: pending on replay until the producer's marker (appendTxnMarker) follows.
   */
  append(records: readonly OffsetsLogRecord[], txn?: TxnProducer): Promise<void>;
  /**
   * Appends the producer's commit or abort marker (a control batch); resolves once durable, rejects like
   * append. `materialized` are the offset records the commit makes current (none for an abort): from the
   * marker on they are the latest records of their keys.
   */
  appendTxnMarker(end: TxnEnd, materialized: readonly OffsetsLogRecord[]): Promise<void>;
}

export interface GroupContext {
  readonly groups: Map<string, ConsumerGroup>;
  readonly clock: Clock;
  readonly config: GroupConfig;
  readonly log: GroupLog;
  /** False once the partition is unloaded: every answer is then NOT_COORDINATOR. */
  readonly isLoaded: () => boolean;
  /** Failures nobody waits for (e.g. storing an Empty group's new generation). */
  readonly onBackgroundError: (error: unknown) => void;
}

/** The group metadata record of the group as it is now (with `assignments` instead of the current ones). */
export function groupRecord(
  group: ConsumerGroup,
  assignments?: ReadonlyMap<string, Buffer>,
): OffsetsLogRecord {
  const value: StoredGroup = {
    protocolType: group.protocolType ?? "",
    generationId: group.generationId,
    protocolName: group.protocolName,
    leader: group.leaderId,
    stateTimestamp: BigInt(group.stateTimestamp),
    members: [...group.members.values()].map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      rebalanceTimeoutMs: m.rebalanceTimeoutMs,
      sessionTimeoutMs: m.sessionTimeoutMs,
      subscription: group.memberMetadata(m),
      assignment: assignments ? (assignments.get(m.memberId) ?? Buffer.alloc(0)) : m.assignment,
    })),
  };
  return { kind: "group", groupId: group.groupId, value };
}

/** Drops a group that holds nothing worth keeping (no members, offsets, or generation history). */
export function forgetIfUnused(ctx: GroupContext, group: ConsumerGroup): void {
  if (
    group.is(GroupState.Empty) &&
    group.generationId === 0 &&
    group.members.size === 0 &&
    group.pendingMembers.size === 0 &&
    group.pendingCommits === 0 &&
    !group.hasOffsets()
  ) {
    ctx.groups.delete(group.groupId);
  }
}
