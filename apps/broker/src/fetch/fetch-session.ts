// One incremental fetch session (KIP-227): the partitions a client fetches, with what it last asked for
// (offset, size limit, leader epoch) and what it was last told (high watermark, log start offset). An
// incremental request lists only the partitions whose request parameters changed; the response lists only
// the partitions with something new to say. Semantics follow Kafka's FetchSession.scala, which is what the
// clients' FetchSessionHandler implementations are written against.

/** The sessionId of "no session" (Kafka's INVALID_SESSION_ID). */
export const NO_SESSION_ID = 0;
/** A full fetch that asks for a new session (INITIAL_EPOCH). */
export const INITIAL_EPOCH = 0;
/** A full fetch that asks for no session, closing the one named (FINAL_EPOCH). */
export const FINAL_EPOCH = -1;

const maxEpoch = 0x7fffffff;

/** The epoch expected after `epoch`: wraps to 1 (0 means "new session"), stays -1 once final. */
export function nextEpoch(epoch: number): number {
  if (epoch < 0) return FINAL_EPOCH;
  return epoch === maxEpoch ? 1 : epoch + 1;
}

/** What a request says about one partition (the per-partition fields of a Fetch request). */
export interface FetchTarget {
  /** Topic name (Fetch v0-v12); "" when the request names topics by id. */
  readonly topic: string;
  /** Topic id as the wire spells it (32 hex digits, v13+); the zero id before v13. */
  readonly topicId: string;
  readonly partition: number;
  readonly fetchOffset: number;
  readonly partitionMaxBytes: number;
  readonly currentLeaderEpoch: number;
}

/** A partition kept in a session: the last request parameters and the last answered offsets. */
export interface CachedPartition extends FetchTarget {
  /** -1 until answered, and again after an error, so the next answer always includes the partition. */
  highWatermark: number;
  logStartOffset: number;
}

/**
 * Identifies a partition within a session: by topic id when the session was created at v13+, by name
 * before (a session never mixes the two: see FetchSessionCache's FETCH_SESSION_TOPIC_ID_ERROR check).
 */
export function partitionKey(topicKey: string, partition: number): string {
  return `${topicKey}\u0000${partition}`;
}

export function targetKey(target: FetchTarget, usesTopicIds: boolean): string {
  return partitionKey(usesTopicIds ? target.topicId : target.topic, target.partition);
}

/** What a fetch read for one partition, as the session compares it with what it last answered. */
export interface PartitionOutcome {
  readonly errorCode: number;
  readonly bytes: number;
  readonly highWatermark: number;
  readonly logStartOffset: number;
}

export class FetchSession {
  readonly id: number;
  readonly usesTopicIds: boolean;
  readonly creationMs: number;
  lastUsedMs: number;
  /** The epoch the next incremental request must carry. */
  epoch: number;
  /** In fetch order: partitions that returned data move to the end, so each gets its turn at maxBytes. */
  readonly #partitions = new Map<string, CachedPartition>();

  constructor(id: number, usesTopicIds: boolean, nowMs: number) {
    this.id = id;
    this.usesTopicIds = usesTopicIds;
    this.creationMs = nowMs;
    this.lastUsedMs = nowMs;
    this.epoch = nextEpoch(INITIAL_EPOCH);
  }

  get size(): number {
    return this.#partitions.size;
  }

  /** The session's partitions, in the order the next fetch reads them. */
  partitions(): CachedPartition[] {
    return [...this.#partitions.values()];
  }

  /** A partition answered by the full fetch that created the session. */
  addAnswered(target: FetchTarget, answer: PartitionOutcome): void {
    this.#partitions.set(targetKey(target, this.usesTopicIds), {
      ...copyTarget(target),
      highWatermark: answer.errorCode === 0 ? answer.highWatermark : -1,
      logStartOffset: answer.logStartOffset,
    });
  }

  /**
   * Applies an incremental request: listed partitions are added or get their new parameters (a new one
   * has never been answered, so it is in the next response), then forgotten ones are removed — in that
   * order, as Kafka does. Returns how many partitions were forgotten.
   */
  update(
    changed: readonly FetchTarget[],
    forgotten: readonly { topicKey: string; partition: number }[],
  ): number {
    for (const target of changed) {
      const key = targetKey(target, this.usesTopicIds);
      const cached = this.#partitions.get(key);
      if (cached === undefined) {
        this.#partitions.set(key, { ...copyTarget(target), highWatermark: -1, logStartOffset: -1 });
      } else {
        Object.assign(cached, {
          fetchOffset: target.fetchOffset,
          partitionMaxBytes: target.partitionMaxBytes,
          currentLeaderEpoch: target.currentLeaderEpoch,
        });
      }
    }
    let removed = 0;
    for (const f of forgotten) if (this.#partitions.delete(partitionKey(f.topicKey, f.partition))) removed++;
    return removed;
  }

  /**
   * Whether an incremental response must include this partition (new records, a changed high watermark
   * or log start offset, or an error), recording what it is told; a partition that returned records
   * moves to the end of the fetch order. Kafka's CachedPartition.maybeUpdateResponseData.
   */
  mustRespond(target: FetchTarget, answer: PartitionOutcome): boolean {
    const key = targetKey(target, this.usesTopicIds);
    const cached = this.#partitions.get(key);
    if (cached === undefined) return false; // forgotten by a later request while this one waited
    let respond = answer.bytes > 0;
    if (cached.highWatermark !== answer.highWatermark) {
      cached.highWatermark = answer.highWatermark;
      respond = true;
    }
    if (cached.logStartOffset !== answer.logStartOffset) {
      cached.logStartOffset = answer.logStartOffset;
      respond = true;
    }
    if (answer.errorCode !== 0) {
      cached.highWatermark = -1;
      respond = true;
    }
    if (answer.bytes > 0) {
      this.#partitions.delete(key);
      this.#partitions.set(key, cached);
    }
    return respond;
  }
}

function copyTarget(t: FetchTarget): FetchTarget {
  return {
    topic: t.topic,
    topicId: t.topicId,
    partition: t.partition,
    fetchOffset: t.fetchOffset,
    partitionMaxBytes: t.partitionMaxBytes,
    currentLeaderEpoch: t.currentLeaderEpoch,
  };
}
