import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import { promisify } from "node:util";

/** The folder every bundle tarball holds. */
export const BUNDLE_ROOT = "cirrus-broker";
/** The launcher inside BUNDLE_ROOT: `bin/cirrus-broker [node flags]` runs the bundled node on the bundled broker. */
export const LAUNCHER = "bin/cirrus-broker";

/** manifest.json inside the bundle. */
export interface BrokerBundleManifest {
  format: 1;
  version: string;
  /** `node --version` of bin/node ("unknown" when built for another architecture). */
  node: string;
  platform: "linux";
  arch: string;
  /** Every file of the bundle (but manifest.json), relative to BUNDLE_ROOT, with its sha256. */
  files: Record<string, string>;
}

/** A bundle tarball on this machine, named by its sha256. */
export interface BrokerBundle {
  path: string;
  sha256: string;
  size: number;
  manifest: BrokerBundleManifest;
}

const run = promisify(execFile);

/** A file's sha256 (hex), read as a stream: bundles and the Node binary are tens of MB. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/**
 * An operator-supplied bundle (CIRRUS_BROKER_BUNDLE: e.g. one built with `npm run build:broker-bundle` on an
 * arm64 machine): hashed and its manifest read, so it is served exactly like a built one.
 */
export async function loadBrokerBundle(path: string): Promise<BrokerBundle> {
  const absolute = resolve(path);
  const sha256 = await sha256File(absolute);
  const { stdout } = await run("tar", ["-xzOf", absolute, `${BUNDLE_ROOT}/manifest.json`], {
    maxBuffer: 16 * 1024 * 1024,
  }).catch((cause: unknown) => {
    throw new Error(`${absolute} is not a broker bundle (no ${BUNDLE_ROOT}/manifest.json)`, { cause });
  });
  const manifest = JSON.parse(stdout) as BrokerBundleManifest;
  if (manifest.format !== 1 || typeof manifest.version !== "string" || typeof manifest.arch !== "string")
    throw new Error(`${absolute}: unknown broker bundle manifest format`);
  return { path: absolute, sha256, size: (await stat(absolute)).size, manifest };
}
