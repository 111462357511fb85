// Shared pieces of the s3stream benchmarks (not a benchmark itself: run-all only runs *.bench.ts).
import { type FileHandle, mkdtemp, open, rm } from "node:fs/promises";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";

export const MiB = 1024 * 1024;
export const quick = process.env.CIRRUS_BENCH_QUICK === "1";

export async function benchDir(label: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `cirrus-bench-${label}-`));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/**
 * The machine's raw ceiling: sequential `chunk`-byte writes each followed by fdatasync, on a preallocated file
 * (as the WAL is). Open once, then measure() as many times as needed (interleaved with what it is compared to).
 */
export class RawWriteSyncCeiling {
  readonly #handle: FileHandle;
  readonly #capacity: number;
  #position = 0;

  private constructor(handle: FileHandle, capacity: number) {
    this.#handle = handle;
    this.#capacity = capacity;
  }

  static async open(path: string, capacity: number): Promise<RawWriteSyncCeiling> {
    const handle = await open(path, "w+");
    const zeros = Buffer.alloc(8 * MiB);
    for (let at = 0; at < capacity; at += zeros.length)
      await handle.write(zeros, 0, Math.min(zeros.length, capacity - at), at);
    await handle.datasync();
    return new RawWriteSyncCeiling(handle, capacity);
  }

  /** MiB/s of `chunk`-byte write+fdatasync pairs for `seconds`. */
  async measure(chunk: number, seconds: number): Promise<number> {
    const data = Buffer.alloc(chunk, 7);
    let bytes = 0;
    const started = performance.now();
    while (performance.now() - started < seconds * 1000) {
      if (this.#position + chunk > this.#capacity) this.#position = 0;
      await this.#handle.write(data, 0, chunk, this.#position);
      await this.#handle.datasync();
      this.#position += chunk;
      bytes += chunk;
    }
    return bytes / MiB / ((performance.now() - started) / 1000);
  }

  close(): Promise<void> {
    return this.#handle.close();
  }
}

export function median(values: number[]): number {
  return percentile(values, 50);
}

/**
 * Issues `send()` at a fixed rate (open loop) for `seconds`; latency is measured from the scheduled send time,
 * so a stalled event loop shows up as latency instead of silently lowering the rate.
 */
export async function fixedRate(
  ratePerSecond: number,
  seconds: number,
  send: () => Promise<unknown>,
): Promise<number[]> {
  const latencies: number[] = [];
  const pending: Promise<unknown>[] = [];
  const started = performance.now();
  const total = Math.floor(ratePerSecond * seconds);
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / ratePerSecond;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    pending.push(send().then(() => latencies.push(performance.now() - due)));
  }
  await Promise.all(pending);
  return latencies;
}

/** Prints the JSON line, with the machine's load so that numbers from a shared, busy machine read as such. */
export function printResult(result: Record<string, unknown>): void {
  const machine = { cores: availableParallelism(), loadAverage1m: round(loadavg()[0]!, 2) };
  process.stdout.write(`${JSON.stringify({ ...result, machine })}\n`);
}
