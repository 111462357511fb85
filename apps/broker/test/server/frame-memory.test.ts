// The frame memory pool: frames are cut from slabs, and a slab takes new frames only once every view of its
// previous frames has been garbage collected. The invariant tried hardest: bytes a live view holds never change.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { FrameMemory } from "../../src/server/frame-memory.ts";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

const SLAB = 64 * 1024;

/** Collects, then lets FinalizationRegistry callbacks run (they are queued as tasks after the GC). */
async function collect(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Fills `slabs` whole slabs with frames and drops them. */
function churn(memory: FrameMemory, slabs: number): void {
  for (let i = 0; i < (slabs * SLAB) / 1024; i++) memory.allocate(1024).fill(0xdd);
}

describe("FrameMemory", () => {
  it("cuts consecutive frames from one slab, 8-byte aligned", () => {
    const memory = new FrameMemory({ slabBytes: SLAB, maxIdleBytes: 4 * SLAB });
    const a = memory.allocate(13);
    const b = memory.allocate(100);
    assert.equal(a.buffer, b.buffer);
    assert.equal(b.byteOffset - a.byteOffset, 16);
    assert.equal(a.length, 13);
    assert.equal(memory.stats.slabsCreated, 1);
  });

  it("reuses a slab once nothing references its frames", async () => {
    const memory = new FrameMemory({ slabBytes: SLAB, maxIdleBytes: 4 * SLAB });
    churn(memory, 3);
    memory.allocate(SLAB / 4); // leaves the third slab, so the first three can all be collected
    await collect();
    assert.ok(memory.stats.idleSlabs >= 3, `idle slabs: ${JSON.stringify(memory.stats)}`);
    const created = memory.stats.slabsCreated;
    churn(memory, 3);
    assert.equal(memory.stats.slabsCreated, created, "no fresh slab while idle ones are there");
    assert.ok(memory.stats.slabsReused >= 3);
  });

  it("never hands out memory a live view can still see, whoever made the view", async () => {
    const memory = new FrameMemory({ slabBytes: SLAB, maxIdleBytes: 8 * SLAB });
    const kept: Buffer[] = [];
    for (let round = 0; round < 20; round++) {
      // Every third round, keep one small view (a subarray of a subarray, as the log cache keeps a batch) of
      // one frame: that slab must stay out of the pool, the others come back.
      for (let i = 0; i < SLAB / 2048; i++) {
        const frame = memory.allocate(2048).fill(round);
        if (round % 3 === 0 && i === 7) kept.push(frame.subarray(100, 200).subarray(10, 20));
      }
      await collect();
    }
    assert.ok(memory.stats.slabsReused > 0, `the pool was exercised: ${JSON.stringify(memory.stats)}`);
    for (const view of kept) {
      const value = view[0]!;
      assert.ok(
        view.every((byte) => byte === value),
        "a kept view's bytes were overwritten by a later frame",
      );
    }
    const expected = kept.map((view) => view[0]);
    churn(memory, 16);
    await collect();
    churn(memory, 16);
    assert.deepEqual(
      kept.map((view) => view[0]),
      expected,
    );
  });

  it("keeps at most maxIdleBytes of idle slabs, and frames above a quarter slab get memory of their own", async () => {
    const memory = new FrameMemory({ slabBytes: SLAB, maxIdleBytes: 2 * SLAB });
    churn(memory, 6);
    memory.allocate(SLAB / 4);
    await collect();
    assert.equal(memory.stats.idleSlabs, 2);
    const big = memory.allocate(SLAB / 4 + 1);
    assert.ok(!(big.buffer instanceof SharedArrayBuffer), "a big frame is not cut from a slab");
    assert.equal(memory.stats.idleSlabs, 2);
  });

  it("with no idle budget, every frame is fresh memory", () => {
    const memory = new FrameMemory({ slabBytes: SLAB, maxIdleBytes: 0 });
    const frame = memory.allocate(10);
    assert.ok(!(frame.buffer instanceof SharedArrayBuffer));
    assert.equal(memory.stats.slabsCreated, 0);
  });
});
