import assert from "node:assert/strict";
import { open } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { WalFile } from "../../src/wal/wal-file.ts";
import { DATA_START } from "../../src/wal/wal-header.ts";
import { RECORD_HEADER_SIZE } from "../../src/wal/wal-record.ts";
import { scanWal } from "../../src/wal/wal-scanner.ts";
import { WalWriter } from "../../src/wal/wal-writer.ts";
import { tempDir } from "../helpers/temp-dir.ts";

const CAPACITY = DATA_START + 64 * 1024;

async function walWith(
  payloads: Buffer[],
  capacity = CAPACITY,
): Promise<{ path: string; offsets: number[] }> {
  const path = join(await tempDir("wal"), "wal");
  const file = await WalFile.create(path, {
    capacity,
    nodeId: 1,
    nodeEpoch: 1,
    trimOffset: 0,
    generation: 1,
  });
  const writer = new WalWriter(file, 0, {
    appendTimeoutMs: 1000,
    onSpaceNeeded: () => {},
    onDropped: () => {},
  });
  const offsets = await Promise.all(
    payloads.map((payload, i) =>
      writer.append({ streamId: 3, epoch: 1, baseOffset: i, count: 1, timestamp: 5, payload }),
    ),
  );
  await file.close();
  return { path, offsets };
}

async function flipByte(path: string, at: number): Promise<void> {
  const handle = await open(path, "r+");
  const byte = Buffer.alloc(1);
  await handle.read(byte, 0, 1, at);
  byte[0]! ^= 0x40;
  await handle.write(byte, 0, 1, at);
  await handle.close();
}

const payloads = Array.from({ length: 10 }, (_, i) => Buffer.alloc(100, i + 1));

describe("scanWal", () => {
  it("returns every record in order and stops cleanly at the end", async () => {
    const { path } = await walWith(payloads);
    const file = await WalFile.open(path, "r");
    const scan = await scanWal(file);
    await file.close();
    assert.equal(scan.stop, "end");
    assert.deepEqual(
      scan.records.map((r) => [r.streamId, r.baseOffset, r.timestamp, r.payload[0]]),
      payloads.map((_, i) => [3, i, 5, i + 1]),
    );
    assert.equal(scan.endOffset, 10 * (RECORD_HEADER_SIZE + 100));
  });

  it("drops a torn last record", async () => {
    const { path, offsets } = await walWith(payloads);
    await flipByte(path, DATA_START + offsets[9]! + RECORD_HEADER_SIZE + 50);
    const file = await WalFile.open(path, "r");
    const scan = await scanWal(file);
    await file.close();
    assert.equal(scan.stop, "torn");
    assert.equal(scan.records.length, 9);
    assert.equal(scan.endOffset, offsets[9]);
  });

  it("detects a flipped byte in the middle and serves nothing from it on", async () => {
    const { path, offsets } = await walWith(payloads);
    await flipByte(path, DATA_START + offsets[4]! + 30);
    const file = await WalFile.open(path, "r");
    const scan = await scanWal(file);
    await file.close();
    assert.equal(scan.stop, "corrupt");
    assert.deepEqual(
      scan.records.map((r) => r.baseOffset),
      [0, 1, 2, 3],
    );
  });

  it("ignores records of an earlier generation after the trim point", async () => {
    const { path } = await walWith(payloads);
    const file = await WalFile.open(path);
    await file.writeHeader({ trimOffset: RECORD_HEADER_SIZE + 100, generation: 2 });
    const scan = await scanWal(file);
    await file.close();
    assert.equal(scan.stop, "end");
    assert.equal(scan.records.length, 0);
  });

  it("reads records that wrap around the end of the ring", async () => {
    const capacity = DATA_START + 4 * (RECORD_HEADER_SIZE + 100) + 30;
    const path = join(await tempDir("wal"), "wal");
    const file = await WalFile.create(path, {
      capacity,
      nodeId: 1,
      nodeEpoch: 1,
      trimOffset: 0,
      generation: 1,
    });
    const writer = new WalWriter(file, 0, {
      appendTimeoutMs: 1000,
      onSpaceNeeded: () => {},
      onDropped: () => {},
    });
    const record = (i: number) => ({
      streamId: 1,
      epoch: 1,
      baseOffset: i,
      count: 1,
      timestamp: 0,
      payload: payloads[i]!,
    });
    for (let i = 0; i < 3; i++) await writer.append(record(i));
    await writer.trimTo(2 * (RECORD_HEADER_SIZE + 100));
    for (let i = 3; i < 6; i++) await writer.append(record(i));
    const scan = await scanWal(file);
    await file.close();
    assert.deepEqual(
      scan.records.map((r) => [r.baseOffset, r.payload[99]]),
      [2, 3, 4, 5].map((i) => [i, i + 1]),
    );
  });

  it("takes the newer header slot and survives a torn header write", async () => {
    const { path } = await walWith(payloads);
    const file = await WalFile.open(path);
    await file.writeHeader({ trimOffset: RECORD_HEADER_SIZE + 100 });
    const sequence = file.header.sequence;
    await file.close();
    await flipByte(path, (sequence % 2) * 4096 + 20);
    const reopened = await WalFile.open(path, "r");
    assert.equal(reopened.header.trimOffset, 0, "falls back to the other, older slot");
    await reopened.close();
  });
});
