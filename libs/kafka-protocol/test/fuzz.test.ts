import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import {
  Compression,
  decodeRequest,
  encodeRecordBatch,
  encodeRequest,
  FrameDecoder,
  iterateRecords,
  ProtocolError,
  splitRecordBatches,
  verifyRecordBatchCrc,
} from "../src/index.ts";
import { fixturesDir } from "./support/golden.ts";

// Fuzzing: random and mutated frames/batches must either decode or fail with a
// ProtocolError: never another exception, a hang, or an allocation beyond the input.
// A fixed-seed PRNG keeps failures reproducible.

function prng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 0x100000000;
  };
}

const interesting = [0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff];

function mutate(rand: () => number, input: Buffer): Buffer {
  const pick = (n: number) => Math.floor(rand() * n);
  const out = Buffer.from(input);
  switch (pick(6)) {
    case 0: // truncate
      return out.subarray(0, pick(out.length + 1));
    case 1: // flip bytes
      for (let i = 0, n = 1 + pick(4); i < n && out.length > 0; i++) out[pick(out.length)] = pick(256);
      return out;
    case 2: // overwrite a 32-bit field with an interesting (huge/negative) value
      if (out.length >= 4) out.writeUInt32BE(interesting[pick(interesting.length)]!, pick(out.length - 3));
      return out;
    case 3: // overwrite a 16-bit length with -1 or a big value
      if (out.length >= 2) out.writeUInt16BE(interesting[pick(7)]! & 0xffff, pick(out.length - 1));
      return out;
    case 4: // insert random bytes
      return Buffer.concat([out.subarray(0, pick(out.length + 1)), randomBytes(rand, 1 + pick(8)), out]);
    default: // random bytes behind a valid header prefix
      return Buffer.concat([out.subarray(0, Math.min(out.length, 8 + pick(8))), randomBytes(rand, pick(64))]);
  }
}

function randomBytes(rand: () => number, n: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(rand() * 256);
  return b;
}

function corpus(): Buffer[] {
  const frames: Buffer[] = [];
  for (const client of readdirSync(fixturesDir)) {
    for (const file of readdirSync(join(fixturesDir, client)))
      frames.push(readFileSync(join(fixturesDir, client, file)));
  }
  const records = encodeRecordBatch({ records: [{ key: "k", value: "v" }] });
  for (const apiVersion of [3, 9, 11]) {
    frames.push(
      encodeRequest(
        { apiKey: 0, apiVersion, correlationId: 1, clientId: "fuzz" },
        { acks: -1, timeoutMs: 1, topicData: [{ name: "t", partitionData: [{ index: 0, records }] }] },
      ).subarray(4),
    );
  }
  return frames;
}

function expectProtocolErrorOnly(fn: () => void): boolean {
  try {
    fn();
    return true;
  } catch (err) {
    if (!(err instanceof ProtocolError)) throw err;
    return false;
  }
}

describe("fuzz", () => {
  it("decodes 120,000 random and mutated request frames with typed errors only", () => {
    const rand = prng(0xc1a55);
    const seeds = corpus();
    assert.ok(seeds.length > 40);
    let decoded = 0;
    let rejected = 0;
    const total = 120_000;
    for (let i = 0; i < total; i++) {
      const frame =
        i % 10 === 0 ? randomBytes(rand, Math.floor(rand() * 128)) : mutate(rand, seeds[i % seeds.length]!);
      const ok = expectProtocolErrorOnly(() => {
        const req = decodeRequest(frame);
        // whatever decodes must also encode again (or fail typed)
        // biome-ignore lint/suspicious/noExplicitAny: generic over every API
        expectProtocolErrorOnly(() => encodeRequest(req.header as any, req.body as any));
      });
      if (ok) decoded++;
      else rejected++;
    }
    assert.equal(decoded + rejected, total);
    assert.ok(rejected > total / 2, `most mutations must be rejected (${rejected})`);
    assert.ok(decoded > 100, `some mutations still decode (${decoded})`);
  });

  it("splits and iterates 20,000 mutated record batches with typed errors only", () => {
    const rand = prng(0xba7c4);
    const batches = Object.values(Compression).map((compression) =>
      encodeRecordBatch({
        compression,
        records: Array.from({ length: 5 }, (_, i) => ({
          key: `k${i}`,
          value: `value-${i}`,
          headers: [{ key: "h", value: "x" }],
        })),
      }),
    );
    let crcFailures = 0;
    for (let i = 0; i < 20_000; i++) {
      const blob = mutate(rand, batches[i % batches.length]!);
      expectProtocolErrorOnly(() => {
        for (const batch of splitRecordBatches(blob)) {
          if (!expectProtocolErrorOnly(() => verifyRecordBatchCrc(batch))) crcFailures++;
          for (const _ of iterateRecords(batch, { maxDecompressedBytes: 1 << 20 })) {
            // iterate to the end
          }
        }
      });
    }
    assert.ok(crcFailures > 1000, `mutations must be caught by the CRC (${crcFailures})`);
  });

  it("feeds 10,000 random byte streams through FrameDecoder with bounded buffering", () => {
    const rand = prng(0xf4a3e);
    for (let i = 0; i < 10_000; i++) {
      const decoder = new FrameDecoder({ maxFrameBytes: 4096 });
      const stream = randomBytes(rand, Math.floor(rand() * 256));
      expectProtocolErrorOnly(() => {
        for (let at = 0; at < stream.length; at += 7) {
          for (const frame of decoder.push(stream.subarray(at, at + 7))) assert.ok(frame.length <= 4096);
          assert.ok(decoder.bufferedBytes <= 4096 + 4 + 7);
        }
      });
    }
  });
});
