// Which abort markers a clean pass removes (Kafka's two passes for an aborted transaction on a compacted log:
// first its records, then, delete.retention.ms later, its marker). A pass removes every record of each
// aborted transaction in its range; it then notes `abortsEmptied` (its end and its time) in the cleaner state.
// A pass at least delete.retention.ms after that removes the markers below that end which are also below
// every stored checkpoint (a reload from a checkpoint taken inside the transaction would otherwise keep it
// open forever, as for commit markers in log-cleaner-records.ts). Before any marker goes, its transaction is
// forgotten everywhere a read_committed fetch could learn of it, in this order:
//   1. the checkpointer's state and every stored checkpoint (what any later load of the partition starts from);
//   2. the live transaction index the fetches of this broker read (after 1, so a load racing it cannot bring
//      the transaction back; if a load is under way, nothing is removed this time).
// A fetch lists aborted transactions after it has read its records (fetch/partition-reads.ts), so one that
// read a marker before its removal and lists transactions after 1-2 merely meets a marker it was not told
// of, which consumers ignore; the transaction's records were gone long before. Lost cleaner state, a failed
// step or a crash between the steps leave markers in place, never an index entry without its marker.
import type { AbortedTxn } from "../producers/partition-txn-index.ts";
import { abortedKey } from "../producers/partition-txn-index.ts";
import type { Partition } from "./partition.ts";
import type { PartitionLogState } from "./partition-log-state.ts";

/** Where a pass noted that every aborted transaction's records below `below` were removed, at `atMs`. */
export interface AbortsEmptied {
  readonly below: number;
  readonly atMs: number;
}

/** The live transaction indexes of this broker's partitions (ProducerStateManager). */
export interface LiveTxnIndexes {
  /** Forgets `entries` in the partition's live index; false when that cannot be done safely now. */
  dropAborted(partition: Partition, entries: readonly AbortedTxn[]): boolean;
}

/**
 * Forgets the aborted transactions whose markers this pass may remove (see the header) and returns their
 * keys (abortedKey) for CleanContext.abortMarkers. `upTo`: the pass's end, already bounded by the oldest stored
 * checkpoint. Rejects when the stored checkpoints cannot be rewritten (the pass then fails and retries).
 */
export async function forgetDueAborts(
  partition: Partition,
  state: PartitionLogState,
  emptied: AbortsEmptied | undefined,
  live: LiveTxnIndexes | undefined,
  range: { readonly start: number; readonly upTo: number },
  timing: { readonly nowMs: number; readonly deleteRetentionMs: number },
): Promise<ReadonlySet<string>> {
  if (!live || !emptied || timing.nowMs < emptied.atMs + timing.deleteRetentionMs) return new Set();
  const below = Math.min(emptied.below, range.upTo);
  const due = state.txns.abortedIn(range.start, below).filter((a) => a.lastOffset < below);
  if (due.length === 0) return new Set();
  await partition.checkpoints.dropAborted(due);
  if (!live.dropAborted(partition, due)) return new Set();
  return new Set(due.map(abortedKey));
}

/**
 * What the cleaner state notes after a pass over [start, end): the earlier note while it is not yet due,
 * otherwise this pass's, when an aborted transaction with its marker below `end` is still indexed (its
 * records are gone now); undefined when there is none or abort markers are never removed here.
 */
export function nextAbortsEmptied(
  state: PartitionLogState,
  emptied: AbortsEmptied | undefined,
  live: LiveTxnIndexes | undefined,
  range: { readonly start: number; readonly end: number },
  timing: { readonly nowMs: number; readonly deleteRetentionMs: number },
): AbortsEmptied | undefined {
  if (!live) return undefined;
  if (emptied && timing.nowMs < emptied.atMs + timing.deleteRetentionMs) return emptied;
  const left = state.txns.abortedIn(range.start, range.end).some((a) => a.lastOffset < range.end);
  return left ? { below: range.end, atMs: timing.nowMs } : undefined;
}
