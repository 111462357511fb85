// The log cleaner's pure decisions: which records of a batch survive (updates, keyless records, tombstones
// before and after delete.retention.ms, aborted and committed transactions, markers, the cleanable end), that a
// rewritten batch keeps its offsets, header and a valid CRC, and when a partition is cleaned at all (dirty
// ratio, delete horizon, cleanup.policy).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  Compression,
  computeRecordBatchCrc,
  encodeEndTxnMarker,
  encodeRecordBatch,
  iterateRecords,
  RecordBatchField,
  type RecordInput,
  readRecordBatchHeader,
  recordBatchCrcMatches,
} from "@cirrus/kafka-protocol";
import { bytesBetween } from "../../src/partitions/log-cleaner.ts";
import { cleanerPolicyOf, decideCleaning } from "../../src/partitions/log-cleaner-policy.ts";
import {
  abortedCheckOf,
  addKeys,
  batchesOf,
  type CleanContext,
  cleanBatch,
  cleanPayload,
  DELETE_HORIZON_FLAG,
  type KeyMap,
  TxnRecordTracker,
} from "../../src/partitions/log-cleaner-records.ts";

const NOW = 1_800_000_000_000;
const HOUR = 3_600_000;
const T0 = NOW - 10 * HOUR;

function batch(baseOffset: number, records: [string | null, string | null][], extra: object = {}): Buffer {
  return encodeRecordBatch({
    baseOffset: BigInt(baseOffset),
    baseTimestamp: BigInt(T0),
    records: records.map(([key, value], i): RecordInput => ({ key, value, timestamp: BigInt(T0 + i) })),
    producerId: 7n,
    producerEpoch: 1,
    baseSequence: baseOffset,
    ...extra,
  });
}

const entries = (b: Buffer) =>
  [...iterateRecords(b)].map((r) => [
    Number(r.offset),
    r.key?.toString() ?? null,
    r.value?.toString() ?? null,
  ]);

function mapOf(...payloads: Buffer[]): KeyMap {
  const map: KeyMap = new Map();
  for (const p of payloads) addKeys(p, Number.MAX_SAFE_INTEGER, map);
  return map;
}

const ctxOf = (map: KeyMap, over: Partial<CleanContext> = {}): CleanContext => ({
  map,
  nowMs: NOW,
  deleteRetentionMs: HOUR,
  endOffset: Number.MAX_SAFE_INTEGER,
  ...over,
});

describe("log cleaner: which records survive", () => {
  it("keeps the last record per key; offsets, header and CRC stay valid; an emptied batch stays", () => {
    const b0 = batch(0, [
      ["a", "a1"],
      ["b", "b1"],
    ]);
    const b2 = batch(2, [
      ["a", "a2"],
      ["c", "c1"],
    ]);
    const b4 = batch(4, [["b", "b2"]]);
    const map = mapOf(b0, b2, b4);
    assert.deepEqual(
      [...map],
      [
        ["a", 2],
        ["b", 4],
        ["c", 3],
      ],
    );
    const first = cleanBatch(b0, ctxOf(map));
    assert.equal(first.removed, 2);
    const emptied = first.payload!;
    const header = readRecordBatchHeader(emptied);
    assert.deepEqual(
      [header.baseOffset, header.lastOffsetDelta, header.recordCount, header.maxTimestamp],
      [0n, 1, 0, BigInt(T0 + 1)],
      "an emptied batch still spans its offsets and keeps its max timestamp",
    );
    assert.deepEqual(
      [header.producerId, header.producerEpoch, header.baseSequence],
      [7n, 1, 0],
      "producer fields kept: the producer state rebuilt from headers is unchanged",
    );
    assert.ok(recordBatchCrcMatches(emptied));
    const second = cleanBatch(b2, ctxOf(map));
    assert.deepEqual([second.payload, second.removed], [undefined, 0], "b2 holds the latest a and c");
    assert.equal(cleanBatch(b4, ctxOf(map)).payload, undefined, "the latest record: nothing to rewrite");
  });

  it("does not rewrite a batch whose records all survive", () => {
    const b = batch(10, [
      ["x", "1"],
      ["y", "2"],
    ]);
    const cleaned = cleanBatch(b, ctxOf(mapOf(b)));
    assert.deepEqual([cleaned.payload, cleaned.removed], [undefined, 0]);
  });

  it("keeps a tombstone until delete.retention.ms after the pass that first kept it, then drops it", () => {
    const value = batch(0, [["k", "v"]]);
    const tombstone = batch(1, [["k", null]]);
    const map = mapOf(value, tombstone);
    assert.equal(cleanBatch(value, ctxOf(map)).removed, 1, "the value under the tombstone goes at once");

    const first = cleanBatch(tombstone, ctxOf(map));
    assert.equal(first.horizonMs, NOW + HOUR);
    const stamped = first.payload!;
    const header = readRecordBatchHeader(stamped);
    assert.ok((header.attributes & DELETE_HORIZON_FLAG) !== 0, "the batch carries its delete horizon");
    assert.equal(header.baseTimestamp, BigInt(NOW + HOUR));
    assert.ok(recordBatchCrcMatches(stamped));
    const [record] = [...iterateRecords(stamped)];
    assert.equal(
      record!.timestamp,
      BigInt(T0),
      "record timestamps unchanged (deltas re-based on the horizon)",
    );
    assert.equal(record!.value, null);

    const before = cleanBatch(stamped, ctxOf(map, { nowMs: NOW + HOUR - 1 }));
    assert.deepEqual([before.payload, before.removed, before.horizonMs], [undefined, 0, NOW + HOUR]);
    const after = cleanBatch(stamped, ctxOf(map, { nowMs: NOW + HOUR }));
    assert.equal(after.removed, 1);
    const gone = readRecordBatchHeader(after.payload!);
    assert.deepEqual([gone.recordCount, gone.lastOffsetDelta, gone.baseOffset], [0, 0, 1n]);
    assert.equal(gone.attributes & DELETE_HORIZON_FLAG, 0, "no tombstone left, no horizon");
    assert.equal(after.horizonMs, undefined);
  });

  it("drops records without a key", () => {
    const b = batch(0, [
      [null, "keyless"],
      ["k", "v"],
    ]);
    const cleaned = cleanBatch(b, ctxOf(mapOf(b)));
    assert.deepEqual(entries(cleaned.payload!), [[1, "k", "v"]]);
  });

  it("drops aborted transactions' records, cleans committed ones like any other, keeps markers", () => {
    const plain = batch(0, [["a", "before"]]);
    const aborted = batch(1, [["a", "aborted"]], { isTransactional: true, producerId: 8n });
    const committed = batch(3, [["b", "committed"]], { isTransactional: true, producerId: 9n });
    const later = batch(5, [["b", "after"]]);
    const marker = encodeEndTxnMarker({
      producerId: 8n,
      producerEpoch: 1,
      committed: false,
      coordinatorEpoch: 0,
      timestamp: BigInt(T0),
    });
    // Producer 8's transaction [1, 2) aborted (its marker at 2); producer 9's committed.
    const isAborted = abortedCheckOf([{ producerId: 8n, firstOffset: 1, lastOffset: 2 }]);
    const map: KeyMap = new Map();
    for (const p of [plain, aborted, committed, marker]) addKeys(p, 100, map, isAborted);
    assert.deepEqual(
      [...map],
      [
        ["a", 0],
        ["b", 3],
      ],
      "an aborted record maps nothing, a committed one does",
    );
    const ctx = ctxOf(map, { aborted: isAborted });
    assert.equal(
      cleanBatch(plain, ctx).payload,
      undefined,
      "an aborted record does not hide the value before it",
    );
    const emptied = cleanBatch(aborted, ctx);
    assert.equal(emptied.removed, 1, "aborted records are removed");
    const header = readRecordBatchHeader(emptied.payload!);
    assert.deepEqual(
      [header.isTransactional, header.producerId, header.recordCount, header.lastOffsetDelta],
      [true, 8n, 0, 0],
      "the emptied batch is still producer 8's transactional batch",
    );
    assert.equal(cleanBatch(committed, ctx).payload, undefined, "the latest b, committed: kept");
    const superseded = cleanBatch(committed, ctxOf(mapOf(committed, later), { aborted: isAborted }));
    assert.equal(superseded.removed, 1, "a committed record is superseded by a later one");
    assert.equal(readRecordBatchHeader(superseded.payload!).isTransactional, true);
    assert.equal(cleanBatch(marker, ctx).payload, undefined, "markers are kept");
  });

  it("never touches a batch reaching the cleanable end", () => {
    const old = batch(0, [["a", "1"]]);
    const later = batch(1, [
      ["a", "2"],
      ["a", "3"],
    ]);
    const map = mapOf(old, later);
    assert.equal(cleanBatch(later, ctxOf(map, { endOffset: 2 })).payload, undefined);
    assert.equal(cleanBatch(old, ctxOf(map, { endOffset: 2 })).removed, 1);
    const upTo: KeyMap = new Map();
    addKeys(later, 2, upTo);
    assert.deepEqual([...upTo], [["a", 1]], "addKeys stops at the end offset");
  });

  it("keeps the batch's compression and cleans every batch of a stored payload", () => {
    const gz = batch(
      0,
      [
        ["a", "1"],
        ["b", "1"],
      ],
      { compression: Compression.Gzip },
    );
    const next = batch(2, [["a", "2"]]);
    const payload = Buffer.concat([gz, next]);
    const cleaned = cleanPayload(payload, ctxOf(mapOf(payload)));
    assert.equal(cleaned.removed, 1);
    const [first, second] = batchesOf(cleaned.payload!);
    assert.equal(readRecordBatchHeader(first!).compression, Compression.Gzip);
    assert.deepEqual(entries(first!), [[1, "b", "1"]]);
    assert.deepEqual(second, next, "an unchanged batch is copied as is");
  });
});

describe("log cleaner: transaction markers", () => {
  const markerOf = (offset: number, producerId: bigint, committed: boolean) => {
    const m = encodeEndTxnMarker({
      producerId,
      producerEpoch: 1,
      committed,
      coordinatorEpoch: 0,
      timestamp: BigInt(T0),
    });
    m.writeBigInt64BE(BigInt(offset), 0);
    m.writeUInt32BE(computeRecordBatchCrc(m), RecordBatchField.crc);
    return m;
  };
  /** One pass over `batches` in offset order (as the rewriter feeds them): each batch's outcome. */
  const pass = (
    batches: Buffer[],
    over: Partial<CleanContext>,
    removableBelow = Number.POSITIVE_INFINITY,
  ) => {
    const map: KeyMap = new Map();
    for (const b of batches) addKeys(b, Number.MAX_SAFE_INTEGER, map, over.aborted);
    const ctx = ctxOf(map, { ...over, markers: new TxnRecordTracker(removableBelow) });
    return batches.map((b) => cleanBatch(b, ctx));
  };

  it("a commit marker whose transaction has no record left is stamped, then loses its record after delete.retention.ms", () => {
    const txn = batch(0, [["a", "in-txn"]], { isTransactional: true, producerId: 9n });
    const marker = markerOf(1, 9n, true);
    const later = batch(2, [["a", "after"]]);

    const [emptied, stamped, kept] = pass([txn, marker, later], {});
    assert.equal(emptied!.removed, 1, "the transaction's record is superseded");
    assert.equal(kept!.payload, undefined);
    const stampedHeader = readRecordBatchHeader(stamped!.payload!);
    assert.equal(stamped!.removed, 0, "the first pass only stamps the marker");
    assert.equal(stamped!.horizonMs, NOW + HOUR);
    assert.equal(stampedHeader.attributes & DELETE_HORIZON_FLAG, DELETE_HORIZON_FLAG);
    assert.equal(stampedHeader.baseTimestamp, BigInt(NOW + HOUR));
    assert.equal(stampedHeader.recordCount, 1);
    assert.ok(recordBatchCrcMatches(stamped!.payload!));

    // Before the horizon: unchanged, the horizon reported (the next pass is due then).
    const cleanedTxn = emptied!.payload!;
    const [, waiting] = pass([cleanedTxn, stamped!.payload!, later], { nowMs: NOW + HOUR - 1 });
    assert.deepEqual([waiting!.payload, waiting!.horizonMs], [undefined, NOW + HOUR]);

    const [, removed] = pass([cleanedTxn, stamped!.payload!, later], { nowMs: NOW + HOUR });
    assert.equal(removed!.removed, 1);
    assert.equal(removed!.horizonMs, undefined);
    const header = readRecordBatchHeader(removed!.payload!);
    assert.deepEqual(
      [
        header.baseOffset,
        header.lastOffsetDelta,
        header.recordCount,
        header.isControl,
        header.isTransactional,
      ],
      [1n, 0, 0, true, true],
      "an empty control batch keeps the marker's offset",
    );
    assert.deepEqual([header.producerId, header.producerEpoch], [9n, 1]);
    assert.ok(recordBatchCrcMatches(removed!.payload!));
    // Nothing more to do with it.
    const [, again] = pass([cleanedTxn, removed!.payload!, later], { nowMs: NOW + 2 * HOUR });
    assert.deepEqual([again!.payload, again!.removed], [undefined, 0]);
  });

  it("a commit marker stays while a record of its transaction is left, above the checkpoint bound, and without a tracker", () => {
    const txn = batch(
      0,
      [
        ["a", "superseded"],
        ["b", "latest"],
      ],
      { isTransactional: true, producerId: 9n },
    );
    const marker = markerOf(2, 9n, true);
    const later = batch(3, [["a", "after"]]);
    const [partly, held] = pass([txn, marker, later], {});
    assert.equal(partly!.removed, 1);
    assert.deepEqual([held!.payload, held!.horizonMs], [undefined, undefined], "b is still there");

    const whole = batch(0, [["a", "in-txn"]], { isTransactional: true, producerId: 9n });
    const marker1 = markerOf(1, 9n, true);
    const [, bounded] = pass([whole, marker1, batch(2, [["a", "after"]])], {}, 1);
    assert.equal(bounded!.payload, undefined, "at or above the oldest stored checkpoint: kept");

    assert.equal(cleanBatch(marker1, ctxOf(new Map())).payload, undefined, "no tracker: kept");
  });

  it("an abort marker stays even when its transaction's records are gone; transactions of other producers do not count", () => {
    const aborted = batch(0, [["a", "aborted"]], { isTransactional: true, producerId: 8n });
    const other = batch(1, [["b", "other"]], { isTransactional: true, producerId: 9n });
    const abortMarker = markerOf(2, 8n, false);
    const commitMarker = markerOf(3, 9n, true);
    const isAborted = abortedCheckOf([{ producerId: 8n, firstOffset: 0, lastOffset: 2 }]);
    const [gone, , keptAbort, keptCommit] = pass([aborted, other, abortMarker, commitMarker], {
      aborted: isAborted,
    });
    assert.equal(gone!.removed, 1);
    assert.equal(keptAbort!.payload, undefined, "abort markers are kept");
    assert.equal(keptCommit!.payload, undefined, "producer 9's record is left: its marker stays");
  });
});

describe("log cleaner: when a partition is cleaned", () => {
  const compact = cleanerPolicyOf({ "cleanup.policy": "compact", "min.cleanable.dirty.ratio": "0.5" });

  it("reads Kafka's defaults and the topic's settings", () => {
    assert.deepEqual(cleanerPolicyOf(undefined), {
      compacts: false,
      minCleanableDirtyRatio: 0.5,
      minCompactionLagMs: 0,
      deleteRetentionMs: 86_400_000,
      maxCompactionLagMs: Number.POSITIVE_INFINITY,
    });
    assert.deepEqual(
      cleanerPolicyOf({
        "cleanup.policy": "compact,delete",
        "min.cleanable.dirty.ratio": "0.1",
        "min.compaction.lag.ms": "60000",
        "delete.retention.ms": "1000",
      }),
      {
        compacts: true,
        minCleanableDirtyRatio: 0.1,
        minCompactionLagMs: 60_000,
        deleteRetentionMs: 1000,
        maxCompactionLagMs: Number.POSITIVE_INFINITY,
      },
    );
  });

  it("cleans at the dirty ratio, or when a kept tombstone's horizon has passed", () => {
    const view = (cleanBytes: number, dirtyBytes: number, deleteHorizonMs?: number) => ({
      cleanBytes,
      dirtyBytes,
      deleteHorizonMs,
    });
    assert.deepEqual(decideCleaning(compact, view(0, 10), NOW), { clean: true, why: "dirty-ratio" });
    assert.deepEqual(decideCleaning(compact, view(50, 50), NOW), { clean: true, why: "dirty-ratio" });
    assert.deepEqual(decideCleaning(compact, view(51, 49), NOW), { clean: false, why: "below-dirty-ratio" });
    assert.deepEqual(decideCleaning(compact, view(100, 0), NOW), { clean: false, why: "below-dirty-ratio" });
    assert.deepEqual(decideCleaning(compact, view(100, 0, NOW), NOW), { clean: true, why: "delete-horizon" });
    assert.deepEqual(decideCleaning(compact, view(100, 0, NOW + 1), NOW).clean, false);
    // max.compaction.lag.ms forces a pass below the ratio once the oldest dirty records are that old.
    const forced = cleanerPolicyOf({ "cleanup.policy": "compact", "max.compaction.lag.ms": String(HOUR) });
    assert.equal(forced.maxCompactionLagMs, HOUR);
    const old = { ...view(99, 1), firstDirtyMaxTimestamp: NOW - HOUR - 1 };
    assert.deepEqual(decideCleaning(forced, old, NOW), { clean: true, why: "max-compaction-lag" });
    assert.equal(decideCleaning(forced, { ...old, firstDirtyMaxTimestamp: NOW - HOUR }, NOW).clean, false);
    assert.equal(decideCleaning(compact, old, NOW).clean, false, "the default lag never forces");
    assert.equal(decideCleaning(forced, { ...old, dirtyBytes: 0 }, NOW).clean, false, "nothing dirty");
    assert.deepEqual(decideCleaning(cleanerPolicyOf({}), view(0, 10), NOW), {
      clean: false,
      why: "not-compacted",
    });
  });

  it("estimates bytes of an offset range from the time index's granules, pro rata", () => {
    const granules = [
      { offset: 0, bytes: 1000, maxTimestamp: 0, maxTimestampOffset: 0 },
      { offset: 10, bytes: 500, maxTimestamp: 0, maxTimestampOffset: 10 },
    ];
    assert.equal(bytesBetween(granules, 20, 0, 20), 1500);
    assert.equal(bytesBetween(granules, 20, 5, 15), 750);
    assert.equal(bytesBetween(granules, 20, 20, 30), 0);
  });
});
