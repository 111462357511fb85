// What a starting broker learns from its machine before it listens: its identity (instance id, zone, the
// address to advertise) from the node-identity source, and, on a cloud, where its WAL is: the block device of
// the volume `volumeId` under volumeByIdRoot (waited for: the attach may still be under way at boot).
import type { BrokerConfig } from "../config.ts";
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
  /**
   * A cloud node whose config names no WAL volume: the control plane says which one it attached for the
   * instance, once the broker has its credential (wal-volume-of-instance.ts); config.volumePath is "" until then.
   */
  readonly walVolumeFromControlPlane?: true;
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
  // A cloud broker's WAL belongs on its own volume (on the root disk it would die with the instance): with
  // no id configured, the one the control plane attached for this instance, asked for once it has a credential.
  if (applied.volumeId === "")
    return { config: applied, source, identity, locateVolume, walVolumeFromControlPlane: true };
  const volumePath = await findVolumeDevice({
    provider,
    volumeId: applied.volumeId,
    byIdRoot: config.volumeByIdRoot,
    waitMs: config.volumeAttachWaitMs,
  });
  return { config: Object.freeze({ ...applied, volumePath }), source, identity, locateVolume };
}
