// OffsetCommit and OffsetFetch for the groups of one offsets partition. A commit is answered only
// once its records are durable in the offsets log; the in-memory view changes only after that, so a
// fetch never returns an offset that a coordinator move could lose.

import { ErrorCode } from "@cirrus/kafka-protocol";
import { ConsumerGroup, GroupState } from "./consumer-group.ts";
import { forgetIfUnused, type GroupContext, type TxnEnd, type TxnProducer } from "./group-context.ts";
import type { OffsetsLogRecord } from "./offsets-log-record.ts";
import { scheduleSessionExpiry } from "./rebalance.ts";

export interface OffsetCommitRequest {
  readonly groupId: string;
  /** -1 for a commit from outside group management (a "simple" consumer or an admin tool). */
  readonly generationId: number;
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly topics: readonly {
    readonly name: string;
    readonly partitions: readonly {
      readonly partitionIndex: number;
      readonly committedOffset: bigint;
      readonly committedLeaderEpoch: number;
      readonly committedMetadata: string | null;
    }[];
  }[];
}

export interface TopicPartitionErrors {
  name: string;
  partitions: { partitionIndex: number; errorCode: number }[];
}

export interface FetchedOffsets {
  name: string;
  partitions: {
    partitionIndex: number;
    committedOffset: bigint;
    committedLeaderEpoch: number;
    metadata: string;
    errorCode: number;
  }[];
}

function allWith(req: OffsetCommitRequest, errorCode: number): TopicPartitionErrors[] {
  return req.topics.map((t) => ({
    name: t.name,
    partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })),
  }));
}

/** Kafka's validateOffsetCommit: an error for the whole request, or null. */
function validateCommit(group: ConsumerGroup, req: OffsetCommitRequest): number | null {
  if (group.is(GroupState.Dead)) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
  const claimsMembership = req.generationId >= 0 || req.memberId !== "" || req.groupInstanceId !== null;
  if (!claimsMembership) return group.is(GroupState.Empty) ? null : ErrorCode.UNKNOWN_MEMBER_ID;
  if (req.groupInstanceId !== null) {
    const current = group.staticMembers.get(req.groupInstanceId);
    if (current !== undefined && current !== req.memberId) return ErrorCode.FENCED_INSTANCE_ID;
  }
  if (!group.members.has(req.memberId)) return ErrorCode.UNKNOWN_MEMBER_ID;
  if (req.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
  // The member has its new generation but not its assignment yet: it must finish SyncGroup first.
  if (group.is(GroupState.CompletingRebalance)) return ErrorCode.REBALANCE_IN_PROGRESS;
  return null;
}

type OffsetRecord = Extract<OffsetsLogRecord, { kind: "offset" }>;

/** A staged transactional offset and its place in the offsets log (see GroupOffsets.#written). */
interface PendingOffset {
  readonly record: OffsetRecord;
  readonly seq: number;
}

const offsetKey = (r: { groupId: string; topic: string; partition: number }): string =>
  `${r.groupId}\u0000${r.topic}\u0000${r.partition}`;

export class GroupOffsets {
  readonly #ctx: GroupContext;
  /**
   * TxnOffsetCommit: offsets of open transactions, per producer id, keyed by group/topic/partition. They are
   * in the offsets log already (a transactional batch of the producer, as Kafka writes them), so a replay
   * after a crash or a move finds them pending again; the producer's marker, also written to the log, makes
   * them current (commit) or drops them (abort).
   */
  readonly #pendingTxn = new Map<bigint, Map<string, PendingOffset>>();
  /**
   * Last write wins, in the order of the offsets log (Kafka's GroupMetadata.completePendingTxnOffsetCommit):
   * a transaction's offset becomes current on its commit marker only if no plain write of that partition
   * (OffsetCommit, an offset tombstone) and no other transaction's materialised offset is later in the log.
   * `#seq` numbers writes in log order (replayed records in replay order, live ones at the moment their append
   * takes its offsets, which is synchronous); `#written` holds, per group/topic/partition, the number of its
   * latest plain write or materialised transactional offset. Only writes that can still decide something are
   * kept: those of partitions an open transaction has staged an offset for (`#pendingKeys`), forgotten when
   * the last such transaction ends (a write before a staged offset never beats it).
   */
  #seq = 0;
  readonly #written = new Map<string, number>();
  /** Per group/topic/partition, how many open transactions have staged an offset for it. */
  readonly #pendingKeys = new Map<string, number>();
  /** Producers whose marker is being written: a TxnOffsetCommit meanwhile is refused (retriable). */
  readonly #endingTxn = new Set<bigint>();
  /**
   * The newest epoch of each transactional producer this log has seen (TxnOffsetCommit batches and markers,
   * replayed and live): an older one is a zombie whose transaction was fenced (Kafka's log layer refuses its
   * append with INVALID_PRODUCER_EPOCH), and its late offsets must not wait for the new epoch's marker.
   * `seenAt` is when it was last seen (live: the clock; replayed: the load, as the log's records are not
   * dated here, so a move restarts the idle time and never shortens it). Forgotten by expireProducers, as
   * Kafka's log layer forgets a producer after producer.id.expiration.ms: the map holds the producers of the
   * last expiry period, not every producer this log ever saw.
   */
  readonly #epochs = new Map<bigint, { epoch: number; seenAt: number }>();

  constructor(ctx: GroupContext) {
    this.#ctx = ctx;
  }

  /** The record that commits `p` (OffsetCommit, TxnOffsetCommit), or OFFSET_METADATA_TOO_LARGE. */
  #offsetRecord(
    groupId: string,
    topic: string,
    p: OffsetCommitRequest["topics"][number]["partitions"][number],
    commitTimestamp: bigint,
  ): OffsetRecord | number {
    const metadata = p.committedMetadata ?? "";
    if (Buffer.byteLength(metadata, "utf8") > this.#ctx.config.offsetMetadataMaxBytes) {
      return ErrorCode.OFFSET_METADATA_TOO_LARGE;
    }
    return {
      kind: "offset",
      groupId,
      topic,
      partition: p.partitionIndex,
      value: { offset: p.committedOffset, leaderEpoch: p.committedLeaderEpoch, metadata, commitTimestamp },
    };
  }

  /** Resolves (never rejects) with one error code per requested partition, in request order. */
  async commit(req: OffsetCommitRequest): Promise<TopicPartitionErrors[]> {
    let group = this.#ctx.groups.get(req.groupId);
    if (!group) {
      if (req.generationId >= 0) return allWith(req, ErrorCode.ILLEGAL_GENERATION);
      group = new ConsumerGroup(req.groupId, this.#ctx.clock.now());
      this.#ctx.groups.set(req.groupId, group);
    }
    const invalid = validateCommit(group, req);
    if (invalid !== null) return allWith(req, invalid);
    const member = group.members.get(req.memberId);
    if (member) scheduleSessionExpiry(this.#ctx, group, member, member.sessionTimeoutMs);

    const commitTimestamp = BigInt(this.#ctx.clock.now());
    const records: OffsetRecord[] = [];
    const result = req.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => {
        const record = this.#offsetRecord(req.groupId, t.name, p, commitTimestamp);
        if (typeof record === "number") return { partitionIndex: p.partitionIndex, errorCode: record };
        records.push(record);
        return { partitionIndex: p.partitionIndex, errorCode: ErrorCode.NONE as number };
      }),
    }));
    if (records.length === 0) return result;
    group.pendingCommits++;
    try {
      await this.#ctx.log.append(records);
    } catch {
      const code = this.#ctx.isLoaded() ? ErrorCode.COORDINATOR_NOT_AVAILABLE : ErrorCode.NOT_COORDINATOR;
      for (const t of result)
        for (const p of t.partitions) if (p.errorCode === ErrorCode.NONE) p.errorCode = code;
      group.pendingCommits--;
      forgetIfUnused(this.#ctx, group);
      return result;
    }
    group.pendingCommits--;
    for (const r of records) group.setCommittedOffset(r.topic, r.partition, r.value);
    return result;
  }

  /**
   * TxnOffsetCommit: validates like a commit (membership only when the request claims it, KIP-447), stores
   * the offsets in the log as a transactional batch of the producer and keeps them pending until its
   * transaction ends. Resolves (never rejects) with one error code per partition, once durable.
   */
  async stageTxn(producer: TxnProducer, req: OffsetCommitRequest): Promise<TopicPartitionErrors[]> {
    const group = this.#ctx.groups.get(req.groupId);
    if (group && (req.generationId >= 0 || req.memberId !== "")) {
      const invalid = validateCommit(group, req);
      if (invalid !== null) return allWith(req, invalid);
    } else if (!group && req.generationId >= 0) {
      return allWith(req, ErrorCode.ILLEGAL_GENERATION);
    }
    if (this.#isFenced(producer)) return allWith(req, ErrorCode.INVALID_PRODUCER_EPOCH);
    if (this.#endingTxn.has(producer.producerId)) return allWith(req, ErrorCode.CONCURRENT_TRANSACTIONS);
    const commitTimestamp = BigInt(this.#ctx.clock.now());
    const records: OffsetRecord[] = [];
    const result = req.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => {
        const record = this.#offsetRecord(req.groupId, t.name, p, commitTimestamp);
        if (typeof record === "number") return { partitionIndex: p.partitionIndex, errorCode: record };
        records.push(record);
        return { partitionIndex: p.partitionIndex, errorCode: ErrorCode.NONE as number };
      }),
    }));
    if (records.length === 0) return result;
    // Numbered as the append takes its offsets (synchronously, within the call): see #written.
    const seqs = records.map(() => ++this.#seq);
    try {
      await this.#ctx.log.append(records, producer);
    } catch {
      const code = this.#ctx.isLoaded() ? ErrorCode.COORDINATOR_NOT_AVAILABLE : ErrorCode.NOT_COORDINATOR;
      for (const t of result)
        for (const p of t.partitions) if (p.errorCode === ErrorCode.NONE) p.errorCode = code;
      return result;
    }
    this.#noteEpoch(producer);
    for (const [i, r] of records.entries()) this.#stage(producer, r, seqs[i]!);
    return result;
  }

  /**
   * Plain offset records (OffsetCommit, offset tombstones) taking their place in the offsets log: replayed,
   * or appended (called right before the append takes its offsets). A transaction's offset staged before
   * them no longer becomes current on its commit marker.
   */
  notePlainWrites(records: readonly OffsetsLogRecord[]): void {
    if (this.#pendingKeys.size === 0) return;
    for (const r of records) {
      if (r.kind !== "offset") continue;
      const key = offsetKey(r);
      if (this.#pendingKeys.has(key)) this.#written.set(key, ++this.#seq);
    }
  }

  /** Partitions whose write order is tracked for open transactions (diagnostics: it must not grow without them). */
  get trackedWrites(): number {
    return this.#written.size;
  }

  #stage(producer: TxnProducer, record: OffsetRecord, seq: number): void {
    let pending = this.#pendingTxn.get(producer.producerId);
    if (!pending) {
      pending = new Map();
      this.#pendingTxn.set(producer.producerId, pending);
    }
    const key = offsetKey(record);
    if (!pending.has(key)) this.#pendingKeys.set(key, (this.#pendingKeys.get(key) ?? 0) + 1);
    pending.set(key, { record, seq });
  }

  /** The producer's transaction is over: its partitions no other open transaction staged stop being tracked. */
  #endPending(producerId: bigint, pending: ReadonlyMap<string, PendingOffset>): void {
    if (this.#pendingTxn.get(producerId) === pending) this.#pendingTxn.delete(producerId);
    for (const key of pending.keys()) {
      const left = (this.#pendingKeys.get(key) ?? 1) - 1;
      if (left > 0) this.#pendingKeys.set(key, left);
      else {
        this.#pendingKeys.delete(key);
        this.#written.delete(key);
      }
    }
  }

  /**
   * The producer's pending offsets that its commit makes current: those no later write of their partition
   * superseded. Each one is then the latest write of its partition (until a later one).
   */
  #winners(pending: ReadonlyMap<string, PendingOffset>): PendingOffset[] {
    const winners: PendingOffset[] = [];
    for (const [key, entry] of pending) {
      // >=: a marker whose write failed already claimed its partitions; its retry still wins them.
      if (entry.seq >= (this.#written.get(key) ?? -1)) {
        this.#written.set(key, entry.seq);
        winners.push(entry);
      }
    }
    return winners;
  }

  /** A TxnOffsetCommit record of `producer` read from the log (replay): pending until its marker. */
  replayTxnOffset(producer: TxnProducer, record: OffsetsLogRecord): void {
    this.#noteEpoch(producer);
    if (record.kind !== "offset") return;
    this.#stage(producer, record, ++this.#seq);
  }

  /**
   * The producer's marker read from the log (replay): its pending offsets become the committed ones unless a
   * plain write of their partition came after them in the log (last write wins), or are dropped (abort).
   * Returns the records made current.
   */
  replayTxnEnd(marker: TxnProducer & { readonly committed: boolean }): OffsetRecord[] {
    this.#noteEpoch(marker);
    const pending = this.#pendingTxn.get(marker.producerId);
    if (!pending) return [];
    const records = marker.committed ? this.#winners(pending).map((w) => w.record) : [];
    this.#endPending(marker.producerId, pending);
    // Idle since "never" unless a record says otherwise, as GroupShard.replay creates groups.
    this.#materialize(records, 0);
    return records;
  }

  /** Whether `producerId` has transactional offsets waiting here. */
  hasPendingTxn(producerId: bigint): boolean {
    return this.#pendingTxn.has(producerId);
  }

  /**
   * The producer's transaction ended: its marker is written to the offsets log, then its pending offsets
   * become commits or are dropped. Resolves with a Kafka error code; on a failed write they stay pending
   * (the coordinator retries). A producer with nothing pending here gets NONE and no marker.
   */
  async completeTxn(end: TxnEnd): Promise<number> {
    // A marker of a superseded epoch (the coordinator's decision was overtaken): never applied to newer offsets.
    if (this.#isFenced(end)) return ErrorCode.INVALID_PRODUCER_EPOCH;
    this.#noteEpoch(end);
    const pending = this.#pendingTxn.get(end.producerId);
    if (!pending) return ErrorCode.NONE;
    if (this.#endingTxn.has(end.producerId)) return ErrorCode.CONCURRENT_TRANSACTIONS;
    // Decided as the marker takes its offset (synchronously, within appendTxnMarker): see #written.
    const winners = end.committed ? this.#winners(pending) : [];
    const records = winners.map((w) => w.record);
    this.#endingTxn.add(end.producerId);
    try {
      await this.#ctx.log.appendTxnMarker(end, records);
    } catch {
      return this.#ctx.isLoaded() ? ErrorCode.COORDINATOR_NOT_AVAILABLE : ErrorCode.NOT_COORDINATOR;
    } finally {
      this.#endingTxn.delete(end.producerId);
    }
    // A plain commit appended after the marker (a later write) may have been applied already: it stays.
    const current = winners.filter((w) => this.#written.get(offsetKey(w.record)) === w.seq);
    this.#endPending(end.producerId, pending);
    this.#materialize(
      current.map((w) => w.record),
      this.#ctx.clock.now(),
    );
    return ErrorCode.NONE;
  }

  /**
   * Forgets the epochs of producers silent for longer than producerIdleExpiryMs before `nowMs`, except those
   * with a transaction still open here (staged offsets, or a marker being written): an ongoing transaction is
   * never expired (Kafka's ProducerStateManager.isProducerExpired). Returns how many were forgotten.
   */
  expireProducers(nowMs: number): number {
    let forgotten = 0;
    for (const [producerId, seen] of this.#epochs) {
      if (this.#pendingTxn.has(producerId) || this.#endingTxn.has(producerId)) continue;
      if (nowMs - seen.seenAt <= this.#ctx.config.producerIdleExpiryMs) continue;
      this.#epochs.delete(producerId);
      forgotten++;
    }
    return forgotten;
  }

  /** Transactional producers whose epoch is remembered (diagnostics: bounded by expireProducers). */
  get trackedProducers(): number {
    return this.#epochs.size;
  }

  #isFenced(producer: TxnProducer): boolean {
    const newest = this.#epochs.get(producer.producerId);
    return newest !== undefined && producer.producerEpoch < newest.epoch;
  }

  #noteEpoch(producer: TxnProducer): void {
    const newest = this.#epochs.get(producer.producerId);
    const seenAt = this.#ctx.clock.now();
    if (newest === undefined || producer.producerEpoch > newest.epoch)
      this.#epochs.set(producer.producerId, { epoch: producer.producerEpoch, seenAt });
    else newest.seenAt = Math.max(newest.seenAt, seenAt);
  }

  #materialize(records: readonly OffsetRecord[], createdAt: number): void {
    for (const r of records) {
      let group = this.#ctx.groups.get(r.groupId);
      if (!group) {
        group = new ConsumerGroup(r.groupId, createdAt);
        this.#ctx.groups.set(r.groupId, group);
      }
      group.setCommittedOffset(r.topic, r.partition, r.value);
    }
  }

  /** Whether an open transaction has staged an offset for this group's `topic`-`partition`. */
  #hasPendingOffset(groupId: string, topic: string, partition: number): boolean {
    return this.#pendingKeys.has(offsetKey({ groupId, topic, partition }));
  }

  /**
   * The committed offsets of `topics` (every committed partition when null). A partition without a
   * commit answers offset -1 and no error, as Kafka does. With `requireStable` (OffsetFetch v7+, sent by
   * read_committed consumers, KIP-447) a partition with an offset staged by an open transaction answers
   * UNSTABLE_OFFSET_COMMIT (offset -1) instead, so the consumer retries rather than resume from an offset
   * the transaction is about to replace.
   */
  fetch(
    groupId: string,
    topics: readonly { name: string; partitionIndexes: readonly number[] }[] | null,
    requireStable = false,
  ): FetchedOffsets[] {
    const group = this.#ctx.groups.get(groupId);
    const wanted =
      topics ??
      [...(group?.offsets ?? new Map<string, Map<number, unknown>>())].map(([name, partitions]) => ({
        name,
        partitionIndexes: [...partitions.keys()].sort((a, b) => a - b),
      }));
    return wanted.map((t) => ({
      name: t.name,
      partitions: t.partitionIndexes.map((partitionIndex) => {
        if (requireStable && this.#hasPendingOffset(groupId, t.name, partitionIndex))
          return {
            partitionIndex,
            committedOffset: -1n,
            committedLeaderEpoch: -1,
            metadata: "",
            errorCode: ErrorCode.UNSTABLE_OFFSET_COMMIT as number,
          };
        const committed = group?.committedOffset(t.name, partitionIndex);
        return {
          partitionIndex,
          committedOffset: committed?.offset ?? -1n,
          committedLeaderEpoch: committed?.leaderEpoch ?? -1,
          metadata: committed?.metadata ?? "",
          errorCode: ErrorCode.NONE,
        };
      }),
    }));
  }
}
