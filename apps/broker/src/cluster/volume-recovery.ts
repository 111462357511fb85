// Failover, the recovering side: when the control plane assigns this broker a fenced broker's WAL volume
// (attached next to this broker's own volume, as `<volume folder>/<volumeId>.img` on the local provider; on a
// cloud a block device found by its id, `locate`), replay it into object
// storage and close that broker's streams, before any of its partitions are opened here. Each volume is
// recovered once per owner epoch; a volume not attached yet, or a failed replay, is retried with the next
// application of the same assignments (s3stream's recoverForeignWal commits nothing twice).
import { access } from "node:fs/promises";
import { join } from "node:path";
import type { VolumeRecovery } from "@cirrus/broker-api";

export interface VolumeRecoveryOptions {
  /** The folder attached volumes appear in. */
  readonly volumeDir: string;
  /**
   * Where an attached volume is; rejects while it is not attached (the next application retries). Default:
   * `<volumeDir>/<volumeId>.img` (the local provider's volume files).
   */
  readonly locate?: (volumeId: string) => Promise<string>;
  /** Replays the WAL at `path` (s3stream recoverForeignWal with this broker's identity). */
  readonly recover: (path: string, volume: VolumeRecovery) => Promise<{ recoveredRecords: number }>;
  readonly log: (message: string, error?: unknown) => void;
}

export class VolumeRecoverer {
  readonly #options: VolumeRecoveryOptions;
  readonly #done = new Set<string>();

  constructor(options: VolumeRecoveryOptions) {
    this.#options = options;
  }

  /** Path of an attached volume's file. */
  pathOf(volumeId: string): string {
    return join(this.#options.volumeDir, `${volumeId}.img`);
  }

  async #locate(volumeId: string): Promise<string> {
    if (this.#options.locate) return this.#options.locate(volumeId);
    const path = this.pathOf(volumeId);
    await access(path);
    return path;
  }

  /** Recovers every listed volume not recovered yet; never throws, returns what failed. */
  async apply(
    volumes: readonly VolumeRecovery[],
  ): Promise<{ failed: { volume: VolumeRecovery; error: unknown }[] }> {
    const failed: { volume: VolumeRecovery; error: unknown }[] = [];
    for (const volume of volumes) {
      const key = `${volume.volumeId}@${volume.ownerEpoch}`;
      if (this.#done.has(key)) continue;
      try {
        const path = await this.#locate(volume.volumeId);
        const report = await this.#options.recover(path, volume);
        this.#done.add(key);
        this.#options.log(
          `recovered volume ${volume.volumeId} of broker ${volume.ownerBrokerId}: ${report.recoveredRecords} records`,
        );
      } catch (error) {
        failed.push({ volume, error });
      }
    }
    return { failed };
  }
}
