// s3stream storage cost: object-store requests per GiB ingested (aim: at most 40 PUTs per GiB), counting the
// uploads and the compaction that follows, and bytes stored per byte ingested once compaction has run and the
// replaced objects are deleted (aim: at most 1.02). 16 streams receive 64 KiB appends (typical producer
// batches). Objects go to a file:// store on tmpfs (/dev/shm when present). Prints one JSON line.
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { FileObjectStore } from "@cirrus/object-store";
import { MemoryObjectManager, Storage } from "@cirrus/s3stream";
import { benchDir, MiB, printResult, quick, round } from "./s3stream-bench-kit.ts";

const ingestBytes = (quick ? 512 : 2048) * MiB;
const streamCount = quick ? 8 : 16;
const appendBytes = 64 * 1024;
const GiB = 1024 * MiB;

const { dir, cleanup } = await benchDir("cost");
const objectsDir = await mkdtemp(join(existsSync("/dev/shm") ? "/dev/shm" : dir, "cirrus-bench-objects-"));
try {
  const objectStore = new FileObjectStore(objectsDir, { fsync: false });
  const storage = await Storage.open({
    walPath: join(dir, "wal"),
    walCapacity: 512 * MiB,
    objectStore,
    objectManager: new MemoryObjectManager(),
    nodeId: 1,
    nodeEpoch: 1,
    logCacheBytes: 0,
    compaction: { intervalMs: 3_600_000, bytesPerSecond: 2 * GiB, deleteGracePeriodMs: 0 },
  });
  const streams = await Promise.all(
    Array.from({ length: streamCount }, async () =>
      storage.openStream((await storage.createStream()).streamId, 1),
    ),
  );
  const payload = Buffer.alloc(appendBytes, 9);
  const acks: Promise<unknown>[] = [];
  for (let written = 0, i = 0; written < ingestBytes; written += appendBytes, i++) {
    acks.push(streams[i % streamCount]!.append({ payload, count: 10 }));
    if (acks.length >= 256) await Promise.all(acks.splice(0));
  }
  await Promise.all(acks);
  await storage.flush();
  const afterIngest = objectStore.requestCounts();
  await storage.compactNow();
  await storage.compactNow();
  const afterCompaction = objectStore.requestCounts();
  const stored = (await objectStore.list("s3stream/")).reduce((sum, o) => sum + o.size, 0);
  await storage.shutdown();

  const gib = ingestBytes / GiB;
  printResult({
    bench: "s3stream-cost",
    quick,
    ingestMiB: ingestBytes / MiB,
    streams: streamCount,
    appendBytes,
    putsIngest: afterIngest.PUT,
    putsCompaction: afterCompaction.PUT - afterIngest.PUT,
    putsPerGiB: round(afterCompaction.PUT / gib),
    putsPerGiBIngestOnly: round(afterIngest.PUT / gib),
    aimPutsPerGiB: 40,
    getsPerGiB: round(afterCompaction.GET / gib),
    deletes: afterCompaction.DELETE,
    objectsStored: (await new FileObjectStore(objectsDir).list("s3stream/")).length,
    bytesStoredPerByteIngested: round(stored / ingestBytes, 4),
    aimBytesStoredPerByte: 1.02,
  });
} finally {
  await rm(objectsDir, { recursive: true, force: true });
  await cleanup();
}
