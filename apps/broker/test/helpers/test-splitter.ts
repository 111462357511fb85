// Until the codec's FrameDecoder is wired into these unit tests, a plain int32-size splitter that
// rejects negative and oversized frames, as the broker's real one must.
import type { FrameSplitter } from "../../src/server/connection.ts";

export function lengthPrefixSplitter(maxFrameBytes: number): FrameSplitter {
  let pending: Buffer = Buffer.alloc(0);
  return {
    push(chunk) {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      const frames: Buffer[] = [];
      while (pending.length >= 4) {
        const size = pending.readInt32BE(0);
        if (size < 0 || size > maxFrameBytes) throw new Error(`bad frame size ${size}`);
        if (pending.length < 4 + size) break;
        frames.push(pending.subarray(4, 4 + size));
        pending = pending.subarray(4 + size);
      }
      return frames;
    },
  };
}
