// Decoding Produce requests that carry 1 MiB of records: the codec must not copy record
// bytes. Compares decode throughput (records bytes per second) with a plain Buffer.copy of
// the same bytes in the same run, and checks that the decoded records Buffer is a view
// into the request frame's memory. Prints one JSON line.
import assert from "node:assert/strict";
import {
  ApiKey,
  decodeRequest,
  encodeRecordBatch,
  encodeRequest,
  readRecordBatchHeader,
  splitRecordBatches,
  verifyRecordBatchCrc,
} from "@cirrus/kafka-protocol";

const quick = process.env.CIRRUS_BENCH_QUICK === "1";
const rounds = quick ? 5 : 15;
const itersPerRound = quick ? 200 : 2000;
const recordsBytesTarget = 1024 * 1024;

// Batches of ~64 KiB (64 records of ~1 KiB, a typical producer linger output) until >= 1 MiB.
const batches: Buffer[] = [];
let recordsLength = 0;
for (let b = 0; recordsLength < recordsBytesTarget; b++) {
  const batch = encodeRecordBatch({
    baseOffset: 0n,
    producerId: 7n,
    producerEpoch: 0,
    baseSequence: b * 64,
    records: Array.from({ length: 64 }, (_, i) => ({ key: `key-${i}`, value: Buffer.alloc(1000, i) })),
  });
  batches.push(batch);
  recordsLength += batch.length;
}
const records = Buffer.concat(batches);

function produceFrame(apiVersion: number): Buffer {
  const bytes = encodeRequest(
    { apiKey: ApiKey.Produce, apiVersion, correlationId: 1, clientId: "bench" },
    {
      acks: -1,
      timeoutMs: 30_000,
      topicData: [{ name: "bench-topic", partitionData: [{ index: 0, records }] }],
    },
  );
  return bytes.subarray(4);
}

const frames = [produceFrame(7), produceFrame(9), produceFrame(11)];

// Zero-copy proof: the decoded records are a view into the frame's own memory.
for (const frame of frames) {
  const req = decodeRequest(frame);
  assert.equal(req.apiKey, ApiKey.Produce);
  if (req.apiKey !== ApiKey.Produce) throw new Error("unreachable");
  const got = req.body.topicData[0]!.partitionData[0]!.records!;
  assert.equal(got.buffer, frame.buffer, "records must share the frame's ArrayBuffer");
  assert.ok(
    got.byteOffset >= frame.byteOffset && got.byteOffset + got.length <= frame.byteOffset + frame.length,
  );
  assert.ok(got.equals(records));
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function gibps(bytesPerIter: number, nsPerIter: number): number {
  return bytesPerIter / nsPerIter / 1.073741824; // bytes/ns = GB/s; / 2^30/1e9 → GiB/s
}

function timeRound(fn: (i: number) => void): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < itersPerRound; i++) fn(i);
  return Number(process.hrtime.bigint() - start) / itersPerRound;
}

let sink = 0;
const decodeOnly = (i: number) => {
  const req = decodeRequest(frames[i % frames.length]!);
  if (req.apiKey === ApiKey.Produce) sink += req.body.topicData[0]!.partitionData[0]!.records!.length;
};
const decodeAndSplit = (i: number) => {
  const req = decodeRequest(frames[i % frames.length]!);
  if (req.apiKey !== ApiKey.Produce) return;
  for (const batch of splitRecordBatches(req.body.topicData[0]!.partitionData[0]!.records!)) {
    sink += readRecordBatchHeader(batch).recordCount;
  }
};
const target = Buffer.allocUnsafe(records.length);
const copy = () => {
  sink += records.copy(target, 0);
};
const crcAll = () => {
  for (const batch of batches) verifyRecordBatchCrc(batch);
};

// warm-up, then interleaved rounds so both sides see the same machine noise
for (let i = 0; i < 50; i++) {
  decodeOnly(i);
  decodeAndSplit(i);
  copy();
}
const t = { decode: [] as number[], split: [] as number[], copy: [] as number[], crc: [] as number[] };
for (let r = 0; r < rounds; r++) {
  t.decode.push(timeRound(decodeOnly));
  t.split.push(timeRound(decodeAndSplit));
  t.copy.push(timeRound(copy));
  t.crc.push(timeRound(crcAll));
}
const decodeNs = median(t.decode);
const splitNs = median(t.split);
const copyNs = median(t.copy);
const crcNs = median(t.crc);
console.log(
  JSON.stringify({
    bench: "protocol-decode",
    quick,
    recordsBytes: records.length,
    batchesPerRequest: batches.length,
    produceVersions: [7, 9, 11],
    zeroCopy: true,
    decodeGiBps: Number(gibps(records.length, decodeNs).toFixed(2)),
    decodeSplitHeadersGiBps: Number(gibps(records.length, splitNs).toFixed(2)),
    bufferCopyGiBps: Number(gibps(records.length, copyNs).toFixed(2)),
    decodeVsCopy: Number((copyNs / decodeNs).toFixed(1)),
    crc32cGiBps: Number(gibps(records.length, crcNs).toFixed(2)),
    medianDecodeUs: Number((decodeNs / 1000).toFixed(2)),
    medianCopyUs: Number((copyNs / 1000).toFixed(2)),
    rounds,
    itersPerRound,
    sink: sink > 0,
  }),
);
