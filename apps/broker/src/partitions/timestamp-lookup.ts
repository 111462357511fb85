// ListOffsets by timestamp and MAX_TIMESTAMP on a time index: the index narrows the search to a granule, and
// only that granule is read. By timestamp, the stored append whose max timestamp reaches the target is then
// opened and its Kafka records read, as Kafka's fetchOffsetByTimestamp does: the answer is the first record
// at or after the timestamp, not the batch's first offset. Answers are exactly those of a scan of the whole log from its start (first
// record whose timestamp reaches the target; the largest timestamp, first record on ties; offsets clamped to
// the log start), as the property tests check.
import { iterateRecords, readRecordBatchSummary, splitRecordBatches } from "@cirrus/kafka-protocol";
import type { CheckpointedLog } from "./checkpoint-loader.ts";
import { contiguousRecords } from "./contiguous-records.ts";
import { MAX_STATE_TIMESTAMP } from "./state-timestamp.ts";
import type { ScanRange, TimeIndex } from "./time-index.ts";

export interface TimestampAndOffset {
  readonly offset: number;
  readonly timestamp: number;
}

const NOT_FOUND: TimestampAndOffset = { offset: -1, timestamp: -1 };
const READ_BYTES = 1024 * 1024;

/** The first record at or after the log start with timestamp >= `timestamp`, or offset -1. */
export async function offsetForTimestamp(
  index: TimeIndex,
  log: CheckpointedLog,
  timestamp: number,
): Promise<TimestampAndOffset> {
  const logStart = log.logStartOffset;
  // Stream times stop at the state's bound (state-timestamp.ts); past it only the Kafka records can tell.
  const streamTarget = Math.min(timestamp, MAX_STATE_TIMESTAMP);
  for (const range of index.candidates(timestamp, logStart)) {
    let found: TimestampAndOffset | null | undefined;
    await scan(log, range, (r) => {
      if (r.timestamp < streamTarget) return true;
      found = firstRecordAtOrAfter(r.payload, timestamp, logStart);
      // Only records below the log start reached it (retention cut into this append): look further.
      if (found === null) return true;
      found ??= { offset: Math.max(r.baseOffset, logStart), timestamp: r.timestamp };
      return false;
    });
    if (found) return found;
  }
  return NOT_FOUND;
}

/** The record with the largest timestamp at or after the log start (the first on ties), or offset -1. */
export async function maxTimestampOffset(
  index: TimeIndex,
  log: CheckpointedLog,
): Promise<TimestampAndOffset> {
  const logStart = log.logStartOffset;
  const { best, scan: partial } = index.max(logStart);
  let head: TimestampAndOffset | undefined;
  if (partial) {
    await scan(log, partial, (r) => {
      if (!head || r.timestamp > head.timestamp) {
        head = { offset: Math.max(r.baseOffset, logStart), timestamp: r.timestamp };
      }
      return true;
    });
  }
  // The partially trimmed granule comes before every other one, so it wins ties.
  let found = head && (!best || head.timestamp >= best.timestamp) ? head : best;
  if (found && found.timestamp >= MAX_STATE_TIMESTAMP) found = (await maxBeyondBound(index, log)) ?? found;
  // As Kafka answers: a log whose timestamps are all negative (none) has no max timestamp.
  return found && found.timestamp >= 0 ? found : NOT_FOUND;
}

/**
 * The largest Kafka timestamp of the appends whose stream time was clamped to the state's bound (the first
 * append on ties), read from their batches: the index knows only that they reach the bound.
 */
async function maxBeyondBound(
  index: TimeIndex,
  log: CheckpointedLog,
): Promise<TimestampAndOffset | undefined> {
  const logStart = log.logStartOffset;
  let best: TimestampAndOffset | undefined;
  for (const range of index.clampedRanges(logStart)) {
    await scan(log, range, (r) => {
      if (r.timestamp < MAX_STATE_TIMESTAMP) return true;
      const timestamp = largestBatchTimestamp(r.payload);
      if (timestamp !== undefined && (!best || timestamp > best.timestamp))
        best = { offset: Math.max(r.baseOffset, logStart), timestamp };
      return true;
    });
  }
  return best;
}

/** The largest maxTimestamp of a stored append's Kafka batches; undefined when it cannot be decoded. */
function largestBatchTimestamp(payload: Buffer): number | undefined {
  try {
    let max: number | undefined;
    for (const batch of splitRecordBatches(payload)) {
      const timestamp = readRecordBatchSummary(batch).maxTimestamp;
      if (max === undefined || timestamp > max) max = timestamp;
    }
    return max;
  } catch {
    return undefined;
  }
}

/**
 * The first Kafka record of a stored append with timestamp >= `timestamp` and offset >= `logStart`; null when
 * none qualifies; undefined when the payload cannot be decoded (the caller answers with the append itself).
 */
function firstRecordAtOrAfter(
  payload: Buffer,
  timestamp: number,
  logStart: number,
): TimestampAndOffset | null | undefined {
  try {
    for (const batch of splitRecordBatches(payload)) {
      if (readRecordBatchSummary(batch).maxTimestamp < timestamp) continue;
      for (const record of iterateRecords(batch)) {
        const offset = Number(record.offset);
        const ts = Number(record.timestamp);
        if (offset >= logStart && ts >= timestamp) return { offset, timestamp: ts };
      }
    }
    return null;
  } catch {
    return undefined;
  }
}

/** Visits the records overlapping `range` in offset order while `visit` returns true. */
async function scan(
  log: CheckpointedLog,
  range: ScanRange,
  visit: (record: { baseOffset: number; timestamp: number; payload: Buffer }) => boolean,
): Promise<void> {
  const to = Math.min(range.to, log.highWatermark);
  for await (const records of contiguousRecords(log, range.from, to, READ_BYTES)) {
    for (const record of records) if (!visit(record)) return;
  }
}
