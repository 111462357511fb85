// What the local provider left on this machine for one data folder: broker processes and volume files.
// Whole-system tests use it to prove that nothing is orphaned. Reads /proc (Linux only).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export interface BrokerProcess {
  pid: number;
  instanceId: string;
}

/** Live (not zombie) processes whose environment names `<dataDir>/cloud-local` as their local root. */
export function brokerProcessesOf(dataDir: string): BrokerProcess[] {
  const root = `CIRRUS_LOCAL_ROOT=${join(dataDir, "cloud-local")}`;
  const found: BrokerProcess[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      if (stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z")) continue;
      const env = readFileSync(`/proc/${name}/environ`, "utf8").split("\0");
      if (!env.includes(root)) continue;
      const instance = env.find((e) => e.startsWith("CIRRUS_INSTANCE_ID="));
      found.push({ pid: Number(name), instanceId: instance?.slice("CIRRUS_INSTANCE_ID=".length) ?? "" });
    } catch {
      // exited while we looked, or not readable by us
    }
  }
  return found;
}

/** Volume files in the local provider's pool (each is one WAL volume). */
export function volumeFilesOf(dataDir: string): string[] {
  try {
    return readdirSync(join(dataDir, "cloud-local", "volumes")).filter((n) => n.endsWith(".img"));
  } catch {
    return [];
  }
}
