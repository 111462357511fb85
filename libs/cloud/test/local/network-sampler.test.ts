import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { NetworkSampler } from "../../src/local/network-sampler.ts";

describe("NetworkSampler", () => {
  it("turns counter samples inside the window into bytes per second", () => {
    const sampler = new NetworkSampler(async () => undefined);
    sampler.record("i-1", { inBytes: 0, outBytes: 0 }, 0);
    sampler.record("i-1", { inBytes: 5000, outBytes: 1000 }, 10_000);
    sampler.record("i-1", { inBytes: 15_000, outBytes: 3000 }, 20_000);
    const [all] = sampler.rates(["i-1"], 30, 20_000);
    assert.equal(all!.inBytesPerSecond, 750);
    assert.equal(all!.outBytesPerSecond, 150);
    const [recent] = sampler.rates(["i-1"], 10, 20_000);
    assert.equal(recent!.inBytesPerSecond, 1000, "only samples inside the window count");
    assert.deepEqual([recent!.from.getTime(), recent!.to.getTime()], [10_000, 20_000]);
  });

  it("starts a window from the sample just before it, so one sample per window is enough", () => {
    const sampler = new NetworkSampler(async () => undefined);
    sampler.record("i-1", { inBytes: 0, outBytes: 0 }, 0);
    sampler.record("i-1", { inBytes: 1050, outBytes: 2100 }, 1050); // sampled a little late
    const [rate] = sampler.rates(["i-1"], 1, 1050);
    assert.equal(rate!.inBytesPerSecond, 1000);
    assert.equal(rate!.outBytesPerSecond, 2000);
    assert.deepEqual([rate!.from.getTime(), rate!.to.getTime()], [0, 1050]);
    // a sample older than one more window is not used: no rate from one sample
    sampler.record("i-2", { inBytes: 0, outBytes: 0 }, 0);
    sampler.record("i-2", { inBytes: 5000, outBytes: 0 }, 5000);
    assert.deepEqual(sampler.rates(["i-2"], 1, 5000), []);
  });

  it("leaves out instances with fewer than two samples and restarts history on a counter reset", () => {
    const sampler = new NetworkSampler(async () => undefined);
    sampler.record("i-1", { inBytes: 100, outBytes: 100 }, 0);
    assert.deepEqual(sampler.rates(["i-1", "i-2"], 60, 1000), []);
    sampler.record("i-1", { inBytes: 5, outBytes: 5 }, 1000); // broker restarted: counters went down
    assert.deepEqual(sampler.rates(["i-1"], 60, 1000), []);
    sampler.record("i-1", { inBytes: 105, outBytes: 5 }, 2000);
    assert.equal(sampler.rates(["i-1"], 60, 2000)[0]!.inBytesPerSecond, 100);
  });

  it("samples through the reader and tolerates a failing one", async () => {
    let n = 0;
    const sampler = new NetworkSampler(async (id) => {
      if (id === "bad") throw new Error("unreachable");
      n += 1000;
      return { inBytes: n, outBytes: n };
    });
    await sampler.sample(["i-1", "bad"], 0);
    await sampler.sample(["i-1", "bad"], 1000);
    const rates = sampler.rates(["i-1", "bad"], 60, 1000);
    assert.equal(rates.length, 1);
    assert.equal(rates[0]!.inBytesPerSecond, 1000);
  });
});
