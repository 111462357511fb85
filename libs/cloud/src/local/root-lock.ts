import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CloudError, CloudErrorCode } from "../errors.ts";

/** Roots held by providers of this process (two supervisors on one folder would fight over brokers). */
const heldHere = new Set<string>();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Claims `<root>/provider.lock` for this process. A lock left by a dead process (a control plane that
 * was killed) is taken over; one held by a live process, or by another provider in this process, is a
 * CONFLICT. Returns the release function.
 */
export function lockRoot(root: string): () => void {
  const path = join(root, "provider.lock");
  if (heldHere.has(root)) {
    throw new CloudError(
      CloudErrorCode.CONFLICT,
      `another local provider in this process already manages ${root}`,
      { retriable: false },
    );
  }
  let holder: number | undefined;
  try {
    holder = Number(readFileSync(path, "utf8").trim());
  } catch {
    holder = undefined;
  }
  if (holder && holder !== process.pid && Number.isInteger(holder) && alive(holder)) {
    throw new CloudError(CloudErrorCode.CONFLICT, `process ${holder} already manages ${root}`, {
      retriable: false,
    });
  }
  writeFileSync(path, String(process.pid));
  heldHere.add(root);
  return () => {
    heldHere.delete(root);
    rmSync(path, { force: true });
  };
}
