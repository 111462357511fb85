import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
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
});
