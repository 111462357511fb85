// What a starting broker learns from its machine before it listens: its identity (instance id, zone, the
// address to advertise) from the node-identity source, and, on a cloud, where its WAL is: the block device of
// the volume `volumeId` under volumeByIdRoot (waited for: the attach may still be under way at boot).
import type { BrokerConfig } from "../config.ts";
import { BrokerError, BrokerErrorCode } from "../errors.ts";
import { createNodeIdentity, withNodeIdentity } from "./create-node-identity.ts";
import type { NodeIdentity, NodeIdentitySource } from "./node-identity.ts";
import { findVolumeDevice } from "./volume-device.ts";

export interface ResolvedNode {
  /** The config with the node's identity and WAL device applied. */
  readonly config: BrokerConfig;
  readonly source: NodeIdentitySource;
  readonly identity: NodeIdentity;
  /** Finds another attached volume by id (failover replays): rejects while it is not attached. */
  readonly locateVolume?: (volumeId: string) => Promise<string>;
}

export async function resolveNode(config: BrokerConfig): Promise<ResolvedNode> {
  const source = createNodeIdentity(config);
  const identity = await source.describe();
  const applied = withNodeIdentity(config, identity);
  const provider = config.nodeIdentity;
  if (provider === "local") return { config: applied, source, identity };
  const locateVolume = (volumeId: string) =>
    findVolumeDevice({ provider, volumeId, byIdRoot: config.volumeByIdRoot, waitMs: 0 });
  if (applied.volumePath !== "") return { config: applied, source, identity, locateVolume };
  if (applied.volumeId === "") {
    // A cloud broker's WAL belongs on its own volume: on the root disk it would die with the instance.
    throw new BrokerError(
      BrokerErrorCode.CONFIG_INVALID,
      "config CIRRUS_VOLUME_ID (volumeId): required with CIRRUS_NODE_IDENTITY=" +
        `${provider} (the WAL volume, found under ${config.volumeByIdRoot}) unless CIRRUS_VOLUME_PATH is set`,
    );
  }
  const volumePath = await findVolumeDevice({
    provider,
    volumeId: applied.volumeId,
    byIdRoot: config.volumeByIdRoot,
    waitMs: config.volumeAttachWaitMs,
  });
  return { config: Object.freeze({ ...applied, volumePath }), source, identity, locateVolume };
}
