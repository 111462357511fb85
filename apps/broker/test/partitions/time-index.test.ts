import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MAX_STATE_TIMESTAMP } from "../../src/partitions/state-timestamp.ts";
import { TimeIndex } from "../../src/partitions/time-index.ts";

/** Ten records of 100 bytes and 2 offsets each (offsets 0..19), granules of 300 bytes: [0,6) [6,12) [12,18) [18,20). */
function indexOf(timestamps: number[]): TimeIndex {
  const index = new TimeIndex(300);
  timestamps.forEach((t, i) => {
    index.add(i * 2, 2, t, 100);
  });
  return index;
}

describe("TimeIndex", () => {
  const timestamps = [10, 30, 20, 40, 40, 35, 50, 90, 60, 70];

  it("cuts granules by bytes and keeps each one's max timestamp and the first offset reaching it", () => {
    const index = indexOf(timestamps);
    assert.deepEqual(
      index.granules.map((g) => [g.offset, g.maxTimestamp, g.maxTimestampOffset, g.bytes]),
      [
        [0, 30, 2, 300],
        [6, 40, 6, 300],
        [12, 90, 14, 300],
        [18, 70, 18, 100],
      ],
    );
    assert.equal(index.end, 20);
  });

  it("narrows a timestamp lookup to the one granule that must hold the answer", () => {
    const index = indexOf(timestamps);
    assert.deepEqual(index.candidates(5, 0), [{ from: 0, to: 6 }]);
    assert.deepEqual(index.candidates(31, 0), [{ from: 6, to: 12 }]);
    assert.deepEqual(index.candidates(41, 0), [{ from: 12, to: 18 }]);
    assert.deepEqual(index.candidates(91, 0), []);
  });

  it("clamps timestamps past the state's bound; a search beyond it lists every granule that reached the bound", () => {
    // 2^53 - 1: what a stream written before Produce clamped may hold.
    const index = indexOf([10, 2 ** 53 - 1, 20, 30, 40, 50, 60, MAX_STATE_TIMESTAMP, 70, 80]);
    assert.deepEqual(
      index.granules.map((g) => g.maxTimestamp),
      [MAX_STATE_TIMESTAMP, 50, MAX_STATE_TIMESTAMP, 80],
    );
    assert.deepEqual(index.candidates(45, 0), [{ from: 0, to: 6 }]);
    assert.deepEqual(index.candidates(MAX_STATE_TIMESTAMP, 0), [{ from: 0, to: 6 }]);
    assert.deepEqual(index.candidates(2 ** 62, 0), [
      { from: 0, to: 6 },
      { from: 12, to: 18 },
    ]);
    assert.deepEqual(index.candidates(2 ** 62, 8), [{ from: 12, to: 18 }]);
  });

  it("after retention, scans the log-start granule from the log start, then the next one reaching the target", () => {
    const index = indexOf(timestamps);
    assert.deepEqual(index.candidates(25, 4), [
      { from: 4, to: 6 },
      { from: 6, to: 12 },
    ]);
    assert.deepEqual(index.candidates(45, 13), [
      { from: 13, to: 18 },
      { from: 18, to: 20 },
    ]);
  });

  it("answers the max from the granules, or asks to scan the log-start granule once its max was trimmed", () => {
    const index = indexOf(timestamps);
    assert.deepEqual(index.max(0), { best: { timestamp: 90, offset: 14 }, scan: undefined });
    assert.deepEqual(index.max(15), { best: { timestamp: 70, offset: 18 }, scan: { from: 15, to: 18 } });
    assert.deepEqual(new TimeIndex(300).max(0), { best: undefined, scan: undefined });
  });

  it("forgets granules wholly below the log start, and everything once the log start passes the end", () => {
    const index = indexOf(timestamps);
    index.forgetBelow(13);
    assert.deepEqual(
      index.granules.map((g) => g.offset),
      [12, 18],
    );
    assert.deepEqual(index.candidates(5, 13), [
      { from: 13, to: 18 },
      { from: 18, to: 20 },
    ]);
    index.forgetBelow(20);
    assert.deepEqual(index.granules, []);
  });

  it("restored from granules, continues exactly as if it had seen every record", () => {
    const whole = indexOf(timestamps);
    const half = indexOf(timestamps.slice(0, 7));
    const restored = new TimeIndex(300, half.granules, half.end);
    timestamps.slice(7).forEach((t, k) => {
      restored.add((7 + k) * 2, 2, t, 100);
    });
    assert.deepEqual(restored.granules, whole.granules);
    for (const t of [0, 25, 45, 80, 95]) assert.deepEqual(restored.candidates(t, 0), whole.candidates(t, 0));
  });
});
