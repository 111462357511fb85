// Object ids prepared ahead: an upload takes them without a prepareObjects round trip; ids too close to their
// expiry are not handed out; a failed refill leaves take() preparing for itself; a stream close's tail upload
// on a warm pool makes no prepare call at all (the round trip a partition move used to wait for).
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { MemObjectStore } from "@cirrus/object-store";
import { MemoryObjectManager } from "../../src/memory-object-manager.ts";
import { Storage } from "../../src/storage.ts";
import { ObjectIdPool } from "../../src/upload/object-id-pool.ts";
import { payloadFor } from "../helpers/records.ts";
import { tempDir } from "../helpers/temp-dir.ts";

class CountingObjectManager extends MemoryObjectManager {
  prepares = 0;
  failPrepares = false;
  override async prepareObjects(count: number, ttlMs: number): Promise<number> {
    this.prepares++;
    if (this.failPrepares) throw new Error("control plane unreachable");
    return super.prepareObjects(count, ttlMs);
  }
}

describe("ObjectIdPool", () => {
  it("hands out ids prepared ahead, in order, and refills in the background once low", async () => {
    const manager = new CountingObjectManager();
    const pool = new ObjectIdPool(manager, { ttlMs: 60_000, blockSize: 4, lowWater: 2 });
    pool.warm();
    await pool.idle();
    assert.equal(manager.prepares, 1);
    const first = await pool.take(2);
    assert.equal(manager.prepares, 1, "taken without a round trip");
    assert.equal(first[1], first[0]! + 1);
    // 2 left = lowWater: not low yet. One more take leaves 1: a refill starts.
    await pool.take(1);
    await pool.idle();
    assert.equal(manager.prepares, 2);
    assert.equal(pool.available, 5);
    const more = await pool.take(5);
    assert.equal(new Set([...first, ...more]).size, 7, "no id handed out twice");
    assert.equal(pool.takenFromPool, 8);
    assert.equal(pool.preparedOnDemand, 0);
    pool.stop();
  });

  it("prepares on the spot what the pool cannot give, and never hands out ids past half their TTL", async () => {
    let now = 1_000_000;
    const manager = new CountingObjectManager({ now: () => now });
    const pool = new ObjectIdPool(manager, { ttlMs: 10_000, blockSize: 4, lowWater: 1, now: () => now });
    pool.warm();
    await pool.idle();
    const [pooled] = await pool.take(1);
    now += 5_001; // under half the TTL left on the block
    assert.equal(pool.available, 0);
    const [fresh] = await pool.take(1);
    assert.notEqual(fresh, pooled! + 1, "a fresh preparation, not the old block's next id");
    assert.equal(pool.preparedOnDemand, 1);
    await pool.idle();
    pool.stop();
  });

  it("a refill that fails leaves take() preparing for itself", async () => {
    const manager = new CountingObjectManager();
    const errors: unknown[] = [];
    const pool = new ObjectIdPool(manager, {
      ttlMs: 60_000,
      blockSize: 4,
      lowWater: 1,
      onRefillError: (e) => errors.push(e),
    });
    manager.failPrepares = true;
    pool.warm();
    await pool.idle();
    assert.equal(errors.length, 1);
    manager.failPrepares = false;
    const ids = await pool.take(2);
    assert.equal(ids.length, 2);
    assert.equal(pool.preparedOnDemand, 2);
    await pool.idle();
    pool.stop();
  });

  it("refuses counts below one and bad watermarks", async () => {
    const manager = new CountingObjectManager();
    assert.throws(() => new ObjectIdPool(manager, { ttlMs: 1, blockSize: 4, lowWater: 0 }), RangeError);
    assert.throws(() => new ObjectIdPool(manager, { ttlMs: 1, blockSize: 2, lowWater: 3 }), RangeError);
    const pool = new ObjectIdPool(manager, { ttlMs: 60_000, blockSize: 4, lowWater: 1 });
    await assert.rejects(pool.take(0), RangeError);
    pool.stop();
  });
});

describe("a stream close on a warm pool", () => {
  it("uploads its tail and closes without a prepareObjects call", async () => {
    const manager = new CountingObjectManager();
    const storage = await Storage.open({
      walPath: join(await tempDir("object-id-pool"), "wal"),
      walCapacity: 8 * 1024 * 1024,
      objectStore: new MemObjectStore(),
      objectManager: manager,
      nodeId: 1,
      nodeEpoch: 1,
    });
    const stream = await storage.openStream((await storage.createStream()).streamId, 1);
    for (let i = 0; i < 5; i++) await stream.append({ payload: payloadFor(stream.streamId, i), count: 1 });
    // The open warmed the pool in the background.
    await new Promise((resolve) => setImmediate(resolve));
    const before = manager.prepares;
    await stream.close();
    assert.equal(manager.prepares - before, 0, "the tail upload took a prepared id");
    const meta = await manager.describeStream(stream.streamId);
    assert.equal(meta.endOffset, 5);
    assert.equal(meta.state, "CLOSED");
    await storage.shutdown();
  });
});
