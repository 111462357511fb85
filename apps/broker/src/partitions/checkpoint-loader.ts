// Opening a partition from its newest usable checkpoint: list the stream's checkpoints, newest first, and take
// the first one that (1) lies at or below the stream's end, (2) decodes (magic, version, CRC), (3) belongs to
// this stream, and (4) names a last batch whose CRC matches the batch stored at that offset, i.e. it was made
// from this very log. Anything else is skipped with a report, and when nothing is usable the caller scans the
// whole log: a checkpoint can only make opening faster, never make it fail.
// The transactions a checkpoint carries are used when they are exactly what a scan from the log start sees
// (producers/txn-log-state.ts); when they are not (a version 1 checkpoint without them, or a transaction that
// straddles a log start that moved since), they alone are rebuilt by scanning the log up to the checkpoint.
import { readRecordBatchHeader, splitRecordBatches } from "@cirrus/kafka-protocol";
import { CoordinatorError, CoordinatorErrorCode } from "../errors.ts";
import type { PartitionProducerStateOptions } from "../producers/partition-producer-state.ts";
import { type Checkpoint, decodeCheckpoint } from "./checkpoint-codec.ts";
import type { CheckpointStore } from "./checkpoint-store.ts";
import { contiguousRecords } from "./contiguous-records.ts";
import { type LogRecord, PartitionLogState } from "./partition-log-state.ts";

/** The part of a partition that checkpoints read. */
export interface CheckpointedLog {
  readonly streamId: number;
  readonly leaderEpoch: number;
  readonly logStartOffset: number;
  /** One past the last durable offset: checkpoints and replays never go beyond it. */
  readonly highWatermark: number;
  /** Stored records overlapping [offset, endOffset), at most about maxBytes (at least one when any). */
  readRecords(offset: number, endOffset: number, maxBytes: number): Promise<readonly LogRecord[]>;
}

export type LogStateOptions = PartitionProducerStateOptions & { readonly granuleBytes: number };

/** Options of a load: the log state's, and the bytes per read when transactions must be rescanned. */
export type LoadOptions = LogStateOptions & { readonly readBytes: number };

export interface LoadedCheckpoint {
  readonly state: PartitionLogState;
  /** Offset of the checkpoint used; undefined: none was usable (state starts empty at the log start). */
  readonly checkpointOffset: number | undefined;
  /** Stored checkpoints beyond the stream's end: never valid for this log (a fenced writer's), to delete. */
  readonly beyondEnd: number[];
  /**
   * Offsets scanned from the log start to rebuild the transactions of the checkpoint used (0: it carried
   * them exactly); undefined when no checkpoint was used (the whole replay rebuilds them).
   */
  readonly txnScannedOffsets: number | undefined;
}

/**
 * The state to replay the tail onto. Never rejects: store failures and bad checkpoints are reported through
 * `onError` and end in an empty state at the log start.
 */
export async function loadNewestCheckpoint(
  store: CheckpointStore | undefined,
  log: CheckpointedLog,
  options: LoadOptions,
  onError: (message: string, error?: unknown) => void,
): Promise<LoadedCheckpoint> {
  const end = log.highWatermark;
  const logStart = log.logStartOffset;
  const fresh = () => PartitionLogState.empty(logStart, options);
  const none = (beyondEnd: number[]) => ({
    state: fresh(),
    checkpointOffset: undefined,
    beyondEnd,
    txnScannedOffsets: undefined,
  });
  if (!store) return none([]);
  let offsets: number[];
  try {
    offsets = await store.list(log.streamId);
  } catch (error) {
    onError(`listing checkpoints of stream ${log.streamId} failed; scanning the log`, error);
    return none([]);
  }
  const beyondEnd = offsets.filter((o) => o > end);
  for (const offset of offsets.filter((o) => o <= end).reverse()) {
    // Everything a checkpoint at or below the log start holds was trimmed away: the scan starts there anyway.
    if (offset <= logStart) break;
    try {
      const checkpoint = decodeCheckpoint(await store.get(log.streamId, offset));
      await verify(checkpoint, log, offset);
      const state = PartitionLogState.fromCheckpoint(checkpoint, options);
      let txnScannedOffsets = 0;
      if (!state.forgetBelow(logStart)) {
        state.replaceTxns(await scanTxns(log, logStart, offset, options));
        txnScannedOffsets = offset - logStart;
      }
      return { state, checkpointOffset: offset, beyondEnd, txnScannedOffsets };
    } catch (error) {
      onError(`checkpoint ${offset} of stream ${log.streamId} is not usable; trying an older one`, error);
    }
  }
  return none(beyondEnd);
}

/** The transactions of the log in [from, end), folded by the same code that follows the log. */
async function scanTxns(log: CheckpointedLog, from: number, end: number, options: LoadOptions) {
  const scan = PartitionLogState.empty(from, options);
  for await (const records of contiguousRecords(log, from, end, options.readBytes)) {
    for (const record of records) scan.apply(record);
  }
  return scan.txns;
}

async function verify(checkpoint: Checkpoint, log: CheckpointedLog, offset: number): Promise<void> {
  if (checkpoint.streamId !== log.streamId || checkpoint.offset !== offset) {
    throw mismatch(
      `holds stream ${checkpoint.streamId} at ${checkpoint.offset}, not ${log.streamId} at ${offset}`,
    );
  }
  const last = checkpoint.lastBatch;
  if (!last) throw mismatch("names no last batch although it covers offsets");
  const records = await log.readRecords(Math.max(last.baseOffset, log.logStartOffset), offset, 1);
  const record = records.find(
    (r) => r.baseOffset <= last.baseOffset && last.baseOffset < r.baseOffset + r.count,
  );
  const stored = record
    ? splitRecordBatches(record.payload)
        .map((b) => readRecordBatchHeader(b))
        .find((h) => Number(h.baseOffset) === last.baseOffset)
    : undefined;
  if (!stored || stored.crc !== last.crc) {
    throw mismatch(`its last batch (offset ${last.baseOffset}) is not the one stored there`);
  }
}

function mismatch(message: string): CoordinatorError {
  return new CoordinatorError(CoordinatorErrorCode.CHECKPOINT_CORRUPT, `checkpoint ${message}`);
}
