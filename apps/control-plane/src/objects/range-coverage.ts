import type { StreamRange } from "@cirrus/s3stream";

type Interval = [start: number, end: number];

/** Merges sorted half-open ranges (clipped at `from`) into intervals; null when two ranges overlap. */
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
