// Real processes, real kill -9: every acked append survives, in order, exactly once; damage is detected and
// never served; another process can recover a dead node's WAL.
import assert from "node:assert/strict";
import { type ChildProcess, fork } from "node:child_process";
import { open } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { FileObjectStore } from "@cirrus/object-store";
import { MemoryObjectManager } from "../../src/memory-object-manager.ts";
import { Storage } from "../../src/storage.ts";
import { WalFile } from "../../src/wal/wal-file.ts";
import { DATA_START } from "../../src/wal/wal-header.ts";
import { scanWal } from "../../src/wal/wal-scanner.ts";
import { serveObjectManager } from "../helpers/ipc-object-manager.ts";
import { assertRecords } from "../helpers/records.ts";
import { tempDir } from "../helpers/temp-dir.ts";

const child = join(import.meta.dirname, "storage-process.ts");
const MiB = 1024 * 1024;

interface Acks {
  /** Highest acked end offset per stream. */
  acked: Map<number, number>;
  total: number;
}

function start(args: string[], manager: MemoryObjectManager): ChildProcess {
  const proc = fork(child, args, {
    execPath: process.execPath,
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  serveObjectManager(proc, manager);
  return proc;
}

/** Runs a writer until it has acked `minAcks` appends, then kills it with SIGKILL. */
async function writeThenKill(
  walPath: string,
  objects: string,
  nodeId: number,
  streams: number[],
  manager: MemoryObjectManager,
  minAcks: number,
  uploadThresholdBytes = 512 * 1024,
): Promise<Acks> {
  const proc = start(
    ["write", walPath, objects, String(nodeId), streams.join(","), String(uploadThresholdBytes)],
    manager,
  );
  const acks: Acks = { acked: new Map(), total: 0 };
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("writer did not ack in time")), 30_000);
    proc.on("message", (m: { kind: string; streamId: number; baseOffset: number; count: number }) => {
      if (m.kind !== "ack") return;
      const previous = acks.acked.get(m.streamId) ?? 0;
      acks.acked.set(m.streamId, Math.max(previous, m.baseOffset + m.count));
      acks.total++;
      if (acks.total === minAcks) {
        clearTimeout(timer);
        proc.kill("SIGKILL");
      }
    });
    proc.on("exit", () => {
      clearTimeout(timer);
      resolve();
    });
  });
  assert.equal(proc.signalCode, "SIGKILL");
  return acks;
}

async function setup(streamCount: number) {
  const dir = await tempDir("crash");
  const manager = new MemoryObjectManager();
  const streams: number[] = [];
  for (let i = 0; i < streamCount; i++) streams.push((await manager.createStream()).streamId);
  return { dir, manager, streams, walPath: join(dir, "wal"), objects: join(dir, "objects") };
}

async function readAll(storage: Storage, streamId: number, epoch: number): Promise<number> {
  const stream = await storage.openStream(streamId, epoch);
  let offset = stream.startOffset;
  while (offset < stream.nextOffset) {
    const batch = await stream.read(offset, stream.nextOffset, 4 * MiB);
    offset = assertRecords(batch, streamId, offset); // in order, no gap, no duplicate, bytes intact
  }
  return offset;
}

describe("crash recovery with real processes", { timeout: 120_000 }, () => {
  it("kill -9 mid-append: after restart every acked append is readable, in order, exactly once", async () => {
    const { manager, streams, walPath, objects } = await setup(3);
    const acks = await writeThenKill(walPath, objects, 1, streams, manager, 3000);
    const storage = await Storage.open({
      walPath,
      walCapacity: 8 * MiB,
      objectStore: new FileObjectStore(objects),
      objectManager: manager,
      nodeId: 1,
      nodeEpoch: 2,
    });
    assert.ok(storage.recovery.recoveredRecords > 0, "some acked data was only in the WAL");
    for (const streamId of streams) {
      const end = await readAll(storage, streamId, 2);
      assert.ok(
        end >= acks.acked.get(streamId)!,
        `stream ${streamId}: readable end ${end} < acked ${acks.acked.get(streamId)}`,
      );
    }
    await storage.shutdown();
  });

  it("a flipped byte in the WAL is detected: recovery stops there and serves nothing corrupt", async () => {
    const { manager, streams, walPath, objects } = await setup(1);
    // No upload before the kill: the damaged record is certainly one the object index lacks.
    await writeThenKill(walPath, objects, 1, streams, manager, 1500, 6 * MiB);
    const wal = await WalFile.open(walPath, "r");
    const scan = await scanWal(wal);
    await wal.close();
    // Only records the object index lacks (a kill between commit and WAL trim leaves committed ones too).
    const committedEnd = (await manager.describeStream(streams[0]!)).endOffset;
    const walOnly = scan.records.filter((r) => r.baseOffset >= committedEnd);
    assert.ok(walOnly.length >= 4, "acked records remain only in the WAL after the kill");
    const victim = walOnly[Math.floor(walOnly.length / 2)]!;
    const handle = await open(walPath, "r+");
    const at = DATA_START + (victim.walOffset % (8 * MiB - DATA_START)) + victim.size - 1;
    const byte = Buffer.alloc(1);
    await handle.read(byte, 0, 1, at);
    byte[0]! ^= 0xff;
    await handle.write(byte, 0, 1, at);
    await handle.close();
    const storage = await Storage.open({
      walPath,
      walCapacity: 8 * MiB,
      objectStore: new FileObjectStore(objects),
      objectManager: manager,
      nodeId: 1,
      nodeEpoch: 2,
    });
    assert.equal(storage.recovery.stop, "corrupt");
    const end = await readAll(storage, streams[0]!, 2);
    assert.equal(end, victim.baseOffset, "everything before the damaged record, nothing from it on");
    await storage.shutdown();
  });

  it("another process recovers a dead node's WAL and commits exactly the acked data", async () => {
    const { manager, streams, walPath, objects } = await setup(2);
    const acks = await writeThenKill(walPath, objects, 1, streams, manager, 2000);
    const recoverer = start(["recover", walPath, objects, "2"], manager);
    const report = await new Promise<{
      endOffsets: [number, number][];
      deadNodeId: number;
      closedStreams: number[];
    }>((resolve, reject) => {
      recoverer.on("message", (m: { kind: string }) => {
        if (m.kind === "report") resolve(m as never);
      });
      recoverer.on("exit", (code) => reject(new Error(`recoverer exited with ${code} before reporting`)));
    });
    assert.equal(report.deadNodeId, 1);
    assert.deepEqual([...report.closedStreams].sort(), [...streams].sort());
    const ends = new Map(report.endOffsets);
    const reader = await Storage.open({
      walPath: join(walPath, "..", "wal-reader"),
      walCapacity: 2 * MiB,
      objectStore: new FileObjectStore(objects),
      objectManager: manager,
      nodeId: 3,
      nodeEpoch: 1,
    });
    for (const streamId of streams) {
      assert.ok(ends.get(streamId)! >= acks.acked.get(streamId)!);
      assert.equal(await readAll(reader, streamId, 2), ends.get(streamId));
    }
    await reader.shutdown();
  });
});
