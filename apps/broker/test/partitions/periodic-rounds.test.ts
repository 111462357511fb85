import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PeriodicRounds } from "../../src/partitions/periodic-rounds.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("PeriodicRounds", () => {
  it("joins a round asked for while one runs instead of starting a second", async () => {
    let started = 0;
    let release: () => void = () => {};
    const rounds = new PeriodicRounds(60_000, async () => {
      started++;
      await new Promise<void>((r) => {
        release = r;
      });
      return started;
    });
    const a = rounds.runNow();
    const b = rounds.runNow();
    assert.equal(a, b);
    release();
    assert.equal(await a, 1);
    const c = rounds.runNow();
    assert.notEqual(c, a, "a new round after the last ended");
    release();
    assert.equal(await c, 2);
  });

  it("runs on its timer once started and hands each round to onTimer", async () => {
    const seen: number[] = [];
    let n = 0;
    const rounds = new PeriodicRounds(
      20,
      async () => ++n,
      (round) => void round.then((v) => seen.push(v)),
    );
    rounds.start();
    await sleep(150);
    await rounds.stop();
    assert.ok(seen.length >= 2, `timer rounds: ${seen.join(",")}`);
    const after = seen.length;
    await sleep(60);
    assert.equal(seen.length, after, "no round after stop");
  });

  it("stop waits for a running round at most waitMs, and says it stopped", async () => {
    const rounds = new PeriodicRounds(60_000, () => new Promise<never>(() => {}));
    void rounds.runNow();
    const t0 = Date.now();
    await rounds.stop(50);
    assert.ok(Date.now() - t0 < 1_000);
    assert.equal(rounds.stopped, true);
    rounds.start();
  });

  it("a failed round does not make stop reject", async () => {
    const rounds = new PeriodicRounds(60_000, async () => {
      throw new Error("boom");
    });
    await assert.rejects(rounds.runNow(), /boom/);
    const failing = rounds.runNow().catch(() => {});
    await rounds.stop(100);
    await failing;
  });
});
