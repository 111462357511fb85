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
import { MAX_STATE_TIMESTAMP } from "../../src/partitions/state-timestamp.ts";

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
      { producerId: 4n, epoch: 32_767, offset: 95, lastTimestamp: 1_763_000_000_456 },
      { producerId: 0n, epoch: 0, offset: 2 ** 40 + 1, lastTimestamp: -1 },
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

/**
 * A version 2 checkpoint exactly as the code before marker times were carried wrote it (commit d2db3f6): the
 * version 1 fields above, then transactions: producer 6 open from 9, producer 5 aborted [7, 8], and marker
 * epochs 5 → 1 at 8, 6 → 2 at 2^40 + 10, without times.
 */
const VERSION_2 =
  "434b505402794982d32a0391808080802080bcf4d7a733808040018a8080808020fedcba98010000000000000005f6f9e8afcf66" +
  "01010004070100e807039880400101000000000000000609010000000000000005070102000000000000000501080000000000" +
  "000006028a8080808020";

function decode(buf: Buffer): Checkpoint {
  return decodeCheckpoint(buf);
}

function assertCorrupt(fn: () => unknown, message?: string) {
  assert.throws(fn, (e: unknown) => isCoordinatorError(e, "CHECKPOINT_CORRUPT"), message);
}

describe("checkpoint codec", () => {
  it("round-trips every field, including 2^40 offsets, int64 producer ids and negative timestamps", () => {
    assert.deepEqual(decode(encodeCheckpoint(sample)), sample);
    const empty = { ...sample, lastBatch: undefined, producers: [], granules: [] };
    assert.deepEqual(decode(encodeCheckpoint(empty)), empty);
    const noTxns = { ...sample, txns: undefined };
    assert.deepEqual(decode(encodeCheckpoint(noTxns)), noTxns);
    const emptyTxns = { ...sample, txns: { ongoing: [], aborted: [], markers: [] } };
    assert.deepEqual(decode(encodeCheckpoint(emptyTxns)), emptyTxns);
  });

  it("still reads a version 1 checkpoint (no transactions: txns undefined)", () => {
    const decoded = decode(Buffer.from(VERSION_1, "hex"));
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
    // The same fields written now: version 3, the body one "no transactions" byte longer.
    const now = encodeCheckpoint(decoded);
    assert.equal(now.readUInt8(4), 3);
    assert.deepEqual(now.subarray(9, -1), Buffer.from(VERSION_1, "hex").subarray(9));
    assert.deepEqual(decode(now), decoded);
  });

  it("still reads a version 2 checkpoint: its marker epochs count as written when the checkpoint was", () => {
    const decoded = decode(Buffer.from(VERSION_2, "hex"));
    const writtenAtMs = 1_763_000_000_000;
    assert.equal(decoded.writtenAtMs, writtenAtMs);
    assert.deepEqual(decoded.txns, {
      ongoing: [{ producerId: 6n, firstOffset: 9 }],
      aborted: [{ producerId: 5n, firstOffset: 7, lastOffset: 8 }],
      markers: [
        { producerId: 5n, epoch: 1, offset: 8, lastTimestamp: writtenAtMs },
        { producerId: 6n, epoch: 2, offset: 2 ** 40 + 10, lastTimestamp: writtenAtMs },
      ],
    });
    assert.equal(decoded.producers[0]?.lastTimestamp, 1_763_000_000_123);
    // Written again it is a version 3 checkpoint that keeps those times.
    const again = encodeCheckpoint(decoded);
    assert.equal(again.readUInt8(4), 3);
    assert.deepEqual(decode(again), decoded);
  });

  it("carries each marker epoch's own time, not the checkpoint's", () => {
    const markers = sample.txns!.markers;
    assert.ok(markers.every((m) => m.lastTimestamp !== sample.writtenAtMs));
    assert.deepEqual(decode(encodeCheckpoint(sample)).txns?.markers, markers);
  });

  it("refuses aborted transactions out of marker order", () => {
    const [a, b] = sample.txns!.aborted;
    const swapped = { ...sample, txns: { ...sample.txns!, aborted: [b!, a!] } };
    assertCorrupt(() => decode(encodeCheckpoint(swapped)));
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
        assertCorrupt(() => decode(bad), `byte ${i} bit ${bit}`);
      }
    }
    for (let n = 0; n < good.length; n++)
      assertCorrupt(() => decode(good.subarray(0, n)), `first ${n} bytes`);
    assertCorrupt(() => decode(Buffer.concat([good, Buffer.from([0])])), "a trailing byte");
  });

  it("refuses an unknown version even with a valid CRC", () => {
    const future = encodeCheckpoint(sample);
    future.writeUInt8(4, 4);
    assert.throws(() => decode(future), /unknown checkpoint version 4/);
    future.writeUInt8(0, 4);
    assert.throws(() => decode(future), /unknown checkpoint version 0/);
  });

  it("never throws anything but CHECKPOINT_CORRUPT on arbitrary bytes, even behind a valid header and CRC", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 300 }),
        fc.boolean(),
        fc.constantFrom(1, 2, 3),
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
            decode(buf);
          } catch (error) {
            assert.ok(isCoordinatorError(error, "CHECKPOINT_CORRUPT"), String(error));
          }
        },
      ),
      { numRuns: 3000 },
    );
  });
});

describe("checkpoints at the state's timestamp bounds", () => {
  it("round-trip producer times of ±MAX_STATE_TIMESTAMP and granule maxima swinging between 0 and it", () => {
    const extreme: Checkpoint = {
      ...sample,
      producers: [
        { ...sample.producers[0]!, lastTimestamp: MAX_STATE_TIMESTAMP },
        { ...sample.producers[1]!, lastTimestamp: -MAX_STATE_TIMESTAMP },
      ],
      granules: [
        { offset: 0, maxTimestamp: 0, maxTimestampOffset: 0, bytes: 1 },
        { offset: 90, maxTimestamp: MAX_STATE_TIMESTAMP, maxTimestampOffset: 90, bytes: 1 },
        { offset: 2 ** 40, maxTimestamp: 0, maxTimestampOffset: 2 ** 40, bytes: 1 },
      ],
    };
    assert.deepEqual(decodeCheckpoint(encodeCheckpoint(extreme)), extreme);
  });
});
