import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ErrorCode } from "../../src/errors.ts";
import { ObjectBuilder } from "../../src/object/object-builder.ts";
import { decodeBlock, decodeFooter, decodeIndex, FOOTER_SIZE } from "../../src/object/object-format.ts";
import type { StreamRecord } from "../../src/stream-types.ts";
import { rejectsWith } from "../object-manager-contract.ts";

function records(from: number, n: number, size: number): StreamRecord[] {
  return Array.from({ length: n }, (_, i) => ({
    baseOffset: from + 2 * i,
    count: 2,
    timestamp: 1000 + i,
    payload: Buffer.alloc(size, i),
  }));
}

function build(blockBytes: number) {
  const builder = new ObjectBuilder(blockBytes);
  const a = builder.addStream(1, records(0, 10, 100));
  const b = builder.addStream(2, records(50, 3, 1000));
  const body = builder.finish();
  return { a, b, bytes: Buffer.concat(body.chunks), size: body.size };
}

function parse(bytes: Buffer) {
  const footer = decodeFooter(9, bytes.subarray(bytes.length - FOOTER_SIZE), bytes.length);
  return decodeIndex(
    9,
    bytes.subarray(footer.indexPosition, footer.indexPosition + footer.indexLength),
    footer,
  );
}

describe("object format", () => {
  it("round-trips two streams, splitting blocks at the block size without cutting records", () => {
    const { a, b, bytes, size } = build(512);
    assert.equal(bytes.length, size);
    assert.deepEqual([a.startOffset, a.endOffset, b.startOffset, b.endOffset], [0, 20, 50, 56]);
    const index = parse(bytes);
    assert.ok(index.filter((e) => e.streamId === 1).length > 1, "stream 1 spans several blocks");
    const decoded = index.flatMap((e) => decodeBlock(9, bytes.subarray(e.position, e.position + e.size), e));
    assert.deepEqual(
      decoded.map((r) => [r.baseOffset, r.count, r.timestamp, r.payload.length]),
      [...records(0, 10, 100), ...records(50, 3, 1000)].map((r) => [
        r.baseOffset,
        r.count,
        r.timestamp,
        r.payload.length,
      ]),
    );
    assert.equal(b.position, a.position + a.length, "stream ranges are contiguous byte ranges");
  });

  it("builds the same bytes when yielding to the event loop", async () => {
    const plain = build(512);
    const builder = new ObjectBuilder(512);
    await builder.addStreamYielding(1, records(0, 10, 100), 256);
    await builder.addStreamYielding(2, records(50, 3, 1000), 256);
    assert.deepEqual(Buffer.concat(builder.finish().chunks), plain.bytes);
  });

  it("detects a flipped byte in a block, the index or the footer", async () => {
    const { bytes } = build(4096);
    const index = parse(bytes);
    const entry = index[0]!;
    const damagedBlock = Buffer.from(bytes.subarray(entry.position, entry.position + entry.size));
    damagedBlock[10]! ^= 1;
    await assert.rejects(
      async () => decodeBlock(9, damagedBlock, entry),
      rejectsWith(ErrorCode.CORRUPT_DATA),
    );
    const damagedPayload = Buffer.from(bytes.subarray(entry.position, entry.position + entry.size));
    damagedPayload[damagedPayload.length - 1]! ^= 1;
    await assert.rejects(
      async () => decodeBlock(9, damagedPayload, entry),
      rejectsWith(ErrorCode.CORRUPT_DATA),
    );
    const damagedIndex = Buffer.from(bytes);
    damagedIndex[bytes.length - FOOTER_SIZE - 5]! ^= 1;
    await assert.rejects(async () => parse(damagedIndex), rejectsWith(ErrorCode.CORRUPT_DATA));
    const damagedFooter = Buffer.from(bytes);
    damagedFooter[bytes.length - 3]! ^= 1;
    await assert.rejects(async () => parse(damagedFooter), rejectsWith(ErrorCode.CORRUPT_DATA));
    await assert.rejects(
      async () => decodeFooter(9, bytes.subarray(0, 10), 10),
      rejectsWith(ErrorCode.CORRUPT_DATA),
    );
  });
});
