// Runs every benchmark in this folder, one after the other, each in its own process.
// `--quick` (CI) sets CIRRUS_BENCH_QUICK=1: each benchmark shrinks its workload but still prints its JSON line.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const quick = process.argv.includes("--quick");
const only = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const benches = readdirSync(here)
  .filter((f) => f.endsWith(".bench.ts"))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();

let failed = 0;
for (const file of benches) {
  const started = Date.now();
  const run = spawnSync(process.execPath, [join(here, file)], {
    stdio: "inherit",
    env: { ...process.env, CIRRUS_BENCH_QUICK: quick ? "1" : (process.env.CIRRUS_BENCH_QUICK ?? "") },
    timeout: 15 * 60_000,
  });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (run.status !== 0) {
    failed++;
    console.error(`bench ${file} failed (status ${run.status}, signal ${run.signal}) after ${seconds}s`);
  } else {
    console.error(`bench ${file} done in ${seconds}s`);
  }
}
if (failed > 0) process.exit(1);
