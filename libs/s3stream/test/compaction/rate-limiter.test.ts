import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RateLimiter } from "../../src/compaction/rate-limiter.ts";

describe("RateLimiter", () => {
  it("paces consumers to the configured bytes per second", async () => {
    const limiter = new RateLimiter(1000);
    const started = performance.now();
    await limiter.consume(100); // first slot starts now
    await limiter.consume(100);
    await limiter.consume(100);
    const elapsed = performance.now() - started;
    assert.ok(elapsed >= 180, `300 bytes at 1000 B/s took only ${elapsed} ms`);
    assert.ok(elapsed < 1500);
  });
});
