// Routes each group to the partition of the offsets topic that holds it (Kafka's rule: Java
// String.hashCode of the group id, made non-negative, modulo the partition count) and serves the groups
// of every offsets partition this broker has open. Ownership is the partition's, so it comes from the
// control plane like any partition: when one opens here its log is replayed into a GroupShard; when it
// closes (moved, broker stopping) the shard is unloaded and its groups answer NOT_COORDINATOR.
import type { ClusterMetadata } from "@cirrus/broker-api";
import { ErrorCode } from "@cirrus/kafka-protocol";
import { CoordinatorShards } from "../partitions/coordinator-shards.ts";
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

export class GroupCoordinator {
  readonly #options: GroupCoordinatorOptions;
  readonly #shards: CoordinatorShards<GroupShard, OffsetsShard>;
  #lastExpiry = 0;
  #sweepTimer: NodeJS.Timeout | undefined;

  constructor(deps: CoordinatorDeps, options: Partial<GroupCoordinatorOptions> = {}) {
    this.#options = {
      clock: systemClock,
      config: defaultGroupConfig,
      sweepIntervalMs: 1_000,
      onBackgroundError: () => {},
      ...options,
    };
    this.#shards = new CoordinatorShards({
      topic: OFFSETS_TOPIC,
      partitions: deps.partitions,
      metadata: deps.metadata,
      brokerId: deps.brokerId ?? (() => -1),
      load: (partitionIndex, source) => openOffsetsShard(source, { partitionIndex, ...this.#options }),
      onLoadError: (error) => this.#options.onBackgroundError(error),
    });
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
    this.#shards.close();
  }

  /** The number of offsets-topic partitions, or 0 while the topic does not exist. */
  partitionCount(): Promise<number> {
    return this.#shards.partitionCount();
  }

  /** Unloads shards whose partition closed here and starts loading newly opened ones. */
  refreshShards(): Promise<void> {
    return this.#shards.refresh();
  }

  /**
   * refreshShards; starts a compaction of every serving shard whose offsets log is due for one (not
   * awaited: it runs in bounded steps while the shard serves); and every offsetsRetentionCheckIntervalMs
   * the deletion of groups idle beyond retention and of idle transactional producers' epochs.
   */
  async sweep(): Promise<void> {
    await this.refreshShards();
    for (const opened of this.#shards.loaded()) {
      opened.compactor.compactIfDue()?.catch((error: unknown) => {
        // A shard unloaded meanwhile stops its compaction on purpose; anything else is worth reporting.
        if (this.#shards.isCurrent(opened)) this.#options.onBackgroundError(error);
      });
    }
    const now = this.#options.clock.now();
    if (now - this.#lastExpiry >= this.#options.config.offsetsRetentionCheckIntervalMs) {
      this.#lastExpiry = now;
      for (const s of this.servingShards()) s.expireProducers(now);
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
    return this.#shards.shardAt(offsetsPartitionFor(groupId, count));
  }

  /** Waits until the shard of `partition` finished loading (tests, and shutdown ordering). */
  async whenLoaded(partition: number): Promise<boolean> {
    return (await this.#shards.whenLoaded(partition)) !== undefined;
  }

  /**
   * Compacts the offsets log of `partition` now (or joins the run in progress); undefined when the
   * partition is not served here. Rejects as OffsetsLogCompactor.compact does.
   */
  async compactNow(partition: number): Promise<CompactionResult | undefined> {
    return (await this.#shards.whenLoaded(partition))?.compactor.compact();
  }

  /** Every shard that serves now (ListGroups). */
  servingShards(): GroupShard[] {
    return this.#shards.serving();
  }
}
