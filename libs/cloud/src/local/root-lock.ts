import { linkSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
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
      if (attempt >= 5) throw conflict(`cannot take the lock ${path}: it keeps changing hands`);
      takeOver(path);
    }
  } finally {
    rmSync(mine, { force: true });
  }
}

/**
 * Moves a stale lock aside so that the next link can win. Only one of several processes doing this
 * at once moves the file; if what was moved turns out to be a fresh lock someone took meanwhile, it is put
 * back (link fails if yet another one exists, and then that one stands).
 */
function takeOver(path: string): void {
  const aside = `${path}.${process.pid}.stale`;
  try {
    renameSync(path, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw error;
  }
  const moved = readHolder(aside);
  if (holds(moved)) {
    try {
      linkSync(aside, path);
    } catch {
      // another lock exists by now: it stands
    }
  }
  rmSync(aside, { force: true });
}
