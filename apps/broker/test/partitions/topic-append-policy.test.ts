import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  Compression,
  ErrorCode,
  encodeRecordBatch,
  iterateRecords,
  readRecordBatchHeader,
  recordBatchCrcMatches,
  TimestampType,
} from "@cirrus/kafka-protocol";
import {
  appendPolicyOf,
  applyAppendPolicy,
  DEFAULT_APPEND_POLICY,
} from "../../src/partitions/topic-append-policy.ts";

const NOW = 1_800_000_000_000;
const batchOf = (...timestamps: number[]) => {
  const payload = encodeRecordBatch({
    records: timestamps.map((t, i) => ({ value: `v${i}`, timestamp: BigInt(t) })),
  });
  return { payload, count: timestamps.length, maxTimestamp: Math.max(...timestamps) };
};

describe("topic append policy (max.message.bytes, message.timestamp.*)", () => {
  it("reads Kafka's defaults from a topic with no configs, and memoizes per configs object", () => {
    assert.equal(appendPolicyOf(undefined), DEFAULT_APPEND_POLICY);
    assert.deepEqual(appendPolicyOf({}), DEFAULT_APPEND_POLICY);
    const configs = { "max.message.bytes": "100", "message.timestamp.type": "LogAppendTime" };
    assert.equal(appendPolicyOf(configs), appendPolicyOf(configs));
    assert.deepEqual(appendPolicyOf(configs), {
      ...DEFAULT_APPEND_POLICY,
      maxMessageBytes: 100,
      logAppendTime: true,
    });
    assert.equal(
      appendPolicyOf({ "message.timestamp.before.max.ms": "9223372036854775807" }).timestampBeforeMaxMs,
      Number.POSITIVE_INFINITY,
    );
    const legacy = appendPolicyOf({
      "message.timestamp.difference.max.ms": "1000",
      "message.timestamp.after.max.ms": "10",
    });
    assert.deepEqual([legacy.timestampBeforeMaxMs, legacy.timestampAfterMaxMs], [1000, 10]);
  });

  it("refuses a batch larger than max.message.bytes with MESSAGE_TOO_LARGE", () => {
    const batch = batchOf(NOW);
    const policy = appendPolicyOf({ "max.message.bytes": String(batch.payload.length - 1) });
    const verdict = applyAppendPolicy([batch], policy, NOW);
    assert.equal(verdict.ok, false);
    assert.equal(!verdict.ok && verdict.errorCode, ErrorCode.MESSAGE_TOO_LARGE);
    const fits = appendPolicyOf({ "max.message.bytes": String(batch.payload.length) });
    assert.equal(applyAppendPolicy([batch], fits, NOW).ok, true);
  });

  it("refuses a record outside the CreateTime window with INVALID_TIMESTAMP naming it", () => {
    const policy = appendPolicyOf({
      "message.timestamp.before.max.ms": "60000",
      "message.timestamp.after.max.ms": "1000",
    });
    assert.equal(applyAppendPolicy([batchOf(NOW - 60_000, NOW + 1000)], policy, NOW).ok, true);
    // The out-of-range record is the second: neither the batch's first nor its max timestamp shows it.
    const verdict = applyAppendPolicy([batchOf(NOW, NOW - 60_001, NOW + 5)], policy, NOW);
    assert.equal(verdict.ok, false);
    if (verdict.ok) return;
    assert.equal(verdict.errorCode, ErrorCode.INVALID_TIMESTAMP);
    assert.deepEqual(
      verdict.recordErrors.map((e) => e.batchIndex),
      [1],
    );
    assert.match(verdict.message, /Timestamp 1799999939999 of message with offset 1 is out of range/);
    const ahead = applyAppendPolicy([batchOf(NOW + 1001)], policy, NOW);
    assert.equal(!ahead.ok && ahead.errorCode, ErrorCode.INVALID_TIMESTAMP);
  });

  it("a corrupt batch in a windowed topic is CORRUPT_MESSAGE, not a throw", () => {
    const batch = batchOf(NOW);
    batch.payload.writeInt32BE(5, 57); // record count no longer matches the records
    const policy = appendPolicyOf({ "message.timestamp.before.max.ms": "1" });
    const verdict = applyAppendPolicy([batch], policy, NOW);
    assert.equal(!verdict.ok && verdict.errorCode, ErrorCode.CORRUPT_MESSAGE);
  });

  it("LogAppendTime stamps every batch with the append time and answers it", () => {
    const policy = appendPolicyOf({ "message.timestamp.type": "LogAppendTime" });
    const verdict = applyAppendPolicy([batchOf(5, 6), batchOf(7)], policy, NOW);
    assert.ok(verdict.ok);
    assert.equal(verdict.logAppendTimeMs, NOW);
    for (const batch of verdict.batches) {
      assert.equal(batch.maxTimestamp, NOW, "the time index sees the append time");
      assert.ok(recordBatchCrcMatches(batch.payload));
      assert.equal(readRecordBatchHeader(batch.payload).timestampType, TimestampType.LogAppendTime);
      for (const record of iterateRecords(batch.payload)) assert.equal(record.timestamp, BigInt(NOW));
    }
    const createTime = applyAppendPolicy([batchOf(5)], DEFAULT_APPEND_POLICY, NOW);
    assert.ok(createTime.ok);
    assert.equal(createTime.logAppendTimeMs, -1);
  });

  it("a compacted topic refuses a record without a key with INVALID_RECORD naming it (Kafka's LogValidator)", () => {
    const keyed = encodeRecordBatch({ records: [{ key: "k", value: "v" }] });
    const mixed = encodeRecordBatch({
      records: [
        { key: "k", value: "v" },
        { key: null, value: "no key" },
      ],
    });
    const tombstone = encodeRecordBatch({ records: [{ key: "k", value: null }] });
    const batch = (payload: Buffer, count: number) => ({ payload, count, maxTimestamp: 0 });
    for (const cleanup of ["compact", "delete, compact", "COMPACT"]) {
      const policy = appendPolicyOf({ "cleanup.policy": cleanup });
      assert.equal(policy.keysRequired, true, cleanup);
      assert.equal(applyAppendPolicy([batch(keyed, 1), batch(tombstone, 1)], policy, NOW).ok, true);
      const verdict = applyAppendPolicy([batch(keyed, 1), batch(mixed, 2)], policy, NOW);
      assert.equal(verdict.ok, false);
      assert.equal(!verdict.ok && verdict.errorCode, ErrorCode.INVALID_RECORD);
      assert.deepEqual(!verdict.ok && verdict.recordErrors, [
        { batchIndex: 1, batchIndexErrorMessage: "Compacted topic cannot accept message without key." },
      ]);
      const corrupt = Buffer.from(keyed);
      corrupt.writeInt32BE(5, 57); // five records declared, one stored
      const bad = applyAppendPolicy([batch(corrupt, 1)], policy, NOW);
      assert.equal(!bad.ok && bad.errorCode, ErrorCode.CORRUPT_MESSAGE);
    }
    // A delete-only topic takes keyless records.
    assert.equal(appendPolicyOf({ "cleanup.policy": "delete" }).keysRequired, false);
    assert.equal(applyAppendPolicy([batch(mixed, 2)], DEFAULT_APPEND_POLICY, NOW).ok, true);
  });

  describe("compression.type", () => {
    const records = () =>
      Array.from({ length: 20 }, (_, i) => ({
        key: `k${i}`,
        value: i === 3 ? null : `value ${i} `.repeat(20),
        headers: [{ key: "h", value: `${i}` }],
        timestamp: BigInt(NOW - 1000 + i),
      }));
    const producerBatch = (compression: number) => {
      const payload = encodeRecordBatch({
        records: records(),
        compression,
        producerId: 42n,
        producerEpoch: 3,
        baseSequence: 17,
        isTransactional: true,
        partitionLeaderEpoch: 5,
      });
      return { payload, count: 20, maxTimestamp: NOW - 1000 + 19 };
    };
    const contentOf = (payload: Buffer) =>
      [...iterateRecords(payload)].map((r) => [
        r.offset,
        r.timestamp,
        r.key?.toString(),
        r.value?.toString() ?? null,
        r.headers.map((h) => [h.key, h.value?.toString()]),
      ]);
    const headerOf = (payload: Buffer) => {
      const h = readRecordBatchHeader(payload);
      return [
        h.lastOffsetDelta,
        h.maxTimestamp,
        h.baseTimestamp,
        h.producerId,
        h.producerEpoch,
        h.baseSequence,
        h.isTransactional,
        h.partitionLeaderEpoch,
        h.timestampType,
      ];
    };

    it("`producer` and a batch already in the topic's codec are stored as sent (the same bytes)", () => {
      assert.equal(appendPolicyOf({ "compression.type": "producer" }).compression, undefined);
      const gzip = producerBatch(Compression.Gzip);
      const cases: Record<string, string>[] = [
        { "compression.type": "producer" },
        { "compression.type": "gzip" },
        {},
      ];
      for (const configs of cases) {
        const sent = [gzip, gzip];
        const verdict = applyAppendPolicy(sent, appendPolicyOf(configs), NOW);
        assert.ok(verdict.ok);
        assert.equal(verdict.batches, sent, "nothing re-encoded: the batches as sent, not a copy");
      }
      // Only the batch in another codec is re-encoded; the others keep their bytes.
      const mixed = applyAppendPolicy(
        [gzip, producerBatch(Compression.None), gzip],
        appendPolicyOf(cases[1]),
        NOW,
      );
      assert.ok(mixed.ok);
      assert.deepEqual(
        mixed.batches.map((b) => [b.payload === gzip.payload, readRecordBatchHeader(b.payload).compression]),
        [
          [true, Compression.Gzip],
          [false, Compression.Gzip],
          [true, Compression.Gzip],
        ],
      );
    });

    it("a named codec re-encodes the batch in it, keeping every record and the producer's header", () => {
      for (const [from, name, to] of [
        [Compression.None, "zstd", Compression.Zstd],
        [Compression.Gzip, "uncompressed", Compression.None],
        [Compression.Snappy, "lz4", Compression.Lz4],
        [Compression.Lz4, "gzip", Compression.Gzip],
        [Compression.Zstd, "snappy", Compression.Snappy],
      ] as const) {
        const sent = producerBatch(from);
        const verdict = applyAppendPolicy([sent], appendPolicyOf({ "compression.type": name }), NOW);
        assert.ok(verdict.ok, name);
        const stored = verdict.batches[0]!;
        assert.equal(readRecordBatchHeader(stored.payload).compression, to, name);
        assert.ok(recordBatchCrcMatches(stored.payload), `${name}: valid CRC`);
        assert.deepEqual(contentOf(stored.payload), contentOf(sent.payload), `${name}: same records`);
        assert.deepEqual(headerOf(stored.payload), headerOf(sent.payload), `${name}: same header`);
        assert.deepEqual([stored.count, stored.maxTimestamp], [sent.count, sent.maxTimestamp]);
      }
    });

    it("with LogAppendTime the re-encoded batch is stamped; a batch growing past max.message.bytes is refused", () => {
      const sent = producerBatch(Compression.Gzip);
      const stamped = applyAppendPolicy(
        [sent],
        appendPolicyOf({ "compression.type": "uncompressed", "message.timestamp.type": "LogAppendTime" }),
        NOW,
      );
      assert.ok(stamped.ok);
      const header = readRecordBatchHeader(stamped.batches[0]!.payload);
      assert.deepEqual(
        [header.compression, header.timestampType, header.maxTimestamp],
        [Compression.None, TimestampType.LogAppendTime, BigInt(NOW)],
      );
      assert.ok(recordBatchCrcMatches(stamped.batches[0]!.payload));
      const limit = String(sent.payload.length + 10);
      const grown = applyAppendPolicy(
        [sent],
        appendPolicyOf({ "compression.type": "uncompressed", "max.message.bytes": limit }),
        NOW,
      );
      assert.equal(!grown.ok && grown.errorCode, ErrorCode.MESSAGE_TOO_LARGE);
    });

    it("a batch whose compressed records cannot be read is CORRUPT_MESSAGE, not a throw", () => {
      const sent = producerBatch(Compression.Gzip);
      const broken = Buffer.from(sent.payload);
      broken.fill(0x55, 70, 90); // inside the gzip stream
      const verdict = applyAppendPolicy(
        [{ ...sent, payload: broken }],
        appendPolicyOf({ "compression.type": "zstd" }),
        NOW,
      );
      assert.equal(!verdict.ok && verdict.errorCode, ErrorCode.CORRUPT_MESSAGE);
    });
  });
});
