import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { type CachedRecord, LogCache } from "../../src/cache/log-cache.ts";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

let walOffset = 0;
function record(streamId: number, baseOffset: number, size = 100): CachedRecord {
  const r: CachedRecord = {
    streamId,
    epoch: 1,
    baseOffset,
    count: 1,
    timestamp: 0,
    payload: Buffer.alloc(size),
    walOffset,
    walSize: size + 56,
    uploaded: false,
    payloadCrc: undefined,
  };
  walOffset += r.walSize;
  return r;
}

describe("LogCache", () => {
  it("trims the WAL only up to the first record not uploaded, in WAL order", () => {
    walOffset = 0;
    const cache = new LogCache(0, 0);
    const a0 = record(1, 0);
    const b0 = record(2, 0);
    const a1 = record(1, 1);
    for (const r of [a0, b0, a1]) cache.add(r);
    assert.equal(cache.trimOffset, 0);
    cache.markUploaded(1, 2); // stream 1 closed first: its records are uploaded, stream 2's is not
    assert.equal(cache.trimOffset, b0.walOffset, "stream 2's record still pins the WAL");
    cache.markUploaded(2, 1);
    assert.equal(cache.trimOffset, a1.walOffset + a1.walSize);
    assert.equal(cache.unuploadedBytes, 0);
  });

  it("deferred bookkeeping: the trim point lags until settled in bounded steps, then matches the eager one", () => {
    walOffset = 0;
    const deferred = new LogCache(250, 0);
    const eager = new LogCache(250, 0);
    const records = Array.from({ length: 40 }, (_, i) => record(1 + (i % 4), Math.floor(i / 4)));
    for (const r of records) {
      deferred.add(r);
      eager.add({ ...r });
    }
    for (const streamId of [1, 2, 3, 4]) {
      deferred.markUploaded(streamId, 10, { deferTrim: true });
      eager.markUploaded(streamId, 10);
      assert.equal(deferred.trimOffset, 0, "nothing trimmed before settling (never ahead of the uploads)");
    }
    let steps = 0;
    while (deferred.settleUploaded(3)) steps++;
    assert.ok(steps >= 10, `settled in bounded steps (${steps})`);
    assert.equal(deferred.trimOffset, eager.trimOffset);
    assert.equal(deferred.cachedBytes, eager.cachedBytes, "the same records were evicted");
    assert.equal(deferred.settleUploaded(3), false, "nothing left");
  });

  it("keeps unuploaded records always and uploaded ones up to retainBytes, oldest evicted first", () => {
    walOffset = 0;
    const cache = new LogCache(250, 0);
    for (let i = 0; i < 5; i++) cache.add(record(1, i));
    assert.equal(cache.snapshotUnuploaded().get(1)!.length, 5);
    cache.markUploaded(1, 5);
    assert.ok(cache.cachedBytes <= 250);
    assert.equal(cache.firstOffset(1), 3, "offsets 0-2 evicted");
    assert.equal(cache.read(1, 1, 10, 1000), undefined, "an evicted offset is not served from the cache");
    assert.deepEqual(
      cache.read(1, 3, 10, 1000)!.map((r) => r.baseOffset),
      [3, 4],
    );
  });

  it("lets go of an evicted record at once: its payload can be collected", async () => {
    walOffset = 0;
    const cache = new LogCache(1000, 0);
    const evicted: WeakRef<Buffer>[] = [];
    for (let i = 0; i < 50; i++) {
      const r = record(1, i, 100);
      if (i < 40) evicted.push(new WeakRef(r.payload));
      cache.add(r);
    }
    cache.markUploaded(1, 50); // 5000 bytes uploaded, 1000 retained: the first 40 are evicted
    assert.equal(cache.firstOffset(1), 40);
    for (let i = 0; i < 3; i++) {
      gc();
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    assert.equal(
      evicted.filter((ref) => ref.deref() !== undefined).length,
      0,
      "evicted payloads still reachable",
    );
    assert.equal(cache.read(1, 40, 50, 1 << 20)?.length, 10);
  });
});
