// Reading a stretch of a partition's log record by record, in offset order, with no offset skipped. A stream
// is gap-free by construction (s3stream never leaves a hole), so a read that jumps past an offset is a storage
// fault: replaying across it would silently drop producer batches (and could then accept a duplicate), so
// the stretch is read again from the first missing offset, and a hole that persists is an error.
// (Seen: cold reads across several stream set objects with no block cache returned records past a hole; a
// read from the first missing offset returned them.)
import { CoordinatorError, CoordinatorErrorCode } from "../errors.ts";
import type { CheckpointedLog } from "./checkpoint-loader.ts";
import type { LogRecord } from "./partition-log-state.ts";

/**
 * Yields the stored records overlapping [from, to) in offset order, each exactly once, a read's worth at a
 * time (one yield per read, not per record: this walks every byte produced); the first may begin before
 * `from`. Stops early at the high watermark. Throws CoordinatorError(LOG_RECORD_CORRUPT) when the log has a
 * hole that a second read does not fill, and whatever the reads throw.
 */
export async function* contiguousRecords(
  log: Pick<CheckpointedLog, "readRecords">,
  from: number,
  to: number,
  maxBytes: number,
): AsyncGenerator<readonly LogRecord[]> {
  let offset = from;
  while (offset < to) {
    const records = await log.readRecords(offset, to, maxBytes);
    if (records.length === 0) return;
    let first = 0;
    while (first < records.length && records[first]!.baseOffset + records[first]!.count <= offset) first++;
    let end = first;
    for (; end < records.length; end++) {
      const record = records[end]!;
      if (record.baseOffset > offset) break;
      offset = record.baseOffset + record.count;
    }
    if (end === first && first < records.length) {
      throw new CoordinatorError(
        CoordinatorErrorCode.LOG_RECORD_CORRUPT,
        `the log has a hole: offsets [${offset}, ${records[first]!.baseOffset}) are missing`,
      );
    }
    // A hole after `end`: the next read starts at the first missing offset.
    if (end > first) yield first === 0 && end === records.length ? records : records.slice(first, end);
  }
}
