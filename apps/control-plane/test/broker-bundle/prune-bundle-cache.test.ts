// The broker bundle cache keeps the most recently used bundles and the one in use, and nothing it did not make.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { pruneBundleCache, touchCachedBundle } from "../../src/broker-bundle/prune-bundle-cache.ts";

describe("the broker bundle cache's eviction", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "cirrus-bundle-cache-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** A finished bundle folder under `key`, last used `ageS` seconds ago. */
  const plant = (key: string, ageS: number) => {
    mkdirSync(join(dir, key));
    writeFileSync(join(dir, key, "bundle.tar.gz"), "tarball");
    writeFileSync(join(dir, key, "bundle.json"), "{}");
    const at = new Date(Date.now() - ageS * 1000);
    utimesSync(join(dir, key, "bundle.json"), at, at);
  };
  /** Bundles k1..kn, k1 the most recently used (10 s ago), each next one 10 s older. */
  const plantMany = (n: number) => {
    for (let i = 1; i <= n; i++) plant(`k${i}`, 10 * i);
  };
  const left = () => readdirSync(dir).sort();

  it("keeps the newest N and removes the older ones", async () => {
    plantMany(5);
    const evicted = await pruneBundleCache(dir, { keep: 3, inUse: "k1" });
    assert.deepEqual(evicted, ["k4", "k5"]);
    assert.deepEqual(left(), ["k1", "k2", "k3"]);
  });

  it("keeps the one in use even when it is older than the newest N", async () => {
    plantMany(5);
    assert.deepEqual(await pruneBundleCache(dir, { keep: 2, inUse: "k5" }), ["k3", "k4"]);
    assert.deepEqual(left(), ["k1", "k2", "k5"]);
  });

  it("a bundle used again counts as new (touched on a cache hit)", async () => {
    plantMany(2);
    plant("old", 500);
    await touchCachedBundle(dir, "old");
    assert.deepEqual(await pruneBundleCache(dir, { keep: 2, inUse: "old" }), ["k2"]);
    assert.deepEqual(left(), ["k1", "old"]);
  });

  it("leaves build stages, unfinished folders and other files alone", async () => {
    plantMany(3);
    mkdirSync(join(dir, "k9.stage-4242")); // another process's build in progress
    writeFileSync(join(dir, "k9.stage-4242", "bundle.json"), "{}");
    mkdirSync(join(dir, "half")); // no bundle.json: not a finished bundle
    writeFileSync(join(dir, "notes.txt"), "mine");
    assert.deepEqual(await pruneBundleCache(dir, { keep: 1, inUse: "k1" }), ["k2", "k3"]);
    assert.deepEqual(left(), ["half", "k1", "k9.stage-4242", "notes.txt"]);
  });

  it("refuses a keep that is not a count, removing nothing", async () => {
    plantMany(2);
    for (const keep of [Number.NaN, -1, 1.5])
      await assert.rejects(pruneBundleCache(dir, { keep, inUse: "k1" }), RangeError);
    assert.ok(existsSync(join(dir, "k2", "bundle.tar.gz")));
  });
});
