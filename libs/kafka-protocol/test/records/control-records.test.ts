// Control batches against Kafka's layout (ControlRecordType and EndTransactionMarker, both version 0).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  ControlRecordType,
  encodeEndTxnMarker,
  encodeRecordBatch,
  iterateRecords,
  readControlRecordType,
  readRecordBatchHeader,
  recordBatchCrcMatches,
} from "../../src/index.ts";

function controlBatch(key: Buffer | null): Buffer {
  return encodeRecordBatch({
    isTransactional: true,
    isControl: true,
    producerId: 1n,
    producerEpoch: 0,
    baseSequence: -1,
    records: [{ key, value: Buffer.alloc(6) }],
  });
}

describe("encodeEndTxnMarker", () => {
  for (const committed of [true, false]) {
    it(`writes one ${committed ? "commit" : "abort"} record with Kafka's key and value bytes`, () => {
      const batch = encodeEndTxnMarker({
        producerId: 9n,
        producerEpoch: 2,
        committed,
        coordinatorEpoch: 7,
        timestamp: 5n,
      });
      assert.ok(recordBatchCrcMatches(batch));
      const header = readRecordBatchHeader(batch);
      assert.deepEqual(
        [
          header.isControl,
          header.isTransactional,
          header.producerId,
          header.producerEpoch,
          header.baseSequence,
        ],
        [true, true, 9n, 2, -1],
      );
      const records = [...iterateRecords(batch)];
      assert.equal(records.length, 1);
      assert.deepEqual([...(records[0]?.key ?? [])], [0, 0, 0, committed ? 1 : 0]);
      assert.deepEqual([...(records[0]?.value ?? [])], [0, 0, 0, 0, 0, 7]);
      assert.equal(records[0]?.timestamp, 5n);
      assert.equal(
        readControlRecordType(batch),
        committed ? ControlRecordType.Commit : ControlRecordType.Abort,
      );
    });
  }
});

describe("readControlRecordType", () => {
  it("ignores control records it does not know (an unknown type, a short or missing key)", () => {
    assert.equal(readControlRecordType(controlBatch(Buffer.from([0, 0, 0, 2]))), undefined);
    assert.equal(readControlRecordType(controlBatch(Buffer.from([0, 0, 0]))), undefined);
    assert.equal(readControlRecordType(controlBatch(null)), undefined);
  });
});
