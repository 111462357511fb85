// The process a local fleet starts for each broker (see broker-launch.ts). The local provider hands every
// instance a folder as CIRRUS_VOLUME_PATH, and the provisioner attaches the broker's WAL volume there once
// the instance runs (like an EBS device that appears after boot). This waits for that volume, points the
// broker at it (CIRRUS_VOLUME_PATH = the volume's file, CIRRUS_VOLUME_ID = its id), then runs the broker
// in this same process, so the pid the provider watches is the broker's.
import { open, readdir, stat, truncate } from "node:fs/promises";
import { basename, join } from "node:path";
import { pathToFileURL } from "node:url";

const VOLUME_SUFFIX = ".img";
/** The WAL's two header slots: all zeros means the volume was never formatted. */
const HEADER_BYTES = 8192;

/** The attached volume's file in `dir`, waiting up to `timeoutMs`; undefined on timeout. */
export async function waitForVolume(
  dir: string,
  timeoutMs: number,
  pollMs = 50,
): Promise<string | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const names = await readdir(dir).catch(() => [] as string[]);
    const volume = names.filter((n) => n.endsWith(VOLUME_SUFFIX)).sort()[0];
    if (volume) return join(dir, volume);
    if (Date.now() >= deadline) return undefined;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/**
 * A fresh volume is a sparse file of zeros with a non-zero size, which the WAL would take for a corrupt
 * WAL. Truncating a never-formatted volume to zero length lets the broker format it; a volume with any
 * header byte set is left alone (it holds a WAL to replay). Returns true when it truncated.
 */
export async function clearBlankVolume(path: string): Promise<boolean> {
  const handle = await open(path, "r+");
  try {
    const header = Buffer.alloc(HEADER_BYTES);
    const { bytesRead } = await handle.read(header, 0, HEADER_BYTES, 0);
    if (bytesRead === 0 || header.subarray(0, bytesRead).some((b) => b !== 0)) return false;
  } finally {
    await handle.close();
  }
  await truncate(path, 0);
  return true;
}

async function main(): Promise<void> {
  const entry = process.env.CIRRUS_BROKER_ENTRY;
  const volumePath = process.env.CIRRUS_VOLUME_PATH;
  if (!entry) throw new Error("CIRRUS_BROKER_ENTRY is not set");
  if (volumePath && (await stat(volumePath).catch(() => undefined))?.isDirectory()) {
    const timeoutMs = Number(process.env.CIRRUS_VOLUME_WAIT_MS ?? 120_000);
    const file = await waitForVolume(volumePath, timeoutMs);
    if (!file) throw new Error(`no WAL volume was attached in ${volumePath} within ${timeoutMs} ms`);
    await clearBlankVolume(file);
    process.env.CIRRUS_VOLUME_PATH = file;
    process.env.CIRRUS_VOLUME_ID = basename(file, VOLUME_SUFFIX);
  }
  await import(pathToFileURL(entry).href);
}

if (import.meta.main) {
  main().catch((error: unknown) => {
    process.stderr.write(`local broker: ${String((error as Error)?.stack ?? error)}\n`);
    process.exit(1);
  });
}
