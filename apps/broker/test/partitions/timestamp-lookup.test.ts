import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { TimeIndex } from "../../src/partitions/time-index.ts";
import { offsetForTimestamp } from "../../src/partitions/timestamp-lookup.ts";
import { MemoryLog, scanForTimestamp } from "./memory-log.ts";

function indexed(log: MemoryLog, granuleBytes: number): TimeIndex {
  const index = new TimeIndex(granuleBytes);
  for (const r of log.records) index.add(r.baseOffset, r.count, r.timestamp, r.payload.length);
  return index;
}

describe("ListOffsets by timestamp finds the record inside the batch", () => {
  it("answers the first record at or after the timestamp, not the batch's first offset", async () => {
    const log = new MemoryLog();
    log.appendTimestamps([100, 200, 300]); // offsets 0..2
    log.appendTimestamps([500, 400, 600]); // offsets 3..5: timestamps out of order inside the batch
    const index = indexed(log, 1);
    assert.deepEqual(await offsetForTimestamp(index, log, 150), { offset: 1, timestamp: 200 });
    assert.deepEqual(await offsetForTimestamp(index, log, 300), { offset: 2, timestamp: 300 });
    assert.deepEqual(await offsetForTimestamp(index, log, 301), { offset: 3, timestamp: 500 });
    assert.deepEqual(await offsetForTimestamp(index, log, 550), { offset: 5, timestamp: 600 });
    assert.deepEqual(await offsetForTimestamp(index, log, 601), { offset: -1, timestamp: -1 });
    log.trim(2);
    assert.deepEqual(
      await offsetForTimestamp(index, log, 0),
      { offset: 2, timestamp: 300 },
      "records below the log start are skipped",
    );
  });

  it("equals a scan of every record from the log start (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 1, maxLength: 5 }), {
          minLength: 1,
          maxLength: 20,
        }),
        fc.integer({ min: 0, max: 80 }),
        fc.integer({ min: 1, max: 400 }),
        fc.array(fc.integer({ min: -1, max: 1001 }), { minLength: 1, maxLength: 10 }),
        async (batches, trimTo, granuleBytes, targets) => {
          const log = new MemoryLog();
          for (const timestamps of batches) log.appendTimestamps(timestamps);
          log.trim(trimTo);
          const index = indexed(log, granuleBytes);
          index.forgetBelow(log.logStartOffset);
          for (const t of targets) {
            assert.deepEqual(await offsetForTimestamp(index, log, t), scanForTimestamp(log, t), `t=${t}`);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
