// The cluster metadata (brokers, topics, partitions, leaders) as last read from the control plane.
// Kafka clients ask for Metadata often; the cache answers from memory and refreshes at most once per
// `maxAgeMs`, with one request in flight however many clients ask at once. While the control plane is slow
// or away, a client waits at most `staleWaitMs` before it gets the last view it had: a broker keeps serving
// what it has during a control-plane outage (its clients' own timeouts are a few seconds).
import type { ClusterMetadata, SuccessorWait, TopicMetadata } from "@cirrus/broker-api";

export interface MetadataSource {
  /** The cluster metadata; with `successors`, read once those streams are announced as led elsewhere. */
  metadata(successors?: SuccessorWait): Promise<ClusterMetadata>;
}

export interface MetadataView {
  readonly metadata: ClusterMetadata;
  readonly topicsByName: ReadonlyMap<string, TopicMetadata>;
  readonly topicsById: ReadonlyMap<string, TopicMetadata>;
}

export class MetadataCache {
  readonly #source: MetadataSource;
  readonly #maxAgeMs: number;
  readonly #staleWaitMs: number;
  #view: MetadataView | undefined;
  #fetchedAt = Number.NEGATIVE_INFINITY;
  #peekRefreshAt = Number.NEGATIVE_INFINITY;
  #inflight: Promise<MetadataView> | undefined;
  /** Per stream this broker handed off: the wait for its successor to be announced (awaitSuccessors). */
  readonly #successors = new Map<number, Promise<void>>();
  readonly #closed = new AbortController();
  /** Milliseconds on a monotonic clock (tests pass their own). */
  readonly #now: () => number;

  constructor(
    source: MetadataSource,
    maxAgeMs = 1_000,
    staleWaitMs = 500,
    now: () => number = () => performance.now(),
  ) {
    this.#source = source;
    this.#maxAgeMs = maxAgeMs;
    this.#staleWaitMs = staleWaitMs;
    this.#now = now;
  }

  /** The last view, without waiting (undefined before the first load). */
  get current(): MetadataView | undefined {
    return this.#view;
  }

  /**
   * The last view without waiting; when it is older than maxAgeMs a refresh starts in the background (at most
   * one per maxAgeMs, so a control plane that is away is not asked on every call).
   */
  peek(): MetadataView | undefined {
    const now = this.#now();
    if (now - this.#fetchedAt >= this.#maxAgeMs && now - this.#peekRefreshAt >= this.#maxAgeMs) {
      this.#peekRefreshAt = now;
      this.#refresh().catch(() => {});
    }
    return this.#view;
  }

  /**
   * A view no older than maxAgeMs (or a fresh one with `fresh`). If the refresh fails, or takes longer than
   * staleWaitMs, and an older view exists, that one is returned (serving stale metadata beats failing every
   * client; the refresh goes on in the background); otherwise it waits for the refresh or rejects.
   * With `fresh` and `waitAtMostStaleWait`, a refresh is forced but the stale view still answers after
   * staleWaitMs.
   */
  async get(fresh = false, { waitAtMostStaleWait = false } = {}): Promise<MetadataView> {
    if (!fresh && this.#view && this.#now() - this.#fetchedAt < this.#maxAgeMs) return this.#view;
    const refresh = this.#refresh();
    const stale = this.#view;
    // `waitAtMostStaleWait`: a fresh view wanted, but not at the price of hanging on a control plane that is away.
    if ((fresh && !waitAtMostStaleWait) || !stale) return refresh;
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<MetadataView>((resolve) => {
      timer = setTimeout(() => resolve(stale), this.#staleWaitMs);
    });
    try {
      return await Promise.race([refresh.catch(() => stale), waited]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Announces this broker, in the cached view and without a read, as the leader of partitions it has just
   * opened, each at the leader epoch it opened it with: once the opens are recorded the control plane
   * announces exactly that (a leader that opened its stream at the partition's leader epoch), so the broker
   * that now leads answers Metadata with itself at once instead of first reading the change back. The view's
   * age stays what it was (the rest of it is no fresher). A partition the view already has at a newer epoch is
   * left as it is (a later leader was named since). Returns false and changes nothing when a partition is
   * not in the view (a topic or partition added since): the caller refreshes then.
   */
  announceOpened(
    brokerId: number,
    opened: readonly { topicId: string; partition: number; leaderEpoch: number }[],
  ): boolean {
    const view = this.#view;
    if (!view) return false;
    const epochs = new Map(opened.map((o) => [`${o.topicId}:${o.partition}`, o.leaderEpoch]));
    let found = 0;
    const topics = view.metadata.topics.map((topic) => {
      if (!opened.some((o) => o.topicId === topic.topicId)) return topic;
      return {
        ...topic,
        partitions: topic.partitions.map((p) => {
          const epoch = epochs.get(`${topic.topicId}:${p.partition}`);
          if (epoch === undefined) return p;
          found++;
          // A view at a newer epoch already knows a later leader (the partition moved on): it stays; announcing
          // this broker at that epoch would name a leader the epoch does not belong to.
          if (p.leaderEpoch > epoch) return p;
          return { ...p, leaderBrokerId: brokerId, leaderEpoch: epoch };
        }),
      };
    });
    if (found < epochs.size) return false;
    this.#view = viewOf({ ...view.metadata, topics });
    return true;
  }

  /**
   * This broker (`brokerId`) is taking these streams' partitions out of service (a move's source): reads the
   * metadata as soon as the control plane announces another leader for each of them (it holds the read until
   * their targets opened them, at most `waitMs`) and keeps that view, so that the clients this broker now
   * refuses are sent to the new leader by their next Metadata, without a read of their own. Until then
   * `successorOf` gives the wait (it never rejects: a failed read leaves the ordinary refreshes to it).
   */
  awaitSuccessors(brokerId: number, streamIds: readonly number[], waitMs: number): Promise<void> {
    const wait = this.#source
      .metadata({ movedFrom: brokerId, streamIds, waitMs, signal: this.#closed.signal })
      .then((metadata) => {
        this.#install(metadata);
      })
      .catch(() => {})
      .finally(() => {
        for (const id of streamIds) if (this.#successors.get(id) === wait) this.#successors.delete(id);
      });
    for (const id of streamIds) this.#successors.set(id, wait);
    return wait;
  }

  /** The running awaitSuccessors wait of this stream, if any. */
  successorOf(streamId: number): Promise<void> | undefined {
    return this.#successors.get(streamId);
  }

  /** Gives up the successor waits (the broker stops). */
  close(): void {
    this.#closed.abort();
  }

  /** Forces the next get() to refresh (assignments changed, a topic was created). */
  invalidate(): void {
    this.#fetchedAt = Number.NEGATIVE_INFINITY;
  }

  #refresh(): Promise<MetadataView> {
    this.#inflight ??= this.#source
      .metadata()
      .then((metadata) => this.#install(metadata))
      .finally(() => {
        this.#inflight = undefined;
      });
    return this.#inflight;
  }

  /** Keeps a view just read, unless the one kept is of a newer version (answers may cross). */
  #install(metadata: ClusterMetadata): MetadataView {
    if (this.#view && metadata.version < this.#view.metadata.version) return this.#view;
    const view = viewOf(metadata);
    this.#view = view;
    this.#fetchedAt = this.#now();
    return view;
  }
}

/** A view of `metadata`, with its topics indexed by name and by id. */
export function viewOf(metadata: ClusterMetadata): MetadataView {
  return {
    metadata,
    topicsByName: new Map(metadata.topics.map((t) => [t.name, t])),
    topicsById: new Map(metadata.topics.map((t) => [t.topicId, t])),
  };
}
