// Applying retention.ms / retention.bytes to one partition this broker leads (retention-policy.ts decides).
//
// The units are the partition's time-index granules (PartitionLogState.index: offset, bytes and max timestamp
// of each ~granuleBytes run of batches, kept without any read), so a check costs no I/O for whole granules.
// Only two granules are ever read, record by record: the one holding the log start (its part below the start
// is gone, so its bytes are not the granule's), and the first granule the coarse decision keeps, so that the
// new log start falls on a stored batch boundary, not a granule boundary (Kafka deletes whole segments; our
// unit is the stored batch).
//
// The log start moves by Partition.trim, the path DeleteRecords takes: s3stream's trimStream commits the new
// start to the stream's metadata in the control plane (durable, seen by the next owner after a move or a
// failover), drops the object ranges wholly below it from the index, and an object left with no range becomes
// UNREFERENCED; its bytes are deleted by s3stream's compactor (deleteUnreferenced) after the grace period.
//
// The bound is the last stable offset, not Kafka's high watermark. Kafka lets retention pass an open
// transaction (the LSO then jumps to the log start): its records, and every other producer's committed
// records after its first batch, were never readable by a read_committed consumer, which would never see
// them. Here a read_committed consumer reads up to the LSO, so nothing at or above it is deleted; an open
// transaction holds retention back for at most transaction.max.timeout.ms, after which the coordinator
// aborts it. When the transactions of the partition are not known (an old checkpoint still being
// rebuilt), nothing is deleted this round.

import { contiguousRecords } from "./contiguous-records.ts";
import type { Partition } from "./partition.ts";
import type { LogRecord } from "./partition-log-state.ts";
import { decideRetention, type RetentionPolicy, type RetentionUnit } from "./retention-policy.ts";

interface Unit extends RetentionUnit {
  /** A whole granule (not yet read record by record). */
  readonly granule: boolean;
}

export interface RetentionOutcome {
  /** The log start before and after (equal: nothing deleted). */
  readonly fromOffset: number;
  readonly toOffset: number;
  /** The offset retention may not pass (the last stable offset), undefined when unknown. */
  readonly limitOffset: number | undefined;
}

/**
 * Moves `partition`'s log start past what `policy` no longer keeps at `nowMs`. Rejects when the log cannot be
 * read or the trim fails (the partition closed, the stream was fenced): the next check tries again.
 */
export async function applyRetention(
  partition: Partition,
  policy: RetentionPolicy,
  nowMs: number,
  readBytes = 4 * 1024 * 1024,
): Promise<RetentionOutcome> {
  const fromOffset = partition.logStartOffset;
  const unchanged = (limitOffset: number | undefined) => ({ fromOffset, toOffset: fromOffset, limitOffset });
  const limitless =
    policy.retentionMs === Number.POSITIVE_INFINITY && policy.retentionBytes === Number.POSITIVE_INFINITY;
  if (!policy.deletes || limitless) return unchanged(undefined);
  const state = await partition.checkpoints.catchUp();
  const covered = state.coveredOffset;
  const lso = state.txns.lastStableOffset(covered);
  if (lso === undefined) return unchanged(undefined);
  const limitOffset = Math.min(lso, partition.highWatermark);
  const start = partition.logStartOffset;
  if (limitOffset <= start) return unchanged(limitOffset);

  const granules = state.index.granules;
  const end = state.index.end;
  let units: Unit[] = [];
  for (let i = 0; i < granules.length; i++) {
    const g = granules[i]!;
    const to = granules[i + 1]?.offset ?? end;
    if (to <= start) continue;
    units.push({
      baseOffset: g.offset,
      endOffset: to,
      bytes: g.bytes,
      maxTimestamp: g.maxTimestamp,
      granule: true,
    });
  }
  if (units[0]?.baseOffset !== undefined && units[0].baseOffset < start) {
    units = [...(await recordsOf(partition, start, units[0].endOffset, readBytes)), ...units.slice(1)];
  }
  let decision = decideRetention(units, policy, nowMs, limitOffset);
  const boundary = units[decision.firstKept];
  if (boundary?.granule) {
    const records = await recordsOf(partition, boundary.baseOffset, boundary.endOffset, readBytes);
    units = [...units.slice(0, decision.firstKept), ...records, ...units.slice(decision.firstKept + 1)];
    decision = decideRetention(units, policy, nowMs, limitOffset);
  }
  const target = decision.newStartOffset;
  if (target === undefined || target <= partition.logStartOffset) return unchanged(limitOffset);
  await partition.trim(target);
  return { fromOffset, toOffset: partition.logStartOffset, limitOffset };
}

/** The stored batches overlapping [from, to) as units (the first may begin before `from`). */
async function recordsOf(partition: Partition, from: number, to: number, readBytes: number): Promise<Unit[]> {
  const units: Unit[] = [];
  const add = (r: LogRecord) =>
    units.push({
      baseOffset: r.baseOffset,
      endOffset: r.baseOffset + r.count,
      bytes: r.payload.length,
      maxTimestamp: r.timestamp,
      granule: false,
    });
  for await (const records of contiguousRecords(partition, from, to, readBytes))
    for (const r of records) add(r);
  return units;
}
