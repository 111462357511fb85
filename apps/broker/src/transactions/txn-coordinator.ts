// Routes each transactional id to its partition of the transaction-state topic (Kafka's rule: the Java
// String.hashCode of the id, made non-negative, modulo the partition count) and serves the transactions of
// every such partition this broker has open. Ownership is the partition's, so it moves like any partition:
// when one opens here its log is replayed into a TxnShard (COORDINATOR_LOAD_IN_PROGRESS meanwhile), which
// then completes the transactions it finds prepared; when it closes the shard answers NOT_COORDINATOR.
import type { ClusterMetadata } from "@cirrus/broker-api";
import { ErrorCode } from "@cirrus/kafka-protocol";
import { type Clock, systemClock } from "../groups/clock.ts";
import { offsetsPartitionFor } from "../groups/group-coordinator.ts";
import type { Partition } from "../partitions/partition.ts";
import { PartitionTxnLog, replayTxnLog } from "./txn-log.ts";
import { type MarkerWriter, TxnShard } from "./txn-shard.ts";

export const TRANSACTION_STATE_TOPIC = "__transaction_state";

/** Kafka's rule, the same as for groups. */
export const txnPartitionFor = offsetsPartitionFor;

export interface TxnCoordinatorDeps {
  readonly partitions: { byName(topic: string, partition: number): Partition | undefined };
  readonly metadata: () => Promise<ClusterMetadata>;
  readonly brokerId: () => number;
  readonly markers: MarkerWriter;
  readonly allocateProducerId: () => bigint | null;
}

export interface TxnCoordinatorOptions {
  readonly clock: Clock;
  readonly maxTimeoutMs: number;
  readonly idExpirationMs: number;
  readonly markerRetryMs: number;
  readonly sweepIntervalMs: number;
  readonly onBackgroundError: (error: unknown) => void;
}

export const defaultTxnCoordinatorOptions: TxnCoordinatorOptions = Object.freeze({
  clock: systemClock,
  // Kafka's transaction.max.timeout.ms and transactional.id.expiration.ms.
  maxTimeoutMs: 900_000,
  idExpirationMs: 7 * 24 * 3600_000,
  markerRetryMs: 500,
  sweepIntervalMs: 1_000,
  onBackgroundError: () => {},
});

interface ShardEntry {
  readonly source: Partition;
  readonly shard: TxnShard;
  readonly loaded: Promise<void>;
  ready: boolean;
}

export class TxnCoordinator {
  readonly #deps: TxnCoordinatorDeps;
  readonly #options: TxnCoordinatorOptions;
  readonly #shards = new Map<number, ShardEntry>();
  #partitionCount = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(deps: TxnCoordinatorDeps, options: Partial<TxnCoordinatorOptions> = {}) {
    this.#deps = deps;
    this.#options = { ...defaultTxnCoordinatorOptions, ...options };
  }

  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(
      () => this.sweep().catch(this.#options.onBackgroundError),
      this.#options.sweepIntervalMs,
    );
    this.#timer.unref();
  }

  close(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    for (const entry of this.#shards.values()) entry.shard.unload();
    this.#shards.clear();
  }

  async partitionCount(): Promise<number> {
    if (this.#partitionCount > 0) return this.#partitionCount;
    const md = await this.#deps.metadata();
    this.#partitionCount = md.topics.find((t) => t.name === TRANSACTION_STATE_TOPIC)?.partitions.length ?? 0;
    return this.#partitionCount;
  }

  /** Loads newly opened partitions, unloads closed ones, aborts timed-out transactions. */
  async sweep(): Promise<void> {
    const count = await this.partitionCount();
    for (let p = 0; p < count; p++) this.#entryFor(p);
    await Promise.all(
      [...this.#shards.values()]
        .filter((e) => e.ready)
        .map((e) => e.shard.expire().catch(this.#options.onBackgroundError)),
    );
  }

  /** The shard serving `transactionalId`, or the Kafka error to answer. */
  async shardFor(transactionalId: string): Promise<TxnShard | number> {
    const count = await this.partitionCount();
    if (count === 0) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    const partition = txnPartitionFor(transactionalId, count);
    const entry = this.#entryFor(partition);
    if (!entry)
      return (await this.#ledHere(partition))
        ? ErrorCode.COORDINATOR_LOAD_IN_PROGRESS
        : ErrorCode.NOT_COORDINATOR;
    if (!entry.ready) return ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
    return entry.shard;
  }

  /** Every shard that serves now (ListTransactions). */
  servingShards(): TxnShard[] {
    return [...this.#shards.values()].filter((e) => e.ready && e.shard.isServing).map((e) => e.shard);
  }

  /** Waits until the shard of `partition` finished loading; false when it is not served here. */
  async whenLoaded(partition: number): Promise<boolean> {
    const entry = this.#entryFor(partition);
    if (!entry) return false;
    await entry.loaded.catch(() => {});
    return this.#shards.get(partition)?.ready ?? false;
  }

  async #ledHere(partition: number): Promise<boolean> {
    const self = this.#deps.brokerId();
    if (self < 0) return false;
    const md = await this.#deps.metadata();
    const topic = md.topics.find((t) => t.name === TRANSACTION_STATE_TOPIC);
    return topic?.partitions.find((p) => p.partition === partition)?.leaderBrokerId === self;
  }

  #entryFor(partition: number): ShardEntry | undefined {
    const source = this.#deps.partitions.byName(TRANSACTION_STATE_TOPIC, partition);
    const entry = this.#shards.get(partition);
    if (entry && (entry.source !== source || entry.source.closed)) {
      entry.shard.unload();
      this.#shards.delete(partition);
    }
    if (!source || source.closed) return undefined;
    return this.#shards.get(partition) ?? this.#load(partition, source);
  }

  #load(partition: number, source: Partition): ShardEntry {
    const { clock } = this.#options;
    const shard = new TxnShard({
      ...this.#options,
      partition,
      coordinatorEpoch: source.leaderEpoch,
      log: new PartitionTxnLog(source, () => clock.now()),
      markers: this.#deps.markers,
      allocateProducerId: this.#deps.allocateProducerId,
    });
    const loaded = replayTxnLog(source, (record) => shard.replay(record)).then(
      () => {
        if (this.#shards.get(partition) !== entry) return;
        entry.ready = true;
        shard.startServing();
      },
      (error: unknown) => {
        if (this.#shards.get(partition) === entry) {
          this.#shards.delete(partition);
          shard.unload();
          this.#options.onBackgroundError(error);
        }
        throw error;
      },
    );
    const entry: ShardEntry = { source, shard, loaded, ready: false };
    loaded.catch(() => {});
    this.#shards.set(partition, entry);
    return entry;
  }
}
