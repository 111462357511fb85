// Finds an attached cloud volume among the machine's block devices by its id, through the udev names in
// /dev/disk/by-id (never by a device name like /dev/nvme1n1, whose number depends on attach order):
// - AWS Nitro: an EBS volume is an NVMe device whose serial is the volume id without its hyphen, named
//   `nvme-Amazon_Elastic_Block_Store_vol0123456789abcdef0`;
// - Alibaba Cloud: a disk's serial is its id without `d-`: `virtio-bp1abc…` (virtio-blk), or
//   `nvme-<model>_bp1abc…` on instance types that attach disks over NVMe.
// The WAL is used raw on that device: no filesystem, so a force-detached volume needs no repair.
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { BrokerError, BrokerErrorCode } from "../errors.ts";

const VOLUME_ID = {
  aws: /^vol-[0-9a-f]{8,32}$/,
  aliyun: /^d-[0-9a-z]{6,40}$/,
} as const;

/** The cloud's serial of a volume, or CONFIG_INVALID when the id is not one of that cloud's volume ids. */
export function volumeSerialOf(provider: "aws" | "aliyun", volumeId: string): string {
  if (!VOLUME_ID[provider].test(volumeId)) {
    throw new BrokerError(
      BrokerErrorCode.CONFIG_INVALID,
      `${JSON.stringify(volumeId)} is not an ${provider} volume id (expected ${VOLUME_ID[provider].source})`,
    );
  }
  return provider === "aws" ? volumeId.replace("-", "") : volumeId.slice(2);
}

/** Whether `name` (an entry of /dev/disk/by-id) is the whole device of the volume with `serial`. */
export function isVolumeEntry(provider: "aws" | "aliyun", serial: string, name: string): boolean {
  if (provider === "aws") return name === `nvme-Amazon_Elastic_Block_Store_${serial}`;
  return name === `virtio-${serial}` || (name.startsWith("nvme-") && name.endsWith(`_${serial}`));
}

export interface FindVolumeOptions {
  readonly provider: "aws" | "aliyun";
  readonly volumeId: string;
  /** /dev/disk/by-id on a machine; a folder of symlinks to block files in the emulated instance runner. */
  readonly byIdRoot: string;
  /** How long to wait for the device to appear (an attach takes seconds). */
  readonly waitMs: number;
  readonly pollMs?: number;
}

/** The by-id path of the volume's device; VOLUME_NOT_ATTACHED when it does not appear within `waitMs`. */
export async function findVolumeDevice(options: FindVolumeOptions): Promise<string> {
  const serial = volumeSerialOf(options.provider, options.volumeId);
  const giveUpAt = Date.now() + options.waitMs;
  for (;;) {
    const names = await readdir(options.byIdRoot).catch(() => [] as string[]);
    const found = names.filter((name) => isVolumeEntry(options.provider, serial, name)).sort();
    if (found[0] !== undefined) return join(options.byIdRoot, found[0]);
    if (Date.now() >= giveUpAt) {
      throw new BrokerError(
        BrokerErrorCode.VOLUME_NOT_ATTACHED,
        `volume ${options.volumeId} (serial ${serial}) is not among the devices in ${options.byIdRoot}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 500));
  }
}
