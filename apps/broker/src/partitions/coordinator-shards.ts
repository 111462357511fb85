// The shards of a coordinator (groups on the offsets topic, transactions on the transaction-state topic):
// one per partition of its topic open on this broker. A partition that opens here gets a shard loaded from
// its log (COORDINATOR_LOAD_IN_PROGRESS meanwhile); one that closes (moved, broker stopping) or is replaced
// gets its shard unloaded (NOT_COORDINATOR). One lifecycle for both coordinators.
import type { ClusterMetadata } from "@cirrus/broker-api";
import { ErrorCode } from "@cirrus/kafka-protocol";
import type { Partition } from "./partition.ts";

/** A shard being loaded from its partition's log. */
export interface LoadingShard<S> {
  readonly shard: S;
  /** Settles when replay finished (the shard serves) or failed. */
  readonly loaded: Promise<unknown>;
  /** Stops the shard (waiters get NOT_COORDINATOR). Idempotent. */
  unload(): void;
}

export interface CoordinatorShardsDeps<L> {
  readonly topic: string;
  /** Open partitions of this broker (PartitionRegistry). */
  readonly partitions: { byName(topic: string, partition: number): Partition | undefined };
  /** Cluster metadata (cached is fine: the topic's partition count never changes). */
  readonly metadata: () => Promise<ClusterMetadata>;
  /** This broker's id (-1 unknown): a partition led here but not open yet is "loading", not elsewhere. */
  readonly brokerId: () => number;
  /** Starts loading a shard from `source`. */
  readonly load: (partition: number, source: Partition) => L;
  /** A load that failed while its shard was still current (one unloaded meanwhile fails on purpose). */
  readonly onLoadError: (error: unknown) => void;
}

interface Entry<L> {
  readonly source: Partition;
  readonly loading: L;
  readonly loaded: Promise<void>;
  ready: boolean;
}

export class CoordinatorShards<S extends { readonly isServing: boolean }, L extends LoadingShard<S>> {
  readonly #deps: CoordinatorShardsDeps<L>;
  readonly #entries = new Map<number, Entry<L>>();
  #partitionCount = 0;

  constructor(deps: CoordinatorShardsDeps<L>) {
    this.#deps = deps;
  }

  /** The number of the topic's partitions, or 0 while the topic does not exist. */
  async partitionCount(): Promise<number> {
    if (this.#partitionCount > 0) return this.#partitionCount;
    const md = await this.#deps.metadata();
    this.#partitionCount = md.topics.find((t) => t.name === this.#deps.topic)?.partitions.length ?? 0;
    return this.#partitionCount;
  }

  /** Unloads shards whose partition closed here and starts loading newly opened ones. */
  async refresh(): Promise<void> {
    const count = await this.partitionCount();
    for (let p = 0; p < count; p++) this.#entryFor(p);
  }

  /** The loaded shard of `partition`, or the Kafka error to answer. */
  async shardAt(partition: number): Promise<S | number> {
    const entry = this.#entryFor(partition);
    if (!entry)
      return (await this.#ledHere(partition))
        ? ErrorCode.COORDINATOR_LOAD_IN_PROGRESS
        : ErrorCode.NOT_COORDINATOR;
    if (!entry.ready) return ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
    return entry.loading.shard;
  }

  /** Every shard whose load finished. */
  loaded(): L[] {
    return [...this.#entries.values()].filter((e) => e.ready).map((e) => e.loading);
  }

  /** Every shard that serves now. */
  serving(): S[] {
    return this.loaded()
      .map((l) => l.shard)
      .filter((s) => s.isServing);
  }

  /** True while `loading` is the shard of its partition (not unloaded since). */
  isCurrent(loading: L): boolean {
    for (const e of this.#entries.values()) if (e.loading === loading) return true;
    return false;
  }

  /** Waits until the shard of `partition` finished loading; false when it is not served here. */
  async whenLoaded(partition: number): Promise<L | undefined> {
    const entry = this.#entryFor(partition);
    if (!entry) return undefined;
    await entry.loaded.catch(() => {});
    const now = this.#entries.get(partition);
    return now?.ready ? now.loading : undefined;
  }

  /** Unloads every shard. */
  close(): void {
    for (const entry of this.#entries.values()) entry.loading.unload();
    this.#entries.clear();
  }

  async #ledHere(partition: number): Promise<boolean> {
    const self = this.#deps.brokerId();
    if (self < 0) return false;
    const md = await this.#deps.metadata();
    const topic = md.topics.find((t) => t.name === this.#deps.topic);
    return topic?.partitions.find((p) => p.partition === partition)?.leaderBrokerId === self;
  }

  #entryFor(partition: number): Entry<L> | undefined {
    const source = this.#deps.partitions.byName(this.#deps.topic, partition);
    const entry = this.#entries.get(partition);
    if (entry && (entry.source !== source || entry.source.closed)) {
      entry.loading.unload();
      this.#entries.delete(partition);
    }
    if (!source || source.closed) return undefined;
    return this.#entries.get(partition) ?? this.#load(partition, source);
  }

  #load(partition: number, source: Partition): Entry<L> {
    const loading = this.#deps.load(partition, source);
    const loaded = loading.loaded.then(
      () => {
        if (this.#entries.get(partition) === entry) entry.ready = true;
      },
      (error: unknown) => {
        if (this.#entries.get(partition) === entry) {
          this.#entries.delete(partition);
          loading.unload();
          this.#deps.onLoadError(error);
        }
        throw error;
      },
    );
    const entry: Entry<L> = { source, loading, loaded, ready: false };
    loaded.catch(() => {});
    this.#entries.set(partition, entry);
    return entry;
  }
}
