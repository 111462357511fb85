import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { WalFile, type WalFileOptions } from "../../src/wal/wal-file.ts";
import { DATA_START } from "../../src/wal/wal-header.ts";
import { scanWal } from "../../src/wal/wal-scanner.ts";
import { WalWriter } from "../../src/wal/wal-writer.ts";
import { tempDir } from "../helpers/temp-dir.ts";

const header = { capacity: DATA_START + 256 * 1024, nodeId: 1, nodeEpoch: 1, trimOffset: 0, generation: 1 };

const refusing = (code: string): WalFileOptions => ({
  openDataDescriptor: async () => {
    throw Object.assign(new Error(`${code}: refused by the test`), { code });
  },
});

async function appendAll(file: WalFile, count: number): Promise<void> {
  const writer = new WalWriter(file, 0, {
    appendTimeoutMs: 1000,
    onSpaceNeeded: () => {},
    onDropped: () => {},
  });
  await Promise.all(
    Array.from({ length: count }, (_, i) =>
      writer.append({
        streamId: 1,
        epoch: 1,
        baseOffset: i,
        count: 1,
        timestamp: 0,
        payload: Buffer.alloc(500, i),
      }),
    ),
  );
}

describe("WalFile durability mode", () => {
  it("writes groups through O_DSYNC with no fdatasync by default", async () => {
    const path = join(await tempDir("walf"), "wal");
    const file = await WalFile.create(path, header);
    assert.equal(file.durability, "o_dsync");
    await appendAll(file, 40);
    assert.ok(file.durableWriteCount > 0);
    assert.equal(file.syncCount, 0);
    await file.close();
    const reopened = await WalFile.open(path);
    assert.equal(reopened.durability, "o_dsync");
    assert.equal((await scanWal(reopened)).records.length, 40);
    await reopened.close();
  });

  it("falls back to write + fdatasync when O_DSYNC is refused with EINVAL, at create and at open", async () => {
    const path = join(await tempDir("walf"), "wal");
    const file = await WalFile.create(path, header, refusing("EINVAL"));
    assert.equal(file.durability, "fdatasync");
    await appendAll(file, 40);
    assert.ok(file.durableWriteCount > 0);
    assert.equal(file.syncCount, file.durableWriteCount, "one fdatasync per group write");
    await file.close();
    const reopened = await WalFile.open(path, "r+", refusing("EINVAL"));
    assert.equal(reopened.durability, "fdatasync");
    const scan = await scanWal(reopened);
    assert.deepEqual(
      scan.records.map((r) => r.baseOffset),
      Array.from({ length: 40 }, (_, i) => i),
    );
    await reopened.close();
  });

  it("fails the open on any other error from the O_DSYNC open", async () => {
    const path = join(await tempDir("walf"), "wal");
    await assert.rejects(WalFile.create(path, header, refusing("EACCES")), { code: "EACCES" });
    await (await WalFile.create(path, header)).close();
    await assert.rejects(WalFile.open(path, "r+", refusing("EMFILE")), { code: "EMFILE" });
  });

  it("opens read-only without a data descriptor and refuses writes", async () => {
    const path = join(await tempDir("walf"), "wal");
    await (await WalFile.create(path, header)).close();
    const file = await WalFile.open(path, "r", refusing("EACCES"));
    assert.equal(file.durability, "fdatasync");
    await assert.rejects(file.writeDurably(0, [Buffer.alloc(8)], 8), { code: "EBADF" });
    await file.close();
  });

  it("refuses writes after close instead of reaching a reused descriptor", async () => {
    const path = join(await tempDir("walf"), "wal");
    const file = await WalFile.create(path, header);
    await file.close();
    await assert.rejects(file.writeDurably(0, [Buffer.alloc(8)], 8));
  });
});
