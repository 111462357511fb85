// The writer's in-flight pipelining and failure semantics, driven through a real WalFile whose group writes the
// test holds, releases (the real durable write then runs) or fails (an EIO before anything is written).
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ErrorCode } from "../../src/errors.ts";
import { WalFile } from "../../src/wal/wal-file.ts";
import type { WalHeader } from "../../src/wal/wal-header.ts";
import { DATA_START } from "../../src/wal/wal-header.ts";
import { RECORD_HEADER_SIZE } from "../../src/wal/wal-record.ts";
import { scanWal } from "../../src/wal/wal-scanner.ts";
import { type WalAppend, type WalGroupFile, WalWriter } from "../../src/wal/wal-writer.ts";
import { tempDir } from "../helpers/temp-dir.ts";
import { rejectsWith } from "../object-manager-contract.ts";

interface HeldWrite {
  logical: number;
  release: () => void;
  fail: () => void;
}

class HeldWalFile implements WalGroupFile {
  readonly inner: WalFile;
  readonly held: HeldWrite[] = [];
  constructor(inner: WalFile) {
    this.inner = inner;
  }
  get path(): string {
    return this.inner.path;
  }
  get dataCapacity(): number {
    return this.inner.dataCapacity;
  }
  get header(): Readonly<WalHeader> {
    return this.inner.header;
  }
  writeHeader(update: Parameters<WalFile["writeHeader"]>[0]): Promise<void> {
    return this.inner.writeHeader(update);
  }
  writeDurably(logical: number, chunks: Buffer[], length: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.held.push({
        logical,
        release: () => void this.inner.writeDurably(logical, chunks, length).then(resolve, reject),
        fail: () => reject(Object.assign(new Error("EIO: i/o error, write"), { code: "EIO" })),
      });
    });
  }
}

async function heldWal(): Promise<HeldWalFile> {
  const path = join(await tempDir("walp"), "wal");
  const file = await WalFile.create(path, {
    capacity: DATA_START + 1024 * 1024,
    nodeId: 1,
    nodeEpoch: 1,
    trimOffset: 0,
    generation: 1,
  });
  return new HeldWalFile(file);
}

const record = (i: number): WalAppend => ({
  streamId: 1,
  epoch: 1,
  baseOffset: i,
  count: 1,
  timestamp: 0,
  payload: Buffer.alloc(100, i),
});

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 2000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

function newWriter(file: HeldWalFile, observeWrite?: (seconds: number, bytes: number) => void): WalWriter {
  return new WalWriter(file, 0, {
    appendTimeoutMs: 1000,
    onSpaceNeeded: () => {},
    onDropped: () => {},
    ...(observeWrite ? { observeWrite } : {}),
  });
}

describe("WalWriter pipelining", () => {
  it("keeps two group writes outstanding, queues the third, and acks in WAL order", async () => {
    const file = await heldWal();
    const writer = newWriter(file);
    const outcome = new Map<number, string>();
    const acked: number[] = [];
    const append = (ns: number[]) =>
      ns.map((n) =>
        writer.append(record(n)).then(
          () => {
            acked.push(n);
            outcome.set(n, "acked");
          },
          (error: Error) => outcome.set(n, error.message),
        ),
      );
    const all = append([0, 1, 2]);
    await until(() => file.held.length === 1, "the first group's write");
    all.push(...append([3, 4]));
    await until(() => file.held.length === 2, "the second group's write");
    all.push(...append([5]));
    await settle();
    assert.equal(file.held.length, 2, "at most two group writes in flight");

    file.held[1]!.release(); // the later group becomes durable first...
    await settle();
    assert.deepEqual(acked, [], "...but is not acked before the group before it");
    file.held[0]!.release();
    await until(() => acked.length === 5, "the first two groups' acks");
    assert.deepEqual(acked, [0, 1, 2, 3, 4]);

    await until(() => file.held.length === 3, "the queued group's write");
    file.held[2]!.release();
    await Promise.all(all);
    assert.deepEqual(acked, [0, 1, 2, 3, 4, 5]);
    const scan = await scanWal(file.inner);
    assert.deepEqual(
      scan.records.map((r) => r.baseOffset),
      [0, 1, 2, 3, 4, 5],
    );
    await file.inner.close();
  });

  it("a failed write rejects its group and every later one, acks earlier ones, then refuses appends", async () => {
    const file = await heldWal();
    const writer = newWriter(file);
    const outcome = new Map<number, string>();
    const append = (ns: number[]) =>
      ns.map((n) =>
        writer.append(record(n)).then(
          () => void outcome.set(n, "acked"),
          (error: unknown) => {
            rejectsWith(ErrorCode.WAL_IO_ERROR)(error);
            outcome.set(n, "rejected");
          },
        ),
      );
    const all = append([0]);
    await until(() => file.held.length === 1, "group A's write");
    all.push(...append([1, 2]));
    await until(() => file.held.length === 2, "group B's write");
    file.held[0]!.release();
    await until(() => outcome.get(0) === "acked", "group A's ack");
    all.push(...append([3]));
    await until(() => file.held.length === 3, "group C's write");
    all.push(...append([4])); // group D: queued behind two writes in flight

    file.held[1]!.fail(); // B fails...
    file.held[2]!.release(); // ...while C, after it, succeeds on disk
    await Promise.all(all);
    assert.deepEqual(Object.fromEntries(outcome), {
      0: "acked",
      1: "rejected",
      2: "rejected",
      3: "rejected",
      4: "rejected",
    });
    assert.equal(file.held.length, 3, "nothing is written after a failed write");
    await assert.rejects(writer.append(record(5)), rejectsWith(ErrorCode.WAL_IO_ERROR));
    await writer.drain();
    await file.inner.close();
  });

  it("acks an earlier group whose write completes after a later group's write failed", async () => {
    const file = await heldWal();
    const writer = newWriter(file);
    const first = writer.append(record(0));
    await until(() => file.held.length === 1, "group A's write");
    const second = writer.append(record(1));
    await until(() => file.held.length === 2, "group B's write");
    file.held[1]!.fail(); // B fails while A is still in flight
    await settle();
    file.held[0]!.release(); // A is durable on its own: acked
    assert.equal(await first, 0);
    await assert.rejects(second, rejectsWith(ErrorCode.WAL_IO_ERROR));
    await file.inner.close();
  });

  it("tells the observer each durable group write's duration and bytes, and nothing of a failed one", async () => {
    const file = await heldWal();
    const observed: { seconds: number; bytes: number }[] = [];
    const writer = newWriter(file, (seconds, bytes) => observed.push({ seconds, bytes }));
    const group = [writer.append(record(0)), writer.append(record(1))];
    await until(() => file.held.length === 1, "the group's write");
    await new Promise((resolve) => setTimeout(resolve, 30)); // the device is slow this time
    file.held[0]!.release();
    await Promise.all(group);
    assert.equal(observed.length, 1);
    assert.equal(observed[0]!.bytes, 2 * (RECORD_HEADER_SIZE + 100));
    assert.ok(observed[0]!.seconds >= 0.025, `observed ${observed[0]!.seconds} s for a write held 30 ms`);

    const failed = writer.append(record(2));
    await until(() => file.held.length === 2, "the failing group's write");
    file.held[1]!.fail();
    await assert.rejects(failed, rejectsWith(ErrorCode.WAL_IO_ERROR));
    assert.equal(observed.length, 1, "a failed write is not a latency sample");
    await file.inner.close();
  });
});
