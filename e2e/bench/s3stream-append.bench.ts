// s3stream append path: throughput of 1 MiB appends with group commit, against the machine's raw
// write+fdatasync ceiling measured in the same run on the same disk (1 MiB and 8 MiB writes; rounds interleave
// raw and s3stream phases and ratios are medians over rounds, so load drift on a shared machine hits both
// alike), and append latency (p50/p99) at half of the measured throughput. Objects go to a file:// store on tmpfs (/dev/shm when present; trimmed and
// garbage-collected as the bench goes) so that the disk serves the WAL alone, as in production where objects
// leave over the network to S3. Prints one JSON line.
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { FileObjectStore } from "@cirrus/object-store";
import { MemoryObjectManager, Storage, type Stream } from "@cirrus/s3stream";
import {
  benchDir,
  fixedRate,
  MiB,
  median,
  percentile,
  printResult,
  quick,
  RawWriteSyncCeiling,
  round,
} from "./s3stream-bench-kit.ts";

const rounds = quick ? 3 : 5;
const roundSeconds = quick ? 1 : 2;
const seconds = quick ? 3 : 10;
const walCapacity = (quick ? 256 : 1024) * MiB;
const appendBytes = MiB;
const inFlight = 16;

const { dir, cleanup } = await benchDir("append");
const objectsDir = await mkdtemp(join(existsSync("/dev/shm") ? "/dev/shm" : dir, "cirrus-bench-objects-"));
try {
  const raw = await RawWriteSyncCeiling.open(join(dir, "raw"), walCapacity);
  const objectManager = new MemoryObjectManager();
  const storage = await Storage.open({
    walPath: join(dir, "wal"),
    walCapacity,
    objectStore: new FileObjectStore(objectsDir),
    objectManager,
    nodeId: 1,
    nodeEpoch: 1,
    uploadThresholdBytes: Math.floor(walCapacity / 4),
    logCacheBytes: 16 * MiB,
    maxRecordBytes: 4 * MiB,
    compaction: {
      intervalMs: 500,
      bytesPerSecond: 64 * MiB,
      targetStreamObjectBytes: 1,
      deleteGracePeriodMs: 0,
    },
  });
  const stream = await storage.openStream((await storage.createStream()).streamId, 1);
  // Retention: keep memory flat by trimming what is committed; the compactor deletes the trimmed objects.
  const retention = setInterval(() => {
    void objectManager.describeStream(stream.streamId).then((m) => stream.trim(m.endOffset).catch(() => {}));
  }, 250);
  const payload = Buffer.alloc(appendBytes, 1);
  const append = (s: Stream) => s.append({ payload, count: 1 });

  // Closed loop: keep `inFlight` appends outstanding for `secs`; MiB/s.
  async function appendThroughput(secs: number): Promise<number> {
    let appended = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (performance.now() - started < secs * 1000) {
          await append(stream);
          appended++;
        }
      }),
    );
    return (appended * appendBytes) / MiB / ((performance.now() - started) / 1000);
  }
  const raw1s: number[] = [];
  const raw8s: number[] = [];
  const appends: number[] = [];
  for (let r = 0; r < rounds; r++) {
    raw1s.push(await raw.measure(MiB, roundSeconds));
    raw8s.push(await raw.measure(8 * MiB, roundSeconds));
    appends.push(await appendThroughput(roundSeconds));
  }
  await raw.close();
  const throughput = median(appends);
  const raw1 = median(raw1s);
  const raw8 = median(raw8s);
  const ratioToRaw1 = median(appends.map((a, i) => a / raw1s[i]!));
  const ratioToRaw8 = median(appends.map((a, i) => a / raw8s[i]!));

  // Open loop at half that rate.
  const halfRate = throughput / 2;
  const latencies = await fixedRate(halfRate, seconds, () => append(stream));
  clearInterval(retention);
  await storage.shutdown();

  printResult({
    bench: "s3stream-append",
    quick,
    objectStore: `file://${objectsDir.startsWith("/dev/shm") ? "tmpfs" : "same disk"}`,
    appendBytes,
    inFlight,
    rounds,
    roundSeconds,
    appendMiBps: round(throughput),
    rawWriteFdatasync1MiBps: round(raw1),
    rawWriteFdatasync8MiBps: round(raw8),
    ratioToRaw1MiB: round(ratioToRaw1, 3),
    ratioToRaw8MiB: round(ratioToRaw8, 3),
    aimRatio: 0.7,
    halfRateMiBps: round(halfRate),
    halfRateSeconds: seconds,
    p50Ms: round(percentile(latencies, 50)),
    p99Ms: round(percentile(latencies, 99)),
    samples: latencies.length,
    uploads: storage.stats().uploads,
  });
} finally {
  await rm(objectsDir, { recursive: true, force: true });
  await cleanup();
}
