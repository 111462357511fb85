// The bundle cache keeps one folder per content hash of the bundle's inputs (build-broker-bundle.ts), about 46 MB
// each, and every broker change makes a new one: without eviction a data folder or a checkout's e2e/.build grew
// by that much per change, for ever. After each build (or cache hit) only the newest `keep` bundles and the one
// in use stay. "Newest" is the last use: a cache hit touches its bundle.json, so a bundle built long ago but
// just used again is not evicted before one built since and never used again.
import { readdir, rm, stat, utimes } from "node:fs/promises";
import { join } from "node:path";

/** How many of the most recently used bundles are kept by default, the one in use also kept if older. */
export const DEFAULT_BUNDLE_CACHE_KEEP = 3;

/** Marks the bundle in `cacheDir/key` as just used (the newest for pruneBundleCache). */
export async function touchCachedBundle(cacheDir: string, key: string): Promise<void> {
  const now = new Date();
  await utimes(join(cacheDir, key, "bundle.json"), now, now);
}

/**
 * Removes the cached bundles of `cacheDir` but the `keep` most recently used and `inUse` (a key), and returns
 * the keys removed. Only finished bundles (a folder with a bundle.json) are candidates: a build's stage folder
 * (`<key>.stage-<pid>`, possibly another process's build in progress) and anything else are left alone. A
 * bundle that vanishes meanwhile (another process pruned it) is not an error.
 */
export async function pruneBundleCache(
  cacheDir: string,
  options: { keep: number; inUse: string },
): Promise<string[]> {
  // A keep that is not a count (NaN from a bad flag) would otherwise evict everything but the bundle in use.
  if (!Number.isInteger(options.keep) || options.keep < 0)
    throw new RangeError(`broker bundle cache: keep must be a whole number of bundles, got ${options.keep}`);
  const entries = await readdir(cacheDir, { withFileTypes: true });
  const bundles: { key: string; usedAt: number }[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory() || entry.name.includes(".stage-")) continue;
    const usedAt = await stat(join(cacheDir, entry.name, "bundle.json")).then(
      (s) => s.mtimeMs,
      () => undefined,
    );
    if (usedAt !== undefined) bundles.push({ key: entry.name, usedAt });
  }
  // Newest first; the key breaks ties so the same cache always keeps the same bundles.
  bundles.sort((a, b) => b.usedAt - a.usedAt || (a.key < b.key ? -1 : 1));
  const evicted = bundles
    .slice(Math.max(0, options.keep))
    .filter((b) => b.key !== options.inUse)
    .map((b) => b.key);
  for (const key of evicted) await rm(join(cacheDir, key), { recursive: true, force: true });
  return evicted;
}
