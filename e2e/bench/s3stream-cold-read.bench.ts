// s3stream cold reads while appends continue: how fast a consumer catching up reads a stream from object
// storage (through the block cache with growing read-ahead), and how much the append p99 of another stream
// moves meanwhile (aim: less than 2x); p99 alone and with reads are measured back to back. Appends run open loop at a fixed rate, first alone, then with the cold
// reader. Objects live in a file:// store on tmpfs (/dev/shm when present). Prints one JSON line.
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { FileObjectStore } from "@cirrus/object-store";
import { MemoryObjectManager, Storage } from "@cirrus/s3stream";
import {
  benchDir,
  fixedRate,
  MiB,
  median,
  percentile,
  printResult,
  quick,
  round,
} from "./s3stream-bench-kit.ts";

const rounds = quick ? 3 : 5;
const roundSeconds = quick ? 1 : 2;
const limitBytesPerSecond = 128 * MiB;
const coldBytes = (quick ? 256 : 1024) * MiB;
const coldAppendBytes = 256 * 1024;
const hotAppendBytes = 64 * 1024;
const hotRate = 1600; // appends/s of 64 KiB: 100 MiB/s

const { dir, cleanup } = await benchDir("cold");
const objectsDir = await mkdtemp(join(existsSync("/dev/shm") ? "/dev/shm" : dir, "cirrus-bench-objects-"));
try {
  const objectStore = new FileObjectStore(objectsDir);
  const storage = await Storage.open({
    walPath: join(dir, "wal"),
    walCapacity: 1024 * MiB,
    objectStore,
    objectManager: new MemoryObjectManager(),
    nodeId: 1,
    nodeEpoch: 1,
    uploadThresholdBytes: 128 * MiB,
    logCacheBytes: 16 * MiB,
    blockCacheBytes: 64 * MiB,
  });
  const cold = await storage.openStream((await storage.createStream()).streamId, 1);
  const hot = await storage.openStream((await storage.createStream()).streamId, 1);
  const coldPayload = Buffer.alloc(coldAppendBytes, 2);
  const acks: Promise<unknown>[] = [];
  for (let written = 0; written < coldBytes; written += coldAppendBytes) {
    acks.push(cold.append({ payload: coldPayload, count: 1 }));
    if (acks.length >= 64) await Promise.all(acks.splice(0));
  }
  await Promise.all(acks);
  await storage.flush();

  const hotPayload = Buffer.alloc(hotAppendBytes, 3);
  const appendHot = () => hot.append({ payload: hotPayload, count: 1 });

  // The consumer reads the cold stream from the start over and over (the block cache is smaller than the
  // stream, so every pass goes back to object storage) for as long as the appends run: once unlimited, once
  // with the cold read bandwidth limit.
  async function withColdReader(bytesPerSecond: number): Promise<{ latencies: number[]; readMiBps: number }> {
    storage.setColdReadBandwidth(bytesPerSecond);
    let readBytes = 0;
    let reading = true;
    const readStarted = performance.now();
    const reader = (async () => {
      let offset = 0;
      while (reading) {
        if (offset >= cold.nextOffset) offset = 0;
        const records = await cold.read(offset, cold.nextOffset, 4 * MiB);
        for (const r of records) readBytes += r.payload.length;
        offset = records[records.length - 1]!.baseOffset + records[records.length - 1]!.count;
      }
      return performance.now();
    })();
    const latencies = await fixedRate(hotRate, roundSeconds, appendHot);
    reading = false;
    const readSeconds = ((await reader) - readStarted) / 1000;
    return { latencies, readMiBps: readBytes / MiB / readSeconds };
  }
  // Rounds interleave the three phases so that load drift on a shared machine hits them alike; latencies are
  // pooled per phase, read rates are medians over rounds.
  const alone: number[] = [];
  const unlimited = { latencies: [] as number[], rates: [] as number[] };
  const limited = { latencies: [] as number[], rates: [] as number[] };
  for (let r = 0; r < rounds; r++) {
    alone.push(...(await fixedRate(hotRate, roundSeconds, appendHot)));
    for (const [phase, limit] of [
      [unlimited, 0],
      [limited, limitBytesPerSecond],
    ] as const) {
      const result = await withColdReader(limit);
      phase.latencies.push(...result.latencies);
      phase.rates.push(result.readMiBps);
    }
  }
  const stats = storage.stats();
  await storage.shutdown();

  const p99Alone = percentile(alone, 99);
  printResult({
    bench: "s3stream-cold-read",
    quick,
    objectStore: `file://${objectsDir.startsWith("/dev/shm") ? "tmpfs" : "same disk"}`,
    coldStreamMiB: coldBytes / MiB,
    rounds,
    roundSeconds,
    appendRateMiBps: round((hotRate * hotAppendBytes) / MiB),
    appendP50AloneMs: round(percentile(alone, 50)),
    appendP99AloneMs: round(p99Alone),
    unlimited: {
      coldReadMiBps: round(median(unlimited.rates)),
      appendP50Ms: round(percentile(unlimited.latencies, 50)),
      appendP99Ms: round(percentile(unlimited.latencies, 99)),
      p99Ratio: round(percentile(unlimited.latencies, 99) / p99Alone),
    },
    limited: {
      coldReadLimitMiBps: limitBytesPerSecond / MiB,
      coldReadMiBps: round(median(limited.rates)),
      appendP50Ms: round(percentile(limited.latencies, 50)),
      appendP99Ms: round(percentile(limited.latencies, 99)),
      p99Ratio: round(percentile(limited.latencies, 99) / p99Alone),
    },
    aimP99Ratio: 2,
    blockCacheHits: stats.blockCacheHits,
    blockCacheMisses: stats.blockCacheMisses,
    objectGets: objectStore.requestCounts().GET,
  });
} finally {
  await rm(objectsDir, { recursive: true, force: true });
  await cleanup();
}
