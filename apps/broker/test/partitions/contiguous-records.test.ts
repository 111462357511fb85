import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isCoordinatorError } from "../../src/errors.ts";
import { contiguousRecords } from "../../src/partitions/contiguous-records.ts";
import type { LogRecord } from "../../src/partitions/partition-log-state.ts";

const record = (baseOffset: number, count = 2): LogRecord => ({
  baseOffset,
  count,
  timestamp: baseOffset,
  payload: Buffer.alloc(10),
});

/** Records at 0, 2, 4, ... 18; the first read from `holeAt` answers as if [holeAt, holeAt + 4) were missing. */
function storage(holeAt: number, persistent: boolean) {
  const all = Array.from({ length: 10 }, (_, i) => record(i * 2));
  const reads: number[] = [];
  let holed = false;
  return {
    reads,
    async readRecords(offset: number, to: number) {
      reads.push(offset);
      const out = all.filter((r) => r.baseOffset + r.count > offset && r.baseOffset < to);
      if (offset <= holeAt && (persistent || !holed)) {
        holed = true;
        return out.filter((r) => r.baseOffset < holeAt || r.baseOffset >= holeAt + 4);
      }
      return out;
    },
  };
}

async function collect(log: ReturnType<typeof storage>, from: number, to: number): Promise<number[]> {
  const seen: number[] = [];
  for await (const records of contiguousRecords(log, from, to, 1 << 20)) {
    seen.push(...records.map((r) => r.baseOffset));
  }
  return seen;
}

describe("contiguousRecords", () => {
  it("yields every record once, from the one overlapping the start", async () => {
    assert.deepEqual(await collect(storage(-10, false), 3, 11), [2, 4, 6, 8, 10]);
  });

  it("reads again from the first missing offset when a read skipped some", async () => {
    const log = storage(6, false);
    assert.deepEqual(await collect(log, 0, 20), [0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
    assert.deepEqual(log.reads, [0, 6]);
  });

  it("throws LOG_RECORD_CORRUPT when the hole is still there on the second read", async () => {
    await assert.rejects(collect(storage(6, true), 0, 20), (e: unknown) => {
      assert.ok(isCoordinatorError(e, "LOG_RECORD_CORRUPT"));
      assert.match((e as Error).message, /offsets \[6, 10\) are missing/);
      return true;
    });
  });
});
