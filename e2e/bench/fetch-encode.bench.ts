// Encoding a big Fetch response: 16 partitions, 1 MiB of stored record batches each (64 KiB batches, as
// a producer with a 64 KiB batch.size leaves them). "before" is what the broker did until the codec took
// chunks: Buffer.concat each partition's batches into one records Buffer, then encode. "after" hands the
// stored batches to the codec as a chunk list (RecordsChunks), which references them. The reference, in the
// same run, is one Buffer.concat of the same 16 MiB (the memcpy "before" pays). Reports medians per
// response, the slowest single call (how long one encode holds the event loop) and the bytes copied per
// response. Prints one JSON line.
import assert from "node:assert/strict";
import { ApiKey, type EncodableResponseBodies, encodeResponseChunks } from "@cirrus/kafka-protocol";

const quick = process.env.CIRRUS_BENCH_QUICK === "1";
const rounds = quick ? 5 : 15;
const itersPerRound = quick ? 10 : 40;
const partitions = 16;
const bytesPerPartition = 1024 * 1024;
const batchBytes = 64 * 1024;
const version = 12;

// Stored batches: separate allocations, as the log cache holds them.
const stored: Buffer[][] = Array.from({ length: partitions }, (_, p) =>
  Array.from({ length: bytesPerPartition / batchBytes }, (_, b) =>
    Buffer.alloc(batchBytes, (p * 31 + b) & 0xff),
  ),
);
const totalBytes = partitions * bytesPerPartition;

function body(
  records: (p: number) => Buffer | readonly Buffer[],
): EncodableResponseBodies[typeof ApiKey.Fetch] {
  return {
    throttleTimeMs: 0,
    errorCode: 0,
    sessionId: 0,
    responses: [
      {
        topic: "bench-topic",
        partitions: Array.from({ length: partitions }, (_, p) => ({
          partitionIndex: p,
          errorCode: 0,
          highWatermark: 1_000_000n,
          lastStableOffset: 1_000_000n,
          logStartOffset: 0n,
          abortedTransactions: null,
          records: records(p),
        })),
      },
    ],
  };
}

const header = { apiKey: ApiKey.Fetch, apiVersion: version, correlationId: 1 };
const before = () =>
  encodeResponseChunks(
    header,
    body((p) => Buffer.concat(stored[p]!)),
  );
const after = () =>
  encodeResponseChunks(
    header,
    body((p) => stored[p]!),
  );
const reference = () => Buffer.concat(stored.flat(), totalBytes);

function copiedBytes(chunks: readonly Buffer[]): number {
  const inputs = new Set(stored.flat().map((b) => b.buffer));
  return chunks.filter((c) => !inputs.has(c.buffer)).reduce((n, c) => n + c.length, 0);
}

// Same bytes either way, and "after" references every stored batch.
const beforeOut = before();
const afterOut = after();
assert.ok(Buffer.concat(beforeOut).equals(Buffer.concat(afterOut)));
const copiedAfter = copiedBytes(afterOut);
assert.ok(copiedAfter < 64 * 1024, `after copies only headers (${copiedAfter} bytes)`);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

let sink = 0;
const worstMs = { before: 0, after: 0, reference: 0 };
function timeRound(name: keyof typeof worstMs, fn: () => Buffer | Buffer[]): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < itersPerRound; i++) {
    const t0 = process.hrtime.bigint();
    const out = fn();
    sink += out.length;
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (ms > worstMs[name]) worstMs[name] = ms;
  }
  return Number(process.hrtime.bigint() - start) / itersPerRound;
}

for (let i = 0; i < 5; i++) {
  before();
  after();
  reference();
}
worstMs.before = worstMs.after = worstMs.reference = 0;
const t = { before: [] as number[], after: [] as number[], reference: [] as number[] };
const cpuStart = process.cpuUsage();
for (let r = 0; r < rounds; r++) {
  t.before.push(timeRound("before", before));
  t.after.push(timeRound("after", after));
  t.reference.push(timeRound("reference", reference));
}
const cpu = process.cpuUsage(cpuStart);
const us = (ns: number) => Number((ns / 1000).toFixed(1));
const beforeNs = median(t.before);
const afterNs = median(t.after);
const referenceNs = median(t.reference);
console.log(
  JSON.stringify({
    bench: "fetch-encode",
    quick,
    fetchVersion: version,
    partitions,
    bytesPerPartition,
    batchBytes,
    medianBeforeUs: us(beforeNs),
    medianAfterUs: us(afterNs),
    medianReferenceConcatUs: us(referenceNs),
    speedup: Number((beforeNs / afterNs).toFixed(1)),
    beforeVsReference: Number((beforeNs / referenceNs).toFixed(2)),
    afterVsReference: Number((afterNs / referenceNs).toFixed(4)),
    worstBeforeMs: Number(worstMs.before.toFixed(2)),
    worstAfterMs: Number(worstMs.after.toFixed(3)),
    worstReferenceMs: Number(worstMs.reference.toFixed(2)),
    copiedBytesBefore: copiedBytes(beforeOut),
    copiedBytesAfter: copiedAfter,
    cpuUserMs: Math.round(cpu.user / 1000),
    rounds,
    itersPerRound,
    sink: sink > 0,
  }),
);
