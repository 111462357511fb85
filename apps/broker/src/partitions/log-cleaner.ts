// One clean pass over one partition this broker leads (Kafka's Cleaner.clean, on object storage):
// 1. the cleanable range is [log start, end): `end` is at most the last stable offset (an open transaction's
//    records and everything after them wait), and the data must already be in stream objects of this stream
//    (s3stream's compactor moves a compacted topic's data there: separateStream), so the active tail still
//    in the WAL or in shared stream set objects is never touched;
// 2. the pass runs when the dirty part (written since the last pass's clean offset) is at least
//    min.cleanable.dirty.ratio of the cleanable log, or a kept tombstone's delete horizon has passed;
// 3. the dirty part is read once to map every key to its latest offset, stopping before the first batch younger
//    than min.compaction.lag.ms and when the map holds `maxKeys` keys (Kafka's dedupe buffer);
// 4. every stream object of [log start, end) is rewritten through Storage.rewriteStream with
//    log-cleaner-records.ts's rules (commit markers of transactions with nothing left go too, after
//    delete.retention.ms, below the oldest stored checkpoint; abort markers as log-cleaner-aborts.ts decides,
//    their transactions forgotten by the index and checkpoints first): offsets never change, each changed object is replaced atomically in the
//    object index (a crash leaves the old one), and objects with nothing to drop are not rewritten;
// 5. the clean offset (`end`), the cleaned bytes and the earliest pending delete horizon are stored in the
//    object store (`checkpoints/<streamId>/log-cleaner`) so that the next owner after a move or a failover knows what is
//    clean. The state is written only after the rewrite committed; lost or stale, it only makes the next pass
//    read more (a record is dropped only when a later record of its key is in the log, whatever the state).
import type { ObjectStore } from "@cirrus/object-store";
import type { RewriteOutcome } from "@cirrus/s3stream";
import { contiguousRecords } from "./contiguous-records.ts";
import {
  type AbortsEmptied,
  forgetDueAborts,
  type LiveTxnIndexes,
  nextAbortsEmptied,
} from "./log-cleaner-aborts.ts";
import { type CleanerPolicy, type CleanVerdict, decideCleaning } from "./log-cleaner-policy.ts";
import {
  abortedCheckOf,
  addKeys,
  cleanPayload,
  type KeyMap,
  TxnRecordTracker,
} from "./log-cleaner-records.ts";
import type { Partition } from "./partition.ts";
import type { Granule } from "./time-index.ts";

/** The storage calls a clean pass makes (Storage implements them). */
export interface CleanerStorage {
  rewritableEnd(streamId: number, fromOffset: number, endOffset: number): Promise<number>;
  rewriteStream(
    streamId: number,
    startOffset: number,
    endOffset: number,
    rewrite: (record: { baseOffset: number; count: number; payload: Buffer }) => Buffer | undefined,
  ): Promise<RewriteOutcome>;
}

/** What a pass leaves for the next one. */
export interface CleanerState {
  /** Everything below it was cleaned by a pass (the dirty part starts here). */
  readonly cleanOffset: number;
  /** Payload bytes of [log start, cleanOffset) after that pass. */
  readonly cleanBytes: number;
  /**
   * The earliest delete horizon of a tombstone or marker that pass kept, or of the abort markers noted in
   * `abortsEmptied`; undefined when none.
   */
  readonly deleteHorizonMs?: number;
  /** Aborted transactions whose records are all removed, waiting for their markers' removal (log-cleaner-aborts.ts). */
  readonly abortsEmptied?: AbortsEmptied;
}

export interface CleanerStateStore {
  get(streamId: number): Promise<CleanerState | undefined>;
  put(streamId: number, state: CleanerState): Promise<void>;
}

/** CleanerStateStore on the object store: one small JSON object per stream. */
export class ObjectStoreCleanerStateStore implements CleanerStateStore {
  readonly #store: ObjectStore;

  constructor(store: ObjectStore) {
    this.#store = store;
  }

  async get(streamId: number): Promise<CleanerState | undefined> {
    let body: Buffer;
    try {
      body = await this.#store.get(cleanerStateKey(streamId));
    } catch {
      return undefined; // none yet (or unreadable): the next pass treats the whole log as dirty
    }
    let parsed: Partial<CleanerState>;
    try {
      parsed = JSON.parse(body.toString("utf8")) as Partial<CleanerState>;
    } catch {
      return undefined; // damaged: as if none (the pass reads more, never drops more)
    }
    const ok = (n: unknown) => typeof n === "number" && Number.isSafeInteger(n) && n >= 0;
    if (!ok(parsed.cleanOffset) || !ok(parsed.cleanBytes)) return undefined;
    const emptied = parsed.abortsEmptied;
    return {
      cleanOffset: parsed.cleanOffset!,
      cleanBytes: parsed.cleanBytes!,
      ...(ok(parsed.deleteHorizonMs) ? { deleteHorizonMs: parsed.deleteHorizonMs! } : {}),
      // Damaged: as if none (the markers wait for another note, never go sooner).
      ...(emptied && ok(emptied.below) && ok(emptied.atMs) ? { abortsEmptied: emptied } : {}),
    };
  }

  put(streamId: number, state: CleanerState): Promise<void> {
    return this.#store.put(cleanerStateKey(streamId), Buffer.from(JSON.stringify(state)));
  }
}

/**
 * Next to the partition's checkpoints (`checkpoints/<streamId>/`): the checkpoint store reads only its
 * 20-digit names there, and a cluster purge deletes everything under the stream's folder, this included.
 */
export const cleanerStateKey = (streamId: number): string => `checkpoints/${streamId}/log-cleaner`;

export interface CleanLimits {
  /** Most keys mapped per pass (Kafka's log.cleaner.dedupe.buffer.size, counted in keys). */
  readonly maxKeys: number;
  /** Bytes per read of the dirty part. */
  readonly readBytes: number;
}

export type CleanOutcome =
  | {
      readonly cleaned: false;
      readonly why: CleanVerdict["why"] | "nothing-cleanable" | "transactions-unknown";
    }
  | {
      readonly cleaned: true;
      readonly why: "dirty-ratio" | "max-compaction-lag" | "delete-horizon";
      /** The cleaned range [from, to). */
      readonly from: number;
      readonly to: number;
      readonly recordsRemoved: number;
      readonly rewrite: RewriteOutcome;
    };

/** One clean pass (see the header). Rejects when a read, a rewrite or a commit fails; the next pass retries. */
export async function cleanPartition(
  partition: Partition,
  storage: CleanerStorage,
  store: CleanerStateStore,
  policy: CleanerPolicy,
  nowMs: number,
  limits: CleanLimits,
  /** The live transaction indexes to forget removed abort markers in; without them abort markers stay. */
  live?: LiveTxnIndexes,
): Promise<CleanOutcome> {
  if (!policy.compacts) return { cleaned: false, why: "not-compacted" };
  const state = await partition.checkpoints.catchUp();
  const lso = state.txns.lastStableOffset(state.coveredOffset);
  if (lso === undefined) return { cleaned: false, why: "transactions-unknown" };
  const start = partition.logStartOffset;
  const stable = Math.min(lso, partition.highWatermark);
  const saved = await store.get(partition.streamId);
  const viewUpTo = (end: number) => {
    const cleanOffset = Math.min(Math.max(saved?.cleanOffset ?? start, start), end);
    return {
      cleanOffset,
      view: {
        cleanBytes: cleanOffset > start ? (saved?.cleanBytes ?? 0) : 0,
        dirtyBytes: bytesBetween(state.index.granules, state.index.end, cleanOffset, end),
        deleteHorizonMs: saved?.deleteHorizonMs,
        firstDirtyMaxTimestamp: granuleAt(state.index.granules, cleanOffset)?.maxTimestamp,
      },
    };
  };
  // First without asking the object index: the dirty part up to the LSO is at least the cleanable one, so a
  // partition below the ratio there is below it anyway (a quiet partition costs no remote call).
  const upperBound = decideCleaning(policy, viewUpTo(stable).view, nowMs);
  if (!upperBound.clean) return { cleaned: false, why: upperBound.why };
  const limit = await storage.rewritableEnd(partition.streamId, start, stable);
  if (limit <= start) return { cleaned: false, why: "nothing-cleanable" };
  const { cleanOffset, view } = viewUpTo(limit);
  const verdict = decideCleaning(policy, view, nowMs);
  if (!verdict.clean) return { cleaned: false, why: verdict.why };

  // Every transaction below the LSO has ended; the index says which aborted (markers possibly above `limit`).
  const aborted = abortedCheckOf(state.txns.abortedIn(start, limit));
  const map: KeyMap = new Map();
  let end = cleanOffset;
  // Without a lag, a record's timestamp never holds cleaning back (a producer's clock may run ahead).
  const youngest =
    policy.minCompactionLagMs > 0 ? nowMs - policy.minCompactionLagMs : Number.POSITIVE_INFINITY;
  scan: for await (const records of contiguousRecords(partition, cleanOffset, limit, limits.readBytes)) {
    for (const record of records) {
      const recordEnd = record.baseOffset + record.count;
      if (recordEnd > limit || record.timestamp > youngest || map.size >= limits.maxKeys) break scan;
      addKeys(record.payload, limit, map, aborted);
      end = recordEnd;
    }
  }

  // Everything dirty is younger than min.compaction.lag.ms (or the map filled at once): nothing to do yet.
  if (end <= start) return { cleaned: false, why: "nothing-cleanable" };
  let recordsRemoved = 0;
  let cleanBytes = 0;
  let horizon: number | undefined;
  // Commit markers may go only below every stored checkpoint (log-cleaner-records.ts); unknown: none may.
  const removableBelow = await partition.checkpoints.oldestStoredOffset().then(
    (oldest) => oldest ?? Number.POSITIVE_INFINITY,
    () => Number.NEGATIVE_INFINITY,
  );
  const markers = new TxnRecordTracker(removableBelow);
  const timing = { nowMs, deleteRetentionMs: policy.deleteRetentionMs };
  const abortMarkers = await forgetDueAborts(
    partition,
    state,
    saved?.abortsEmptied,
    live,
    { start, upTo: Math.min(end, removableBelow) },
    timing,
  );
  const ctx = { map, ...timing, endOffset: end, aborted, markers, abortMarkers };
  const rewrite = await storage.rewriteStream(partition.streamId, start, end, (record) => {
    const recordEnd = record.baseOffset + record.count;
    if (recordEnd <= start || recordEnd > end) return undefined;
    const cleaned = cleanPayload(record.payload, ctx);
    recordsRemoved += cleaned.removed;
    cleanBytes += (cleaned.payload ?? record.payload).length;
    if (cleaned.horizonMs !== undefined) horizon = Math.min(horizon ?? cleaned.horizonMs, cleaned.horizonMs);
    return cleaned.payload;
  });
  const abortsEmptied = nextAbortsEmptied(state, saved?.abortsEmptied, live, { start, end }, timing);
  if (abortsEmptied) {
    const due = abortsEmptied.atMs + policy.deleteRetentionMs;
    horizon = Math.min(horizon ?? due, due);
  }
  await store.put(partition.streamId, {
    cleanOffset: end,
    cleanBytes,
    ...(horizon !== undefined ? { deleteHorizonMs: horizon } : {}),
    ...(abortsEmptied ? { abortsEmptied } : {}),
  });
  return { cleaned: true, why: verdict.why, from: start, to: end, recordsRemoved, rewrite };
}

/** Payload bytes of [from, to) estimated from the time index's granules (pro rata of a granule's offsets). */
export function bytesBetween(
  granules: readonly Granule[],
  indexEnd: number,
  from: number,
  to: number,
): number {
  let bytes = 0;
  for (let i = 0; i < granules.length; i++) {
    const g = granules[i]!;
    const gEnd = granules[i + 1]?.offset ?? indexEnd;
    const overlap = Math.min(gEnd, to) - Math.max(g.offset, from);
    if (overlap > 0 && gEnd > g.offset) bytes += (g.bytes * overlap) / (gEnd - g.offset);
  }
  return Math.round(bytes);
}

/** The granule holding `offset` (the last one starting at or below it), undefined when none. */
function granuleAt(granules: readonly Granule[], offset: number): Granule | undefined {
  let found: Granule | undefined;
  for (const g of granules) {
    if (g.offset > offset) break;
    found = g;
  }
  return found;
}
