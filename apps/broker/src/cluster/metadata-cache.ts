// The cluster metadata (brokers, topics, partitions, leaders) as last read from the control plane.
// Kafka clients ask for Metadata often; the cache answers from memory and refreshes at most once per
// `maxAgeMs`, with one request in flight however many clients ask at once.
import type { ClusterMetadata, TopicMetadata } from "@cirrus/broker-api";

export interface MetadataSource {
  metadata(): Promise<ClusterMetadata>;
}

export interface MetadataView {
  readonly metadata: ClusterMetadata;
  readonly topicsByName: ReadonlyMap<string, TopicMetadata>;
  readonly topicsById: ReadonlyMap<string, TopicMetadata>;
}

export class MetadataCache {
  readonly #source: MetadataSource;
  readonly #maxAgeMs: number;
  #view: MetadataView | undefined;
  #fetchedAt = Number.NEGATIVE_INFINITY;
  #inflight: Promise<MetadataView> | undefined;

  constructor(source: MetadataSource, maxAgeMs = 1_000) {
    this.#source = source;
    this.#maxAgeMs = maxAgeMs;
  }

  /** The last view, without waiting (undefined before the first load). */
  get current(): MetadataView | undefined {
    return this.#view;
  }

  /**
   * A view no older than maxAgeMs (or a fresh one with `fresh`). If the refresh fails and an older view
   * exists it is returned (serving slightly stale metadata beats failing every client); otherwise it rejects.
   */
  async get(fresh = false): Promise<MetadataView> {
    if (!fresh && this.#view && performance.now() - this.#fetchedAt < this.#maxAgeMs) return this.#view;
    try {
      return await this.#refresh();
    } catch (error) {
      if (this.#view && !fresh) return this.#view;
      throw error;
    }
  }

  /** Forces the next get() to refresh (assignments changed, a topic was created). */
  invalidate(): void {
    this.#fetchedAt = Number.NEGATIVE_INFINITY;
  }

  #refresh(): Promise<MetadataView> {
    this.#inflight ??= this.#source
      .metadata()
      .then((metadata) => {
        const startedVersion = this.#view?.metadata.version ?? -1;
        // Answers may cross; never step back to an older version.
        if (this.#view && metadata.version < startedVersion) return this.#view;
        const view: MetadataView = {
          metadata,
          topicsByName: new Map(metadata.topics.map((t) => [t.name, t])),
          topicsById: new Map(metadata.topics.map((t) => [t.topicId, t])),
        };
        this.#view = view;
        this.#fetchedAt = performance.now();
        return view;
      })
      .finally(() => {
        this.#inflight = undefined;
      });
    return this.#inflight;
  }
}
