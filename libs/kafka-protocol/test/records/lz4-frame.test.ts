import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { compressFrameSync } from "lz4-napi";
import { ProtocolError } from "../../src/errors.ts";
import { decompressLz4Frames } from "../../src/records/lz4-frame.ts";

describe("decompressLz4Frames", () => {
  it("decodes what the reference lz4 encoder produces (random and repetitive data)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), fc.integer({ min: 1, max: 200 }), (bytes, repeat) => {
        const input = Buffer.concat(Array.from({ length: repeat }, () => Buffer.from(bytes)));
        assert.deepEqual(decompressLz4Frames(compressFrameSync(input), input.length), input);
      }),
      { numRuns: 60 },
    );
  });

  it("decodes multi-block frames and concatenated frames", () => {
    const big = Buffer.alloc(700_000);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7) % 251;
    const two = Buffer.concat([compressFrameSync(big), compressFrameSync(Buffer.from("tail"))]);
    assert.deepEqual(decompressLz4Frames(two, big.length + 4), Buffer.concat([big, Buffer.from("tail")]));
  });

  it("stops at the output limit instead of allocating what a bomb asks for", () => {
    const bomb = compressFrameSync(Buffer.alloc(8 * 1024 * 1024));
    assert.ok(bomb.length < 64 * 1024);
    assert.throws(
      () => decompressLz4Frames(bomb, 1024 * 1024),
      (err: unknown) => {
        return err instanceof ProtocolError && err.code === "DECOMPRESSION_FAILED";
      },
    );
  });

  it("rejects bad magic, truncation and out-of-range match offsets", () => {
    const good = compressFrameSync(Buffer.from("hello hello hello hello hello"));
    assert.throws(() => decompressLz4Frames(Buffer.from([1, 2, 3, 4]), 100), {
      code: "DECOMPRESSION_FAILED",
    });
    for (let cut = 1; cut < good.length; cut++) {
      assert.throws(() => decompressLz4Frames(good.subarray(0, cut), 100), ProtocolError);
    }
    // frame header (7 bytes), block size, then a sequence whose match points before the output
    const header = good.subarray(0, 7);
    const block = Buffer.from([0x10, 0x61, 0x09, 0x00, 0x00]);
    const size = Buffer.alloc(4);
    size.writeUInt32LE(block.length, 0);
    const bad = Buffer.concat([header, size, block, Buffer.alloc(4)]);
    assert.throws(() => decompressLz4Frames(bad, 100), /offset 9 out of range/);
  });
});
