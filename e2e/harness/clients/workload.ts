// The keyed workload every client test runs, and the checks that make it fail loudly:
// every record arrives exactly once, and per partition in offset order with each key's values ascending.

export interface KeyedRecord {
  key: string;
  value: string;
}

export interface ConsumedRecord extends KeyedRecord {
  partition: number;
  offset: bigint;
  member: number;
}

export const KEYS = 1000;

/** Records `from` .. `from + count - 1`; a record's value is its sequence number, its key one of KEYS keys. */
export function keyedRecords(from: number, count: number): KeyedRecord[] {
  const records: KeyedRecord[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const n = from + i;
    records[i] = { key: `key-${n % KEYS}`, value: String(n) };
  }
  return records;
}

export interface WorkloadVerdict {
  received: number;
  duplicates: number;
  missing: number;
  outOfOrder: string[];
  membersThatReceived: number;
}

/** Checks exactly-once and per-partition order for the records `from .. from+count-1`. */
export function verifyConsumed(consumed: ConsumedRecord[], from: number, count: number): WorkloadVerdict {
  const seen = new Set<number>();
  let duplicates = 0;
  const outOfOrder: string[] = [];
  const lastOffset = new Map<number, bigint>();
  const lastValueOfKey = new Map<string, number>();
  const partitionOfKey = new Map<string, number>();
  const members = new Set<number>();
  const sorted = [...consumed].sort((a, b) =>
    a.partition !== b.partition
      ? a.partition - b.partition
      : a.offset < b.offset
        ? -1
        : a.offset > b.offset
          ? 1
          : 0,
  );
  for (const r of sorted) {
    const n = Number(r.value);
    members.add(r.member);
    if (seen.has(n)) duplicates++;
    seen.add(n);
    const prev = lastOffset.get(r.partition);
    if (prev !== undefined && r.offset <= prev && outOfOrder.length < 10) {
      outOfOrder.push(`partition ${r.partition}: offset ${r.offset} after ${prev}`);
    }
    lastOffset.set(r.partition, r.offset);
    const known = partitionOfKey.get(r.key);
    if (known !== undefined && known !== r.partition && outOfOrder.length < 10) {
      outOfOrder.push(`key ${r.key} in partitions ${known} and ${r.partition}`);
    }
    partitionOfKey.set(r.key, r.partition);
    const before = lastValueOfKey.get(r.key);
    if (before !== undefined && n <= before && outOfOrder.length < 10) {
      outOfOrder.push(`key ${r.key}: value ${n} after ${before} in partition ${r.partition}`);
    }
    lastValueOfKey.set(r.key, n);
  }
  let missing = 0;
  for (let n = from; n < from + count; n++) if (!seen.has(n)) missing++;
  const unexpected = [...seen].filter((n) => n < from || n >= from + count).length;
  return {
    received: consumed.length,
    duplicates: duplicates + unexpected,
    missing,
    outOfOrder,
    membersThatReceived: members.size,
  };
}

/**
 * Resolves once `predicate` is true, polling; rejects with `what` after `timeoutMs` (a function is asked at
 * the timeout, so its figures are the final ones).
 */
export async function waitFor(
  predicate: () => boolean,
  timeoutMs: number,
  what: string | (() => string | Promise<string>),
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${typeof what === "string" ? what : await what()}`,
      );
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Per partition: records consumed, the highest offset and the members that received it (for a stall's report). */
export function consumedByPartition(consumed: readonly ConsumedRecord[]): string {
  const parts = new Map<number, { count: number; last: bigint; members: Set<number> }>();
  for (const r of consumed) {
    const p = parts.get(r.partition) ?? { count: 0, last: -1n, members: new Set<number>() };
    p.count++;
    if (r.offset > p.last) p.last = r.offset;
    p.members.add(r.member);
    parts.set(r.partition, p);
  }
  return [...parts.entries()]
    .sort(([a], [b]) => a - b)
    .map(([n, p]) => `p${n}: ${p.count} to offset ${p.last} by member ${[...p.members].join("+")}`)
    .join("; ");
}
