import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { BlockCache } from "../../src/cache/block-cache.ts";

describe("BlockCache", () => {
  it("evicts the least recently used blocks to stay within its byte budget", () => {
    const cache = new BlockCache(300);
    cache.put("a", [], 100);
    cache.put("b", [], 100);
    cache.put("c", [], 100);
    assert.ok(cache.get("a"), "touch a: b is now the oldest");
    cache.put("d", [], 100);
    assert.equal(cache.get("b"), undefined);
    assert.ok(cache.get("a") && cache.get("c") && cache.get("d"));
    assert.equal(cache.bytes, 300);
    cache.put("huge", [], 1000);
    assert.equal(cache.get("huge"), undefined, "a block larger than the cache is not kept");
    assert.equal(cache.bytes, 300);
  });
});
