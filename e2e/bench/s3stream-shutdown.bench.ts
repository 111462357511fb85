// s3stream drain times: a graceful shutdown with 500 MiB acked but not yet uploaded (aim: under 2 s on
// file://), and closing one stream with 50 MiB not yet uploaded while other streams also hold data (aim:
// under 0.5 s). The object store is a file:// folder on the same disk as the WAL, fsync on. Prints one JSON line.
import { join } from "node:path";
import { FileObjectStore } from "@cirrus/object-store";
import { MemoryObjectManager, Storage, type Stream } from "@cirrus/s3stream";
import { benchDir, MiB, printResult, quick, round } from "./s3stream-bench-kit.ts";

const shutdownBytes = (quick ? 128 : 500) * MiB;
const closeBytes = (quick ? 16 : 50) * MiB;
const streamsForShutdown = 20;

async function fill(streams: Stream[], bytes: number): Promise<void> {
  const payload = Buffer.alloc(MiB, 5);
  const acks: Promise<unknown>[] = [];
  for (let written = 0, i = 0; written < bytes; written += MiB, i++) {
    acks.push(streams[i % streams.length]!.append({ payload, count: 1 }));
    if (acks.length >= 32) await Promise.all(acks.splice(0));
  }
  await Promise.all(acks);
}

const { dir, cleanup } = await benchDir("shutdown");
try {
  const base = {
    objectStore: new FileObjectStore(join(dir, "objects")),
    objectManager: new MemoryObjectManager(),
    nodeEpoch: 1,
    uploadIntervalMs: 3_600_000,
    logCacheBytes: 0,
  };
  const walCapacity = shutdownBytes * 2 + 64 * MiB;
  const a = await Storage.open({
    ...base,
    nodeId: 1,
    walPath: join(dir, "wal-1"),
    walCapacity,
    uploadThresholdBytes: walCapacity - 32 * MiB,
  });
  const streams = await Promise.all(
    Array.from({ length: streamsForShutdown }, async () =>
      a.openStream((await a.createStream()).streamId, 1),
    ),
  );
  await fill(streams, shutdownBytes);
  const pendingAtShutdown = a.stats().pendingUploadBytes;
  let started = performance.now();
  await a.shutdown();
  const shutdownSeconds = (performance.now() - started) / 1000;

  const b = await Storage.open({
    ...base,
    nodeId: 2,
    walPath: join(dir, "wal-2"),
    walCapacity: 4 * closeBytes,
    uploadThresholdBytes: 3 * closeBytes,
  });
  const target = await b.openStream((await b.createStream()).streamId, 1);
  const others = await Promise.all(
    [0, 1].map(async () => b.openStream((await b.createStream()).streamId, 1)),
  );
  await fill(others, closeBytes);
  await fill([target], closeBytes);
  started = performance.now();
  await target.close();
  const closeSeconds = (performance.now() - started) / 1000;
  const othersStillPending = b.stats().pendingUploadBytes;
  await b.shutdown();

  printResult({
    bench: "s3stream-shutdown",
    quick,
    objectStore: "file:// (same disk, fsync)",
    shutdownPendingMiB: round(pendingAtShutdown / MiB),
    shutdownSeconds: round(shutdownSeconds, 3),
    aimShutdownSeconds: 2,
    closePendingMiB: round(closeBytes / MiB),
    closeSeconds: round(closeSeconds, 3),
    aimCloseSeconds: 0.5,
    otherStreamsStillPendingMiB: round(othersStillPending / MiB),
  });
} finally {
  await cleanup();
}
