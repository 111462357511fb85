import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { FrameDecoder, ProtocolError } from "../src/index.ts";

function framed(payload: Buffer): Buffer {
  const size = Buffer.alloc(4);
  size.writeInt32BE(payload.length, 0);
  return Buffer.concat([size, payload]);
}

describe("FrameDecoder", () => {
  it("returns frames split at any chunk boundaries, in order", () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 40 }), { minLength: 1, maxLength: 6 }),
        fc.array(fc.integer({ min: 1, max: 30 }), { minLength: 1, maxLength: 20 }),
        (payloads, cuts) => {
          const stream = Buffer.concat(payloads.map((p) => framed(Buffer.from(p))));
          const decoder = new FrameDecoder();
          const got: Buffer[] = [];
          let at = 0;
          let i = 0;
          while (at < stream.length) {
            const n = cuts[i++ % cuts.length]!;
            got.push(...decoder.push(stream.subarray(at, at + n)));
            at += n;
          }
          assert.deepEqual(
            got.map((b) => [...b]),
            payloads.map((p) => [...p]),
          );
          assert.equal(decoder.bufferedBytes, 0);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("returns a frame inside one chunk as a zero-copy slice", () => {
    const chunk = framed(Buffer.from("hello"));
    const [frame] = new FrameDecoder().push(chunk);
    assert.equal(frame!.buffer, chunk.buffer);
    assert.equal(frame!.toString(), "hello");
  });

  it("rejects an oversized frame as soon as its size arrives, before buffering it", () => {
    const decoder = new FrameDecoder({ maxFrameBytes: 1024 });
    const size = Buffer.alloc(4);
    size.writeInt32BE(1025, 0);
    assert.throws(() => decoder.push(size.subarray(0, 4)), {
      name: "ProtocolError",
      code: "FRAME_TOO_LARGE",
    });
    assert.equal(decoder.bufferedBytes, 0);
    // poisoned afterwards: the connection must be closed
    assert.throws(() => decoder.push(Buffer.alloc(1)), ProtocolError);
  });

  it("rejects the default maximum + 1 (100 MiB)", () => {
    const size = Buffer.alloc(4);
    size.writeInt32BE(100 * 1024 * 1024 + 1, 0);
    assert.throws(() => new FrameDecoder().push(size), { code: "FRAME_TOO_LARGE" });
    const ok = Buffer.alloc(4);
    ok.writeInt32BE(100 * 1024 * 1024, 0);
    assert.deepEqual(new FrameDecoder().push(ok), []);
  });

  it("rejects a negative size", () => {
    assert.throws(() => new FrameDecoder().push(Buffer.from([0xff, 0xff, 0xff, 0xfe])), {
      code: "INVALID_FRAME_SIZE",
    });
  });

  it("returns an empty frame for size 0 and keeps a partial size prefix", () => {
    const decoder = new FrameDecoder();
    assert.deepEqual(decoder.push(Buffer.from([0, 0])), []);
    const frames = decoder.push(Buffer.from([0, 0, 0, 0, 0, 1, 9]));
    assert.equal(frames.length, 2);
    assert.equal(frames[0]!.length, 0);
    assert.deepEqual([...frames[1]!], [9]);
  });
});
