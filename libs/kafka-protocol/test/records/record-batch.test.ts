import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  Compression,
  encodeRecordBatch,
  iterateRecords,
  ProtocolError,
  readRecordBatchHeader,
  readRecordBatchSummary,
  recordBatchCrcMatches,
  setBaseOffset,
  splitRecordBatches,
  TimestampType,
  verifyRecordBatchCrc,
} from "../../src/index.ts";

const sample = () =>
  encodeRecordBatch({
    baseOffset: 0n,
    baseTimestamp: 1_700_000_000_000n,
    producerId: 42n,
    producerEpoch: 3,
    baseSequence: 7,
    isTransactional: true,
    records: [
      { key: "k1", value: "v1", headers: [{ key: "h", value: "x" }] },
      { key: null, value: Buffer.from([1, 2, 3]), timestamp: 1_700_000_000_005n },
      { key: "k3", value: null, headers: [{ key: "n", value: null }] },
    ],
  });

describe("record batch header", () => {
  it("reads every header field without copying", () => {
    const batch = sample();
    const h = readRecordBatchHeader(batch);
    assert.equal(h.baseOffset, 0n);
    assert.equal(h.batchLength, batch.length - 12);
    assert.equal(h.magic, 2);
    assert.equal(h.compression, Compression.None);
    assert.equal(h.timestampType, TimestampType.CreateTime);
    assert.equal(h.isTransactional, true);
    assert.equal(h.isControl, false);
    assert.equal(h.lastOffsetDelta, 2);
    assert.equal(h.baseTimestamp, 1_700_000_000_000n);
    assert.equal(h.maxTimestamp, 1_700_000_000_005n);
    assert.equal(h.producerId, 42n);
    assert.equal(h.producerEpoch, 3);
    assert.equal(h.baseSequence, 7);
    assert.equal(h.recordCount, 3);
    assert.equal(h.crc, batch.readUInt32BE(17));
  });

  it("summarises a header as numbers that agree with the full header, for any timestamp and producer", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -1n, max: 2n ** 53n - 1n }),
        fc.bigInt({ min: -1n, max: 2n ** 62n }),
        fc.boolean(),
        (timestamp, producerId, transactional) => {
          const batch = encodeRecordBatch({
            baseTimestamp: timestamp,
            producerId,
            isTransactional: transactional,
            records: [{ value: "v" }, { value: "w" }],
          });
          const full = readRecordBatchHeader(batch);
          const summary = readRecordBatchSummary(batch);
          assert.equal(summary.maxTimestamp, Number(full.maxTimestamp));
          assert.equal(summary.hasProducerId, full.producerId >= 0n);
          assert.equal(summary.lastOffsetDelta, full.lastOffsetDelta);
          assert.equal(summary.recordCount, full.recordCount);
          assert.equal(summary.isTransactional, full.isTransactional);
          assert.equal(summary.isControl, full.isControl);
        },
      ),
    );
    assert.throws(() => readRecordBatchSummary(sample().subarray(0, 40)), ProtocolError);
  });

  it("verifies the CRC-32C and detects any flipped bit after the CRC field", () => {
    const batch = sample();
    verifyRecordBatchCrc(batch);
    fc.assert(
      fc.property(
        fc.integer({ min: 21, max: batch.length - 1 }),
        fc.integer({ min: 0, max: 7 }),
        (at, bit) => {
          const copy = Buffer.from(batch);
          copy[at]! ^= 1 << bit;
          assert.equal(recordBatchCrcMatches(copy), false);
          assert.throws(() => verifyRecordBatchCrc(copy), { name: "ProtocolError", code: "CRC_MISMATCH" });
        },
      ),
      { numRuns: 100 },
    );
  });

  it("rewrites the base offset in place and keeps the CRC valid", () => {
    const batch = sample();
    setBaseOffset(batch, 1234567890123n);
    assert.equal(readRecordBatchHeader(batch).baseOffset, 1234567890123n);
    verifyRecordBatchCrc(batch);
    assert.deepEqual(
      [...iterateRecords(batch)].map((r) => r.offset),
      [1234567890123n, 1234567890124n, 1234567890125n],
    );
  });

  it("rejects short, over-long and non-magic-2 batches with typed errors", () => {
    const batch = sample();
    assert.throws(() => readRecordBatchHeader(batch.subarray(0, 60)), { code: "CORRUPT_RECORD_BATCH" });
    assert.throws(() => readRecordBatchHeader(batch.subarray(0, batch.length - 1)), {
      code: "CORRUPT_RECORD_BATCH",
    });
    const v1 = Buffer.from(batch);
    v1.writeInt8(1, 16);
    assert.throws(() => readRecordBatchHeader(v1), { code: "UNSUPPORTED_MAGIC" });
    const negative = Buffer.from(batch);
    negative.writeInt32BE(-5, 8);
    assert.throws(() => readRecordBatchHeader(negative), { code: "CORRUPT_RECORD_BATCH" });
  });
});

describe("splitRecordBatches", () => {
  it("splits concatenated batches into zero-copy slices", () => {
    const a = sample();
    const b = encodeRecordBatch({ records: [{ value: "only" }] });
    const blob = Buffer.concat([a, b]);
    const parts = splitRecordBatches(blob);
    assert.equal(parts.length, 2);
    assert.deepEqual(parts[0], a);
    assert.deepEqual(parts[1], b);
    assert.equal(parts[1]!.buffer, blob.buffer);
  });

  it("rejects a truncated trailing batch, or drops it when allowed (fetch responses)", () => {
    const blob = Buffer.concat([sample(), sample().subarray(0, 70)]);
    assert.throws(() => splitRecordBatches(blob), ProtocolError);
    assert.equal(splitRecordBatches(blob, { allowPartialTrailingBatch: true }).length, 1);
  });
});

describe("iterateRecords", () => {
  it("yields keys, values, headers, offsets and timestamps", () => {
    const records = [...iterateRecords(sample())];
    assert.equal(records.length, 3);
    assert.deepEqual(records[0], {
      offset: 0n,
      timestamp: 1_700_000_000_000n,
      key: Buffer.from("k1"),
      value: Buffer.from("v1"),
      headers: [{ key: "h", value: Buffer.from("x") }],
    });
    assert.equal(records[1]!.key, null);
    assert.equal(records[1]!.timestamp, 1_700_000_000_005n);
    assert.equal(records[2]!.value, null);
    assert.deepEqual(records[2]!.headers, [{ key: "n", value: null }]);
  });

  for (const [name, codec] of Object.entries(Compression)) {
    it(`round-trips records compressed with ${name}`, () => {
      const input = Array.from({ length: 50 }, (_, i) => ({
        key: `key-${i}`,
        value: Buffer.alloc(200 + i, i),
        headers: [{ key: "i", value: String(i) }],
      }));
      const batch = encodeRecordBatch({ records: input, compression: codec, baseOffset: 10n });
      assert.equal(readRecordBatchHeader(batch).compression, codec);
      verifyRecordBatchCrc(batch);
      const out = [...iterateRecords(batch)];
      assert.equal(out.length, 50);
      out.forEach((r, i) => {
        assert.equal(r.offset, 10n + BigInt(i));
        assert.deepEqual(r.key, Buffer.from(`key-${i}`));
        assert.deepEqual(r.value, input[i]!.value);
      });
    });
  }

  it("refuses to decompress beyond the allowed size", () => {
    const batch = encodeRecordBatch({
      records: [{ value: Buffer.alloc(1 << 20) }],
      compression: Compression.Gzip,
    });
    assert.throws(() => [...iterateRecords(batch, { maxDecompressedBytes: 1024 })], {
      code: "DECOMPRESSION_FAILED",
    });
  });

  it("uses the batch max timestamp for LogAppendTime batches", () => {
    const batch = encodeRecordBatch({
      timestampType: TimestampType.LogAppendTime,
      records: [
        { value: "a", timestamp: 5n },
        { value: "b", timestamp: 9n },
      ],
    });
    assert.deepEqual(
      [...iterateRecords(batch)].map((r) => r.timestamp),
      [9n, 9n],
    );
  });

  it("rejects a record count that disagrees with the data", () => {
    const batch = sample();
    batch.writeInt32BE(4, 57);
    assert.throws(() => [...iterateRecords(batch)], ProtocolError);
    batch.writeInt32BE(2, 57);
    assert.throws(() => [...iterateRecords(batch)], { code: "CORRUPT_RECORD_BATCH" });
  });
});
