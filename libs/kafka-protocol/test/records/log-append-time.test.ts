import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  Compression,
  encodeRecordBatch,
  iterateRecords,
  readRecordBatchHeader,
  recordBatchCrcMatches,
  setLogAppendTime,
  TimestampType,
} from "../../src/index.ts";

describe("setLogAppendTime", () => {
  for (const compression of [Compression.None, Compression.Gzip]) {
    it(`stamps a batch (compression ${compression}) with the append time and a valid CRC`, () => {
      const batch = encodeRecordBatch({
        compression,
        records: [
          { value: "a", timestamp: 1000n },
          { value: "b", timestamp: 1005n },
        ],
      });
      setLogAppendTime(batch, 1_700_000_000_000);
      assert.ok(recordBatchCrcMatches(batch));
      const header = readRecordBatchHeader(batch);
      assert.equal(header.timestampType, TimestampType.LogAppendTime);
      assert.equal(header.maxTimestamp, 1_700_000_000_000n);
      assert.equal(header.compression, compression);
      assert.deepEqual(
        [...iterateRecords(batch)].map((r) => [r.value?.toString(), r.timestamp]),
        [
          ["a", 1_700_000_000_000n],
          ["b", 1_700_000_000_000n],
        ],
      );
    });
  }
});
