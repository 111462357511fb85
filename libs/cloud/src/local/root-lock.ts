import { linkSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CloudError, CloudErrorCode } from "../errors.ts";

/** Lock files held by this process (two holders in one process would fight just the same). */
const heldHere = new Set<string>();

/** The kernel's start time of `pid` (clock ticks since boot), or undefined off Linux or when it is gone. */
function startTimeOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces): state is field 3, starttime field 22.
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

interface Holder {
  pid: number;
  /** The holder's start time when it took the lock: a live process with another one reused the pid. */
  startTime: string | undefined;
}

/** `pid [starttime]`; a lock written by an older version holds the pid alone. */
function readHolder(path: string): Holder | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
  const [pid, startTime] = text.trim().split(/\s+/);
  const n = Number(pid);
  return Number.isInteger(n) && n > 0 ? { pid: n, startTime } : { pid: 0, startTime: undefined };
}

/** True while the process that wrote the lock runs (not this one: a pid of ours on file is a past life). */
function holds(holder: Holder | undefined): holder is Holder {
  if (!holder || holder.pid === 0 || holder.pid === process.pid || !alive(holder.pid)) return false;
  const now = startTimeOf(holder.pid);
  return holder.startTime === undefined || now === undefined || now === holder.startTime;
}

function conflict(message: string): CloudError {
  return new CloudError(CloudErrorCode.CONFLICT, message, { retriable: false });
}

/**
 * Claims `<folder>/<name>` for this process, exclusively: of two processes starting at once, one wins.
 * The file holds the holder's pid and start time. A lock whose holder is gone (a killed process, or a
 * pid since reused by another program) is taken over; one held by a live process, or already by this
 * process, is a CONFLICT (not retriable) whose message names the folder and the holder's pid. Returns
 * the release function (idempotent). The local provider locks its root with it, `npm start` its data
 * folder (local-system.ts).
 */
export function lockFolder(folder: string, name = "provider.lock"): () => void {
  const path = join(folder, name);
  if (heldHere.has(path)) throw conflict(`this process already uses ${folder} (${path})`);
  const content = `${process.pid} ${startTimeOf(process.pid) ?? ""}`.trim();
  // Written whole to a file of our own, then linked into place: link is atomic and fails if the lock
  // exists, so no reader ever sees a half-written lock and of two processes starting at once one wins.
  const mine = `${path}.${process.pid}.new`;
  writeFileSync(mine, `${content}\n`, { mode: 0o644 });
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(mine, path);
        heldHere.add(path);
        let released = false;
        return () => {
          if (released) return;
          released = true;
          heldHere.delete(path);
          // Only our own lock: never one that another process took over after we were presumed dead.
          if (readHolder(path)?.pid === process.pid) rmSync(path, { force: true });
        };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      }
      const holder = readHolder(path);
      if (holds(holder)) {
        throw conflict(`process ${holder.pid} already uses ${folder} (its lock is ${path})`);
      }
      if (attempt >= 200) throw conflict(`cannot take the lock ${path}: it keeps changing hands`);
      if (!removeStale(path, mine)) sleepSync(5);
    }
  } finally {
    rmSync(mine, { force: true });
  }
}

/** Blocks this thread for `ms` (lockFolder is synchronous; the wait is for another process's few syscalls). */
function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Removes the lock at `path` if its holder is gone, under a takeover guard (`<path>.takeover`, taken like the
 * lock, by linking `mine` into place). Without the guard, a process that read the lock as stale could remove
 * it after another one had already replaced it with a fresh lock, and two processes would each hold "the" lock.
 * With it, the lock cannot change between the check and the removal: nobody else may remove it (only a guard
 * holder, or its holder, which is gone), and nobody can create it while it exists. Returns false when another
 * process holds the guard (the caller waits and looks again). A guard left by a process that died inside
 * those few syscalls is removed; if two processes remove the same dead guard at once while a third takes it,
 * two could pass: that needs a crash inside the guard and a three-way race.
 */
function removeStale(path: string, mine: string): boolean {
  const guard = `${path}.takeover`;
  try {
    linkSync(mine, guard);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    // Only a guard that exists and whose holder is gone (one that vanished was released: another may be taking it).
    const holder = readHolder(guard);
    if (holder !== undefined && !holds(holder)) rmSync(guard, { force: true });
    return false;
  }
  try {
    const holder = readHolder(path);
    if (holder !== undefined && !holds(holder)) rmSync(path, { force: true });
  } finally {
    rmSync(guard, { force: true });
  }
  return true;
}
