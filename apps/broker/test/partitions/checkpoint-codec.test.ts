import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { crc32 } from "node:zlib";
import fc from "fast-check";
import { isCoordinatorError } from "../../src/errors.ts";
import {
  type Checkpoint,
  decodeCheckpoint,
  encodeCheckpoint,
} from "../../src/partitions/checkpoint-codec.ts";

const sample: Checkpoint = {
  streamId: 42,
  leaderEpoch: 3,
  offset: 2 ** 40 + 17,
  writtenAtMs: 1_763_000_000_000,
  granuleBytes: 1024 * 1024,
  lastBatch: { baseOffset: 2 ** 40 + 10, crc: 0xfedcba98 },
  producers: [
    {
      producerId: 9_223_372_036_854_775_807n,
      lastTimestamp: -1,
      batches: [
        { epoch: 0, firstSeq: 2_147_483_640, lastOffsetDelta: 9, baseOffset: 100 },
        { epoch: 32_767, firstSeq: 2, lastOffsetDelta: 0, baseOffset: 2 ** 40 + 10 },
      ],
    },
    {
      producerId: 0n,
      lastTimestamp: 1_763_000_000_123,
      batches: [{ epoch: 1, firstSeq: 0, lastOffsetDelta: 4, baseOffset: 7 }],
    },
  ],
  granules: [
    { offset: 0, maxTimestamp: 500, maxTimestampOffset: 3, bytes: 1_048_600 },
    { offset: 90, maxTimestamp: 120, maxTimestampOffset: 90, bytes: 1_048_577 },
    { offset: 2 ** 40, maxTimestamp: 1_763_000_000_000, maxTimestampOffset: 2 ** 40 + 10, bytes: 12 },
  ],
  txns: {
    ongoing: [
      { producerId: 9_223_372_036_854_775_807n, firstOffset: 2 ** 40 + 3 },
      { producerId: 0n, firstOffset: 0 },
    ],
    aborted: [
      { producerId: 4n, firstOffset: 90, lastOffset: 95 },
      { producerId: 0n, firstOffset: 7, lastOffset: 2 ** 40 + 1 },
    ],
    markers: [
      { producerId: 4n, epoch: 32_767, offset: 95 },
      { producerId: 0n, epoch: 0, offset: 2 ** 40 + 1 },
    ],
  },
};

/**
 * A version 1 checkpoint exactly as the code before transactions were carried wrote it (commit 364a7f5):
 * stream 42 at 2^40 + 17, one producer (id 5) with one batch, one granule.
 */
const VERSION_1 =
  "434b505401f4dd36c52a0391808080802080bcf4d7a733808040018a8080808020fedcba98010000000000000005f6f9e8afcf66" +
  "01010004070100e80703988040";

function assertCorrupt(fn: () => unknown, message?: string) {
  assert.throws(fn, (e: unknown) => isCoordinatorError(e, "CHECKPOINT_CORRUPT"), message);
}

describe("checkpoint codec", () => {
  it("round-trips every field, including 2^40 offsets, int64 producer ids and negative timestamps", () => {
    assert.deepEqual(decodeCheckpoint(encodeCheckpoint(sample)), sample);
    const empty = { ...sample, lastBatch: undefined, producers: [], granules: [] };
    assert.deepEqual(decodeCheckpoint(encodeCheckpoint(empty)), empty);
    const noTxns = { ...sample, txns: undefined };
    assert.deepEqual(decodeCheckpoint(encodeCheckpoint(noTxns)), noTxns);
    const emptyTxns = { ...sample, txns: { ongoing: [], aborted: [], markers: [] } };
    assert.deepEqual(decodeCheckpoint(encodeCheckpoint(emptyTxns)), emptyTxns);
  });

  it("still reads a version 1 checkpoint (no transactions: txns undefined)", () => {
    const decoded = decodeCheckpoint(Buffer.from(VERSION_1, "hex"));
    assert.deepEqual(decoded, {
      streamId: 42,
      leaderEpoch: 3,
      offset: 2 ** 40 + 17,
      writtenAtMs: 1_763_000_000_000,
      granuleBytes: 1024 * 1024,
      lastBatch: { baseOffset: 2 ** 40 + 10, crc: 0xfedcba98 },
      producers: [
        {
          producerId: 5n,
          lastTimestamp: 1_763_000_000_123,
          batches: [{ epoch: 1, firstSeq: 0, lastOffsetDelta: 4, baseOffset: 7 }],
        },
      ],
      granules: [{ offset: 0, maxTimestamp: 500, maxTimestampOffset: 3, bytes: 1_048_600 }],
      txns: undefined,
    });
    // The same fields written now: version 2, the body one "no transactions" byte longer.
    const now = encodeCheckpoint(decoded);
    assert.equal(now.readUInt8(4), 2);
    assert.deepEqual(now.subarray(9, -1), Buffer.from(VERSION_1, "hex").subarray(9));
    assert.deepEqual(decodeCheckpoint(now), decoded);
  });

  it("refuses aborted transactions out of marker order", () => {
    const [a, b] = sample.txns!.aborted;
    const swapped = { ...sample, txns: { ...sample.txns!, aborted: [b!, a!] } };
    assertCorrupt(() => decodeCheckpoint(encodeCheckpoint(swapped)));
  });

  it("is compact: a granule costs a few bytes, not three int64s", () => {
    const granules = Array.from({ length: 1000 }, (_, i) => ({
      offset: i * 1000,
      maxTimestamp: 1_763_000_000_000 + i * 50,
      maxTimestampOffset: i * 1000 + 7,
      bytes: 1_048_700,
    }));
    const size = encodeCheckpoint({ ...sample, producers: [], granules }).length;
    assert.ok(size < 1000 * 10, `1000 granules took ${size} bytes`);
  });

  it("refuses every single flipped bit and every truncation with CHECKPOINT_CORRUPT", () => {
    const good = encodeCheckpoint(sample);
    for (let i = 0; i < good.length; i++) {
      for (const bit of [0x01, 0x80]) {
        const bad = Buffer.from(good);
        bad[i]! ^= bit;
        assertCorrupt(() => decodeCheckpoint(bad), `byte ${i} bit ${bit}`);
      }
    }
    for (let n = 0; n < good.length; n++)
      assertCorrupt(() => decodeCheckpoint(good.subarray(0, n)), `first ${n} bytes`);
    assertCorrupt(() => decodeCheckpoint(Buffer.concat([good, Buffer.from([0])])), "a trailing byte");
  });

  it("refuses an unknown version even with a valid CRC", () => {
    const future = encodeCheckpoint(sample);
    future.writeUInt8(3, 4);
    assert.throws(() => decodeCheckpoint(future), /unknown checkpoint version 3/);
    future.writeUInt8(0, 4);
    assert.throws(() => decodeCheckpoint(future), /unknown checkpoint version 0/);
  });

  it("never throws anything but CHECKPOINT_CORRUPT on arbitrary bytes, even behind a valid header and CRC", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 300 }),
        fc.boolean(),
        fc.constantFrom(1, 2),
        (bytes, framed, v) => {
          let buf = Buffer.from(bytes);
          if (framed) {
            const header = Buffer.alloc(9);
            header.write("CKPT", 0, "latin1");
            header.writeUInt8(v, 4);
            header.writeUInt32BE(crc32(buf) >>> 0, 5);
            buf = Buffer.concat([header, buf]);
          }
          try {
            decodeCheckpoint(buf);
          } catch (error) {
            assert.ok(isCoordinatorError(error, "CHECKPOINT_CORRUPT"), String(error));
          }
        },
      ),
      { numRuns: 3000 },
    );
  });
});
