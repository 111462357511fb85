import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ErrorCode } from "../../src/errors.ts";
import { WalFile } from "../../src/wal/wal-file.ts";
import { DATA_START } from "../../src/wal/wal-header.ts";
import { RECORD_HEADER_SIZE } from "../../src/wal/wal-record.ts";
import { scanWal } from "../../src/wal/wal-scanner.ts";
import { type WalAppend, WalWriter } from "../../src/wal/wal-writer.ts";
import { tempDir } from "../helpers/temp-dir.ts";
import { rejectsWith } from "../object-manager-contract.ts";

async function newWal(dataBytes: number): Promise<WalFile> {
  const path = join(await tempDir("walw"), "wal");
  return WalFile.create(path, {
    capacity: DATA_START + dataBytes,
    nodeId: 1,
    nodeEpoch: 1,
    trimOffset: 0,
    generation: 1,
  });
}

const record = (i: number, size = 100): WalAppend => ({
  streamId: 1,
  epoch: 1,
  baseOffset: i,
  count: 1,
  timestamp: 0,
  payload: Buffer.alloc(size, i),
});

describe("WalWriter", () => {
  it("covers many concurrent appends with few durable writes (group commit), acking in order", async () => {
    const file = await newWal(1024 * 1024);
    const writer = new WalWriter(file, 0, {
      appendTimeoutMs: 1000,
      onSpaceNeeded: () => {},
      onDropped: () => {},
    });
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 200 }, (_, i) => writer.append(record(i)).then(() => order.push(i))),
    );
    assert.deepEqual(
      order,
      Array.from({ length: 200 }, (_, i) => i),
    );
    assert.ok(
      file.durableWriteCount <= 3,
      `expected a handful of group writes, got ${file.durableWriteCount}`,
    );
    assert.equal(file.durability, "o_dsync", "Linux opens the data area with O_DSYNC");
    assert.equal(file.syncCount, 0, "O_DSYNC writes need no fdatasync");
    await file.close();
  });

  it("pipelines groups (write while the previous sync runs) and keeps acks and the log in order", async () => {
    const file = await newWal(4 * 1024 * 1024);
    const writer = new WalWriter(file, 0, {
      appendTimeoutMs: 1000,
      onSpaceNeeded: () => {},
      onDropped: () => {},
    });
    const acked: number[] = [];
    const all: Promise<unknown>[] = [];
    for (let wave = 0; wave < 20; wave++) {
      for (let i = 0; i < 10; i++) {
        const n = wave * 10 + i;
        all.push(writer.append(record(n, 1000)).then(() => acked.push(n)));
      }
      await new Promise((resolve) => setImmediate(resolve)); // the next wave arrives while syncs are in flight
    }
    await Promise.all(all);
    await writer.drain();
    assert.deepEqual(
      acked,
      Array.from({ length: 200 }, (_, i) => i),
    );
    const scan = await scanWal(file);
    assert.deepEqual(
      scan.records.map((r) => r.baseOffset),
      Array.from({ length: 200 }, (_, i) => i),
    );
    assert.equal(scan.stop, "end");
    await file.close();
  });

  it("makes appends wait for space and admits them when the WAL is trimmed", async () => {
    const size = RECORD_HEADER_SIZE + 100;
    const file = await newWal(3 * size);
    let spaceNeeded = 0;
    const writer = new WalWriter(file, 0, {
      appendTimeoutMs: 5000,
      onSpaceNeeded: () => spaceNeeded++,
      onDropped: () => {},
    });
    await Promise.all([0, 1, 2].map((i) => writer.append(record(i))));
    let fourthDone = false;
    const fourth = writer.append(record(3)).then(() => (fourthDone = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(fourthDone, false, "waits while the WAL is full");
    assert.equal(spaceNeeded, 1);
    await writer.trimTo(size);
    await fourth;
    assert.equal(writer.usedBytes, 3 * size);
    await file.close();
  });

  it("drops waiting appends after appendTimeoutMs with BACKPRESSURE_TIMEOUT, telling the owner first", async () => {
    const size = RECORD_HEADER_SIZE + 100;
    const file = await newWal(2 * size);
    const dropped: number[] = [];
    const writer = new WalWriter(file, 0, {
      appendTimeoutMs: 100,
      onSpaceNeeded: () => {},
      onDropped: (records) => dropped.push(...records.map((r) => r.baseOffset)),
    });
    await Promise.all([0, 1].map((i) => writer.append(record(i))));
    assert.equal(writer.spaceWaits, 0);
    const started = Date.now();
    const late = [writer.append(record(2)), writer.append(record(3))];
    assert.equal(writer.spaceWaits, 2, "both late appends waited for space");
    for (const p of late) await assert.rejects(p, rejectsWith(ErrorCode.BACKPRESSURE_TIMEOUT));
    assert.ok(Date.now() - started < 2000);
    assert.deepEqual(dropped, [2, 3]);
    await file.close();
  });

  it("refuses a record larger than the WAL", async () => {
    const file = await newWal(1000);
    const writer = new WalWriter(file, 0, {
      appendTimeoutMs: 100,
      onSpaceNeeded: () => {},
      onDropped: () => {},
    });
    await assert.rejects(writer.append(record(0, 2000)), rejectsWith(ErrorCode.RECORD_TOO_LARGE));
    await file.close();
  });

  it("fails every pending append with WAL_IO_ERROR when the file breaks, and refuses later ones", async () => {
    const file = await newWal(64 * 1024);
    const writer = new WalWriter(file, 0, {
      appendTimeoutMs: 100,
      onSpaceNeeded: () => {},
      onDropped: () => {},
    });
    await file.close();
    await assert.rejects(writer.append(record(0)), rejectsWith(ErrorCode.WAL_IO_ERROR));
    await assert.rejects(writer.append(record(1)), rejectsWith(ErrorCode.WAL_IO_ERROR));
  });
});
