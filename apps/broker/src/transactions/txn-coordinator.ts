// Routes each transactional id to its partition of the transaction-state topic (Kafka's rule: the Java
// String.hashCode of the id, made non-negative, modulo the partition count) and serves the transactions of
// every such partition this broker has open. Ownership is the partition's, so it moves like any partition:
// when one opens here its log is replayed into a TxnShard (COORDINATOR_LOAD_IN_PROGRESS meanwhile), which
// then completes the transactions it finds prepared; when it closes the shard answers NOT_COORDINATOR.
import type { ClusterMetadata } from "@cirrus/broker-api";
import { ErrorCode } from "@cirrus/kafka-protocol";
import { type Clock, systemClock } from "../groups/clock.ts";
import { offsetsPartitionFor } from "../groups/group-coordinator.ts";
import { CoordinatorShards, type LoadingShard } from "../partitions/coordinator-shards.ts";
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

/** A TxnShard replaying its partition's log; it serves (and completes what it found prepared) once loaded. */
function openTxnShard(
  partition: number,
  source: Partition,
  deps: TxnCoordinatorDeps,
  options: TxnCoordinatorOptions,
): LoadingShard<TxnShard> {
  const shard = new TxnShard({
    ...options,
    partition,
    coordinatorEpoch: source.leaderEpoch,
    log: new PartitionTxnLog(source, () => options.clock.now()),
    markers: deps.markers,
    allocateProducerId: deps.allocateProducerId,
  });
  const loaded = replayTxnLog(source, (record) => shard.replay(record)).then(() => shard.startServing());
  return { shard, loaded, unload: () => shard.unload() };
}

export class TxnCoordinator {
  readonly #options: TxnCoordinatorOptions;
  readonly #shards: CoordinatorShards<TxnShard, LoadingShard<TxnShard>>;
  #timer: NodeJS.Timeout | undefined;

  constructor(deps: TxnCoordinatorDeps, options: Partial<TxnCoordinatorOptions> = {}) {
    this.#options = { ...defaultTxnCoordinatorOptions, ...options };
    this.#shards = new CoordinatorShards({
      topic: TRANSACTION_STATE_TOPIC,
      partitions: deps.partitions,
      metadata: deps.metadata,
      brokerId: deps.brokerId,
      load: (partition, source) => openTxnShard(partition, source, deps, this.#options),
      onLoadError: (error) => this.#options.onBackgroundError(error),
    });
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
    this.#shards.close();
  }

  partitionCount(): Promise<number> {
    return this.#shards.partitionCount();
  }

  /** Loads newly opened partitions, unloads closed ones, aborts timed-out transactions. */
  async sweep(): Promise<void> {
    await this.#shards.refresh();
    await Promise.all(
      this.#shards.loaded().map((l) => l.shard.expire().catch(this.#options.onBackgroundError)),
    );
  }

  /** The shard serving `transactionalId`, or the Kafka error to answer. */
  async shardFor(transactionalId: string): Promise<TxnShard | number> {
    const count = await this.partitionCount();
    if (count === 0) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    return this.#shards.shardAt(txnPartitionFor(transactionalId, count));
  }

  /** Every shard that serves now (ListTransactions). */
  servingShards(): TxnShard[] {
    return this.#shards.serving();
  }

  /** Waits until the shard of `partition` finished loading; false when it is not served here. */
  async whenLoaded(partition: number): Promise<boolean> {
    return (await this.#shards.whenLoaded(partition)) !== undefined;
  }
}
