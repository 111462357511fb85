// Cloud volumes as block files: a volume is a sparse file of its size (reads zeros until written, as a fresh
// EBS volume or ESSD disk does), kept in the emulated cloud's own folder so that it can move between
// instances; attaching it puts a symlink in the instance's by-id folder under the name the cloud's udev rules
// give it (AWS Nitro NVMe: nvme-Amazon_Elastic_Block_Store_<volume id without '-'>; Alibaba virtio-blk:
// virtio-<disk id without 'd-'>), detaching removes it. Brokers read that folder as their /dev/disk/by-id.
import { mkdir, open, readdir, symlink, unlink } from "node:fs/promises";
import { join } from "node:path";
import type { CloudName } from "./metadata-emulator.ts";

export interface BlockVolume {
  readonly volumeId: string;
  /** The block file. */
  readonly path: string;
  readonly sizeBytes: number;
}

/** The by-id entry name a cloud gives the volume's device. */
export function byIdNameOf(provider: CloudName, volumeId: string): string {
  if (provider === "aws") {
    if (!/^vol-[0-9a-f]+$/.test(volumeId)) throw new Error(`not an EBS volume id: ${volumeId}`);
    return `nvme-Amazon_Elastic_Block_Store_${volumeId.replace("-", "")}`;
  }
  if (!/^d-[0-9a-z]+$/.test(volumeId)) throw new Error(`not an ECS disk id: ${volumeId}`);
  return `virtio-${volumeId.slice(2)}`;
}

/** Creates the volume's block file (sparse, `sizeBytes` of zeros) in `dir`; an existing one is kept. */
export async function createBlockVolume(
  dir: string,
  volumeId: string,
  sizeBytes: number,
): Promise<BlockVolume> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${volumeId}.blk`);
  const handle = await open(path, "a");
  try {
    if ((await handle.stat()).size === 0) await handle.truncate(sizeBytes);
  } finally {
    await handle.close();
  }
  return { volumeId, path, sizeBytes };
}

/** Attaches: the volume appears under `byIdRoot` (idempotent). */
export async function attachBlockVolume(
  provider: CloudName,
  byIdRoot: string,
  volume: BlockVolume,
): Promise<string> {
  await mkdir(byIdRoot, { recursive: true });
  const link = join(byIdRoot, byIdNameOf(provider, volume.volumeId));
  await unlink(link).catch(() => {});
  await symlink(volume.path, link);
  return link;
}

/** Detaches: the volume's entry leaves `byIdRoot` (idempotent). */
export async function detachBlockVolume(
  provider: CloudName,
  byIdRoot: string,
  volumeId: string,
): Promise<void> {
  await unlink(join(byIdRoot, byIdNameOf(provider, volumeId))).catch(() => {});
}

/** The volume ids attached under `byIdRoot`. */
export async function attachedVolumeNames(byIdRoot: string): Promise<string[]> {
  return (await readdir(byIdRoot).catch(() => [] as string[])).sort();
}
