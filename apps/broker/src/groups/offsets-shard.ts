// Opening one offsets partition as a coordinator shard: the GroupShard that serves its groups, the log
// that writes to its stream, the index of the latest record per key, and the compactor that keeps the
// stream (and so the replay of the next move) bounded. The coordinator, the tests and the benchmark all
// open shards this way.
import { CoordinatorError, CoordinatorErrorCode } from "../errors.ts";
import type { Clock } from "./clock.ts";
import type { GroupConfig } from "./group-context.ts";
import { GroupShard } from "./group-shard.ts";
import { type OffsetsPartition, PartitionGroupLog, replayOffsetsLog } from "./offsets-log.ts";
import { OffsetsLogCompactor } from "./offsets-log-compactor.ts";
import { OffsetsLogIndex } from "./offsets-log-index.ts";

export interface OffsetsShardOptions {
  readonly partitionIndex: number;
  readonly clock: Clock;
  readonly config: GroupConfig;
  readonly onBackgroundError: (error: unknown) => void;
}

export interface OffsetsShard {
  readonly shard: GroupShard;
  readonly log: PartitionGroupLog;
  readonly index: OffsetsLogIndex;
  readonly compactor: OffsetsLogCompactor;
  /**
   * Settles once the stream was replayed and the shard serves (with the number of records replayed), or
   * rejects with CoordinatorError (LOG_RECORD_CORRUPT, PARTITION_UNLOADED when unload() came first) or the
   * read's error; the shard is then unloaded.
   */
  readonly loaded: Promise<number>;
  /** Stops compaction and unloads the shard (waiters get NOT_COORDINATOR). Idempotent. */
  unload(): void;
}

/** Starts replaying `source` into a new shard; serve it once `loaded` resolves. */
export function openOffsetsShard(source: OffsetsPartition, options: OffsetsShardOptions): OffsetsShard {
  const { clock, config, onBackgroundError } = options;
  const index = new OffsetsLogIndex();
  const log = new PartitionGroupLog(source, () => clock.now(), index);
  const shard = new GroupShard({
    partition: options.partitionIndex,
    clock,
    config,
    log,
    onBackgroundError,
  });
  const compactor = new OffsetsLogCompactor(source, log, index, {
    minRecords: config.offsetsCompactionMinRecords,
    minSupersededPercent: config.offsetsCompactionMinSupersededPercent,
    batchRecords: config.offsetsCompactionBatchRecords,
  });
  let unloaded = false;
  const unload = () => {
    unloaded = true;
    compactor.stop();
    shard.unload();
  };
  const unloadedError = () =>
    new CoordinatorError(CoordinatorErrorCode.PARTITION_UNLOADED, "offsets partition unloaded during replay");
  const loaded = replayOffsetsLog(
    source,
    (record, offset, txn) => {
      if (unloaded) throw unloadedError();
      if (txn === null) {
        shard.replay(record);
        index.note(record, offset);
      } else {
        shard.replayTxnOffset(txn, record);
        index.openTxn(txn.producerId, offset, [record]);
      }
    },
    (marker, offset) => {
      if (unloaded) throw unloadedError();
      for (const record of shard.replayTxnEnd(marker)) index.note(record, offset);
      index.endTxn(marker.producerId);
    },
  ).then(
    (count) => {
      if (unloaded) throw unloadedError();
      shard.startServing();
      return count;
    },
    (error: unknown) => {
      unload();
      throw error;
    },
  );
  return { shard, log, index, compactor, loaded, unload };
}
