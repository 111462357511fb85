// CPU time of other processes (Linux /proc), for benches that must tell who did the work.
import { readdirSync, readFileSync } from "node:fs";

const CLOCK_TICKS_PER_SECOND = 100; // Linux USER_HZ

function cpuSecondsOfStat(path: string): { name: string; seconds: number } {
  const stat = readFileSync(path, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // utime and stime are fields 14 and 15 of stat, i.e. 11 and 12 after the state field.
  return {
    name: stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")),
    seconds: (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND,
  };
}

/** CPU seconds (user + system) a process has used so far; 0 once it is gone. */
export function cpuSecondsOf(pid: number): number {
  try {
    return cpuSecondsOfStat(`/proc/${pid}/stat`).seconds;
  } catch {
    return 0;
  }
}

/** CPU seconds so far of each of a process's threads, by thread id ("tid:name"); empty once it is gone. */
export function threadCpuSeconds(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const { name, seconds } = cpuSecondsOfStat(`/proc/${pid}/task/${tid}/stat`);
      out.set(`${tid}:${name}`, seconds);
    }
  } catch {
    // gone
  }
  return out;
}

/** CPU seconds between two threadCpuSeconds samples, summed by thread name (libuv-worker, V8Worker, …). */
export function cpuByThreadName(
  before: Map<string, number>,
  after: Map<string, number>,
): Record<string, number> {
  const byName: Record<string, number> = {};
  for (const [key, seconds] of after) {
    const name = key.slice(key.indexOf(":") + 1);
    byName[name] = (byName[name] ?? 0) + seconds - (before.get(key) ?? 0);
  }
  return byName;
}

/**
 * Seconds a process's main thread has spent so far waiting on a run queue: runnable, but no CPU free (Linux
 * schedstat, field 2). Over a measured interval it tells how much of a latency tail is CPU contention on the
 * machine rather than work; 0 once the process is gone or where schedstat is unavailable.
 */
export function mainThreadRunQueueSecondsOf(pid: number): number {
  try {
    const [, waitNs] = readFileSync(`/proc/${pid}/task/${pid}/schedstat`, "utf8").trim().split(" ");
    return Number(waitNs) / 1e9;
  } catch {
    return 0;
  }
}

/** Minor page faults a process has taken so far (Linux stat field 10); 0 once it is gone. */
export function minorFaultsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[7]);
  } catch {
    return 0;
  }
}

/** A process's peak resident set so far in bytes (VmHWM); 0 once it is gone. */
export function peakRssBytesOf(pid: number): number {
  try {
    const kib = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    return Number(kib ?? 0) * 1024;
  } catch {
    return 0;
  }
}
