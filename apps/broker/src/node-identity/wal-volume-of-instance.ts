// Where a cloud broker's WAL is when its user data names no volume (one launch template serves every instance,
// so it cannot): the control plane's record of the volume it attached for this instance, asked for with the
// broker's credential. The provisioner attaches on a pass after the instance runs, so the answer is null for a
// while: asked again until `waitMs`, then the device is found by the volume's id under the by-id folder.
import { BrokerError, BrokerErrorCode } from "../errors.ts";
import { findVolumeDevice } from "./volume-device.ts";

export interface WalVolumeOfInstanceOptions {
  readonly provider: "aws" | "aliyun";
  readonly instanceId: string;
  /** The control plane's answer for this instance: null while no volume is attached for it. */
  readonly askControlPlane: (instanceId: string) => Promise<{ volumeId: string | null }>;
  readonly byIdRoot: string;
  /** How long to wait for the control plane to name a volume, then for its device to appear. */
  readonly waitMs: number;
  readonly pollMs?: number;
  readonly log: (message: string, error?: unknown) => void;
}

/** The volume's id and its device path. VOLUME_NOT_ATTACHED when none is named or appears within `waitMs`. */
export async function walVolumeOfInstance(
  options: WalVolumeOfInstanceOptions,
): Promise<{ volumeId: string; volumePath: string }> {
  const giveUpAt = Date.now() + options.waitMs;
  const pollMs = options.pollMs ?? 500;
  for (let asked = 1; ; asked++) {
    let volumeId: string | null = null;
    try {
      ({ volumeId } = await options.askControlPlane(options.instanceId));
    } catch (error) {
      // A refused credential or a forbidden instance will not change by asking again.
      if ((error as { retriable?: boolean }).retriable !== true) throw error;
      options.log(
        `asking for the WAL volume of ${options.instanceId} failed (${asked}), asking again`,
        error,
      );
    }
    if (volumeId !== null) {
      options.log(`WAL volume ${volumeId} attached for instance ${options.instanceId} (control plane)`);
      const volumePath = await findVolumeDevice({
        provider: options.provider,
        volumeId,
        byIdRoot: options.byIdRoot,
        waitMs: Math.max(0, giveUpAt - Date.now()),
        pollMs,
      });
      return { volumeId, volumePath };
    }
    if (Date.now() >= giveUpAt) {
      throw new BrokerError(
        BrokerErrorCode.VOLUME_NOT_ATTACHED,
        `the control plane named no WAL volume for instance ${options.instanceId} within ${options.waitMs} ms`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
