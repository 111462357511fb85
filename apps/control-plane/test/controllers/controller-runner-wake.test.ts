// wake() runs a pass now instead of at the next interval: an operation started through the API (a move, a
// drain) starts at once, and one that waits on a move finishes as soon as the move did.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { ControllerRunner } from "../../src/controllers/controller-runner.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/test-database.ts";

describe("ControllerRunner.wake", () => {
  let testDb: TestDatabase;
  before(async () => {
    testDb = await createTestDatabase("pglite");
  });
  after(() => testDb.drop());

  function counting(intervalMs: number, passMs = 0) {
    const runner = new ControllerRunner(
      { db: testDb.database.db, now: Date.now, log: () => {} },
      { intervalMs },
    );
    const passes: number[] = [];
    runner.addController({
      name: "counter",
      async reconcile() {
        passes.push(performance.now());
        if (passMs > 0) await sleep(passMs);
      },
    });
    return { runner, passes };
  }

  it("runs a pass at once while the loop waits for its interval", async () => {
    const { runner, passes } = counting(60_000);
    runner.start();
    await sleep(200);
    assert.equal(passes.length, 1, "the first pass, then a minute's wait");
    const woken = performance.now();
    runner.wake();
    await sleep(200);
    await runner.stop();
    assert.equal(passes.length, 2);
    assert.ok(passes[1]! - woken < 150, `${passes[1]! - woken} ms after wake()`);
  });

  it("during a pass, runs another right after it", async () => {
    const { runner, passes } = counting(60_000, 150);
    runner.start();
    await sleep(50);
    runner.wake();
    runner.wake();
    await sleep(600);
    await runner.stop();
    assert.equal(passes.length, 2, "one more pass, not one per wake()");
  });

  it("does nothing once stopped", async () => {
    const { runner, passes } = counting(10);
    runner.start();
    await sleep(50);
    await runner.stop();
    const count = passes.length;
    runner.wake();
    await sleep(100);
    assert.equal(passes.length, count);
  });
});
