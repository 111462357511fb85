// Deterministic payloads that name their stream and offset, so a read can be checked byte for byte.
import assert from "node:assert/strict";
import type { StreamRecord } from "../../src/stream-types.ts";

export function payloadFor(streamId: number, offset: number, size = 64): Buffer {
  const label = Buffer.from(`s${streamId}:o${offset}:`);
  const payload = Buffer.alloc(Math.max(size, label.length), offset % 251);
  label.copy(payload);
  return payload;
}

/** Checks that records are whole, in order, gap-free from `from`, and carry the expected bytes. */
export function assertRecords(
  records: StreamRecord[],
  streamId: number,
  from: number,
  size?: number,
): number {
  let expected = from;
  for (const record of records) {
    assert.equal(record.baseOffset, expected, `record at ${record.baseOffset}, expected ${expected}`);
    assert.deepEqual(record.payload, payloadFor(streamId, record.baseOffset, size ?? record.payload.length));
    expected += record.count;
  }
  return expected;
}
