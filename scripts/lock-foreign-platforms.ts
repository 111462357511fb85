// The npm registry this project's machines reach serves only the packages of its own platform (linux x64):
// npm install then leaves other platforms' optional binaries (e.g. @biomejs/cli-darwin-arm64) out of
// package-lock.json, and `npm ci` refuses the lock as out of sync. This adds those entries back, marked
// optional with their os/cpu/libc, so npm ci on any machine skips them as foreign, as a lock made with
// a full registry would. Run after `npm install`: node scripts/lock-foreign-platforms.ts
import { readFileSync, writeFileSync } from "node:fs";

interface LockEntry {
  version?: string;
  dev?: boolean;
  optional?: boolean;
  os?: string[];
  cpu?: string[];
  libc?: string[];
  optionalDependencies?: Record<string, string>;
}

const path = new URL("../package-lock.json", import.meta.url);
const lock = JSON.parse(readFileSync(path, "utf8")) as { packages: Record<string, LockEntry> };

const OS = ["android", "darwin", "freebsd", "linux", "win32", "openbsd", "sunos", "aix", "netbsd"];
const CPU = [
  "arm64",
  "x64",
  "arm",
  "ia32",
  "riscv64",
  "s390x",
  "ppc64",
  "loong64",
  "wasm32",
  "mips64el",
  "universal",
];

/** Platform fields read off a binary package's name, e.g. cli-linux-x64-musl → linux / x64 / musl. */
function platformOf(name: string): Pick<LockEntry, "os" | "cpu" | "libc"> | undefined {
  const parts = name.split("/").pop()!.split("-");
  const os = parts.find((p) => OS.includes(p));
  const cpu = parts.find((p) => CPU.includes(p));
  if (!os && !cpu) return undefined;
  const entry: Pick<LockEntry, "os" | "cpu" | "libc"> = {};
  if (os) entry.os = [os];
  if (cpu && cpu !== "universal") entry.cpu = [cpu];
  if (parts.includes("musl")) entry.libc = ["musl"];
  else if (parts.includes("gnu") || (os === "linux" && parts.includes("glibc"))) entry.libc = ["glibc"];
  return entry;
}

let added = 0;
for (const [at, entry] of Object.entries(lock.packages)) {
  for (const [dep, range] of Object.entries(entry.optionalDependencies ?? {})) {
    const base = at === "" ? "" : `${at}/`;
    const nested = `${base}node_modules/${dep}`;
    const hoisted = `node_modules/${dep}`;
    if (lock.packages[nested] || lock.packages[hoisted]) continue;
    const platform = platformOf(dep);
    if (!platform || !/^\d+\.\d+\.\d+/.test(range)) continue;
    lock.packages[hoisted] = {
      version: range,
      ...(entry.dev ? { dev: true } : {}),
      optional: true,
      ...platform,
    };
    added++;
  }
}
const sorted = Object.fromEntries(
  Object.entries(lock.packages).sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a < b ? -1 : 1)),
);
writeFileSync(path, `${JSON.stringify({ ...lock, packages: sorted }, null, 2)}\n`);
console.log(`lock: added ${added} foreign-platform optional entries`);
