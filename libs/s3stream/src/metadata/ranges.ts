// Range helpers shared by the object index's rules and its implementations: validation, grouping by
// stream, and the coverage comparison a compaction must pass. Pure: no state, no I/O.
import { assertSafeIndex, ErrorCode, StreamStorageError } from "../errors.ts";
import type { StreamRange } from "../object-manager.ts";

/** A stream's range inside a given object. */
export interface ObjectRange {
  objectId: number;
  range: StreamRange;
}

export function copyRange(range: StreamRange): StreamRange {
  return { ...range };
}

/** Every field a safe non-negative integer, and the offsets a non-empty half-open range (INVALID_ARGUMENT). */
export function assertRange(range: StreamRange): void {
  for (const key of ["streamId", "streamEpoch", "startOffset", "endOffset", "position", "length"] as const) {
    assertSafeIndex(key, range[key]);
  }
  if (range.endOffset <= range.startOffset) {
    throw new StreamStorageError(
      ErrorCode.INVALID_ARGUMENT,
      `range of stream ${range.streamId} is empty or inverted: [${range.startOffset}, ${range.endOffset})`,
    );
  }
}

/** The ranges of `objects` grouped by stream, each group sorted by startOffset. */
export function rangesByStream(
  objects: readonly { objectId: number; ranges: readonly StreamRange[] }[],
): Map<number, ObjectRange[]> {
  const byStream = new Map<number, ObjectRange[]>();
  for (const object of objects) {
    for (const range of object.ranges) {
      const entry = { objectId: object.objectId, range };
      const list = byStream.get(range.streamId);
      if (list) list.push(entry);
      else byStream.set(range.streamId, [entry]);
    }
  }
  for (const list of byStream.values()) list.sort((a, b) => a.range.startOffset - b.range.startOffset);
  return byStream;
}

type Interval = [start: number, end: number];

/** Merges half-open ranges (clipped at `from`) into sorted intervals; null when two ranges overlap. */
function merge(ranges: readonly StreamRange[], from: number): Interval[] | null {
  const out: Interval[] = [];
  for (const range of [...ranges].sort((a, b) => a.startOffset - b.startOffset)) {
    const start = Math.max(range.startOffset, from);
    if (range.endOffset <= start) continue;
    const last = out[out.length - 1];
    if (last && last[1] === start) last[1] = range.endOffset;
    else if (last && last[1] > start) return null;
    else out.push([start, range.endOffset]);
  }
  return out;
}

/**
 * True when both lists cover exactly the same offsets at or above `from` (a compaction's output must
 * cover what its sources covered, trimmed parts aside), with no overlap inside either list.
 */
export function sameCoverage(
  removed: readonly StreamRange[],
  added: readonly StreamRange[],
  from: number,
): boolean {
  const a = merge(removed, from);
  const b = merge(added, from);
  if (a === null || b === null || a.length !== b.length) return false;
  return a.every((interval, i) => interval[0] === b[i]![0] && interval[1] === b[i]![1]);
}
