// Routes each group to the partition of the offsets topic that holds it (Kafka's rule: Java
// String.hashCode of the group id, made non-negative, modulo the partition count) and serves the groups
// of every offsets partition this broker has open. Ownership is the partition's, so it comes from the
// control plane like any partition: when one opens here its log is replayed into a GroupShard; when it
// closes (moved, broker stopping) the shard is unloaded and its groups answer NOT_COORDINATOR.
import type { ClusterMetadata } from "@cirrus/broker-api";
import { ErrorCode } from "@cirrus/kafka-protocol";
import type { Partition } from "../partitions/partition.ts";
import { type Clock, systemClock } from "./clock.ts";
import { defaultGroupConfig, type GroupConfig } from "./group-context.ts";
import type { GroupShard } from "./group-shard.ts";
import type { CompactionResult } from "./offsets-log-compactor.ts";
import { type OffsetsShard, openOffsetsShard } from "./offsets-shard.ts";

export const OFFSETS_TOPIC = "__consumer_offsets";

/** Java's String.hashCode over UTF-16 code units, as Kafka computes it for group ids. */
export function javaStringHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

/** Kafka's Utils.abs(groupId.hashCode) % count (Utils.abs maps MIN_VALUE to 0). */
export function offsetsPartitionFor(groupId: string, partitionCount: number): number {
  const h = javaStringHash(groupId);
  return (h === -2147483648 ? 0 : Math.abs(h)) % partitionCount;
}

export interface CoordinatorDeps {
  /** Open partitions of this broker (PartitionRegistry). */
  readonly partitions: { byName(topic: string, partition: number): Partition | undefined };
  /** Cluster metadata (cached is fine: the offsets topic's partition count never changes). */
  readonly metadata: () => Promise<ClusterMetadata>;
  /** This broker's id (-1 unknown): a partition led here but not open yet is "loading", not elsewhere. */
  readonly brokerId?: () => number;
}

export interface GroupCoordinatorOptions {
  readonly clock: Clock;
  readonly config: GroupConfig;
  /** How often open/closed offsets partitions are noticed without a request (ms). */
  readonly sweepIntervalMs: number;
  readonly onBackgroundError: (error: unknown) => void;
}

interface ShardEntry {
  readonly source: Partition;
  readonly opened: OffsetsShard;
  readonly shard: GroupShard;
  /** Settles when replay finished (the shard serves) or failed (the entry is dropped). */
  readonly loaded: Promise<void>;
  ready: boolean;
}

export class GroupCoordinator {
  readonly #deps: CoordinatorDeps;
  readonly #options: GroupCoordinatorOptions;
  readonly #shards = new Map<number, ShardEntry>();
  #partitionCount = 0;
  #lastExpiry = 0;
  #sweepTimer: NodeJS.Timeout | undefined;

  constructor(deps: CoordinatorDeps, options: Partial<GroupCoordinatorOptions> = {}) {
    this.#deps = deps;
    this.#options = {
      clock: systemClock,
      config: defaultGroupConfig,
      sweepIntervalMs: 1_000,
      onBackgroundError: () => {},
      ...options,
    };
  }

  /** Starts noticing opened/closed offsets partitions in the background. */
  start(): void {
    if (this.#sweepTimer) return;
    this.#sweepTimer = setInterval(() => {
      this.sweep().catch(this.#options.onBackgroundError);
    }, this.#options.sweepIntervalMs);
    this.#sweepTimer.unref();
  }

  /** Stops the sweep and unloads every shard (waiters get NOT_COORDINATOR). */
  close(): void {
    clearInterval(this.#sweepTimer);
    this.#sweepTimer = undefined;
    for (const entry of this.#shards.values()) entry.opened.unload();
    this.#shards.clear();
  }

  /** The number of offsets-topic partitions, or 0 while the topic does not exist. */
  async partitionCount(): Promise<number> {
    if (this.#partitionCount > 0) return this.#partitionCount;
    const md = await this.#deps.metadata();
    this.#partitionCount = md.topics.find((t) => t.name === OFFSETS_TOPIC)?.partitions.length ?? 0;
    return this.#partitionCount;
  }

  /** Unloads shards whose partition closed here and starts loading newly opened ones. */
  async refreshShards(): Promise<void> {
    const count = await this.partitionCount();
    for (let p = 0; p < count; p++) this.#entryFor(p);
  }

  /**
   * refreshShards; starts a compaction of every serving shard whose offsets log is due for one (not
   * awaited: it runs in bounded steps while the shard serves); and every offsetsRetentionCheckIntervalMs
   * the deletion of groups idle beyond retention.
   */
  async sweep(): Promise<void> {
    await this.refreshShards();
    for (const entry of this.#shards.values()) {
      if (!entry.ready) continue;
      entry.opened.compactor.compactIfDue()?.catch((error: unknown) => {
        // A shard unloaded meanwhile stops its compaction on purpose; anything else is worth reporting.
        if (this.#shards.get(entry.shard.partition) === entry) this.#options.onBackgroundError(error);
      });
    }
    const now = this.#options.clock.now();
    if (now - this.#lastExpiry >= this.#options.config.offsetsRetentionCheckIntervalMs) {
      this.#lastExpiry = now;
      await Promise.all(
        this.servingShards().map((s) => s.expireIdleGroups(now).catch(this.#options.onBackgroundError)),
      );
    }
  }

  /**
   * The shard serving `groupId`, or the Kafka error to answer: NOT_COORDINATOR (another broker owns the
   * group's partition), COORDINATOR_LOAD_IN_PROGRESS (replaying its log), COORDINATOR_NOT_AVAILABLE (no
   * offsets topic yet).
   */
  async shardFor(groupId: string): Promise<GroupShard | number> {
    const count = await this.partitionCount();
    if (count === 0) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    const partition = offsetsPartitionFor(groupId, count);
    const entry = this.#entryFor(partition);
    if (!entry)
      return (await this.#ledHere(partition))
        ? ErrorCode.COORDINATOR_LOAD_IN_PROGRESS
        : ErrorCode.NOT_COORDINATOR;
    if (!entry.ready) return ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
    return entry.shard;
  }

  /** Whether metadata names this broker as leader of an offsets partition (assigned, about to open). */
  async #ledHere(partition: number): Promise<boolean> {
    const self = this.#deps.brokerId?.() ?? -1;
    if (self < 0) return false;
    const md = await this.#deps.metadata();
    const topic = md.topics.find((t) => t.name === OFFSETS_TOPIC);
    return topic?.partitions.find((p) => p.partition === partition)?.leaderBrokerId === self;
  }

  /** Waits until the shard of `partition` finished loading (tests, and shutdown ordering). */
  async whenLoaded(partition: number): Promise<boolean> {
    const entry = this.#entryFor(partition);
    if (!entry) return false;
    await entry.loaded.catch(() => {});
    return this.#shards.get(partition)?.ready ?? false;
  }

  /**
   * Compacts the offsets log of `partition` now (or joins the run in progress); undefined when the
   * partition is not served here. Rejects as OffsetsLogCompactor.compact does.
   */
  async compactNow(partition: number): Promise<CompactionResult | undefined> {
    if (!(await this.whenLoaded(partition))) return undefined;
    return this.#shards.get(partition)?.opened.compactor.compact();
  }

  /** Every shard that serves now (ListGroups). */
  servingShards(): GroupShard[] {
    return [...this.#shards.values()].filter((e) => e.ready && e.shard.isServing).map((e) => e.shard);
  }

  #entryFor(partitionIndex: number): ShardEntry | undefined {
    const source = this.#deps.partitions.byName(OFFSETS_TOPIC, partitionIndex);
    const entry = this.#shards.get(partitionIndex);
    if (entry && (entry.source !== source || entry.source.closed)) {
      entry.opened.unload();
      this.#shards.delete(partitionIndex);
    }
    if (!source || source.closed) return undefined;
    return this.#shards.get(partitionIndex) ?? this.#load(partitionIndex, source);
  }

  #load(partitionIndex: number, source: Partition): ShardEntry {
    const opened = openOffsetsShard(source, { partitionIndex, ...this.#options });
    const loaded = opened.loaded.then(
      () => {
        if (this.#shards.get(partitionIndex) !== entry) return;
        entry.ready = true;
      },
      (error: unknown) => {
        // A shard unloaded while replaying (moved again, closing) fails on purpose: nothing to report.
        if (this.#shards.get(partitionIndex) === entry) {
          this.#shards.delete(partitionIndex);
          this.#options.onBackgroundError(error);
        }
        throw error;
      },
    );
    const entry: ShardEntry = { source, opened, shard: opened.shard, loaded, ready: false };
    loaded.catch(() => {});
    this.#shards.set(partitionIndex, entry);
    return entry;
  }
}
