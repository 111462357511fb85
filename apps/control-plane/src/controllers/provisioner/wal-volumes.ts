import { CloudErrorCode, type CloudProvider, type Instance, isCloudError, type Volume } from "@cirrus/cloud";
import { and, eq, ne, or } from "drizzle-orm";
import type { ClusterSpec } from "../../api-schemas/clusters.ts";
import type { Db } from "../../db/database.ts";
import { brokers, volumes } from "../../db/schema.ts";
import { WAL_VOLUME_TYPE } from "./cluster-fleet.ts";

/**
 * Runs a volume call that the cloud may not be ready for yet: false when the volume is still converging
 * (creating, detaching) or its fresh id is not visible yet, so the caller tries again on a later pass
 * instead of counting a failed attempt. Other errors are thrown.
 */
export async function settled(call: Promise<unknown>): Promise<boolean> {
  try {
    await call;
    return true;
  } catch (error) {
    if (
      isCloudError(error, CloudErrorCode.CONVERGING) ||
      isCloudError(error, CloudErrorCode.VOLUME_NOT_FOUND)
    )
      return false;
    throw error;
  }
}

/** Volume row states: IN_USE once attached to its broker's instance. */
export const VolumeState = { IN_USE: "IN_USE", AVAILABLE: "AVAILABLE" } as const;

/** The tag every WAL volume of a cluster carries, so deletion finds even ones the database lost. */
export function clusterVolumeTags(clusterId: string): Record<string, string> {
  return { "cirrus:cluster": clusterId };
}

/** The cloud's idempotency token of a broker's WAL volume: one volume per (cluster, instance), ever. */
export function walVolumeToken(clusterId: string, instanceId: string): string {
  return `${clusterId}/${instanceId}`;
}

/**
 * The WAL volumes of one cluster: one per broker instance, created in the instance's zone, attached to
 * it, and recorded in the `volumes` table (which failover reads to move a dead broker's WAL).
 *
 * Crash safety: the volume is created with a token derived from (cluster, instance), so the cloud returns
 * the same volume when a crashed pass runs again, and every volume carries the cluster's tag, so
 * deletion sweeps the ones a crash left unrecorded.
 */
export class WalVolumes {
  readonly #db: Db;
  readonly #provider: CloudProvider;
  readonly #clusterId: string;
  readonly #spec: ClusterSpec;

  constructor(db: Db, provider: CloudProvider, clusterId: string, spec: ClusterSpec) {
    this.#db = db;
    this.#provider = provider;
    this.#clusterId = clusterId;
    this.#spec = spec;
  }

  /**
   * Gives every running instance without a volume its WAL volume, attached. Returns what it attached
   * now (empty when every instance had one). Volumes of instances that are gone are left alone here:
   * failover replays and deletes a crashed broker's, wal-volume-release.ts deletes a handed-back one's.
   */
  async ensureAttached(instances: readonly Instance[]): Promise<{ volumeId: string; instanceId: string }[]> {
    const rows = await this.#rows();
    const attached = new Set<string>();
    const done: { volumeId: string; instanceId: string }[] = [];
    const known = new Map<string, Volume>();
    for (const row of rows) {
      if (row.state !== VolumeState.IN_USE) continue;
      const volume = await this.#provider.describeVolume(row.id);
      if (volume) known.set(row.id, volume);
    }
    for (const volume of known.values()) for (const id of volume.attachedTo) attached.add(id);
    for (const instance of instances) {
      if (instance.state !== "running" || attached.has(instance.id)) continue;
      const volume = await this.#createFor(instance);
      // A volume still creating (or a fresh id not yet visible) is attached on a later pass.
      if (
        !volume.attachedTo.includes(instance.id) &&
        !(await settled(this.#provider.attachVolume(volume.id, instance.id)))
      )
        continue;
      await this.#db
        .update(volumes)
        .set({ state: VolumeState.IN_USE, instanceId: instance.id })
        .where(eq(volumes.id, volume.id));
      attached.add(instance.id);
      done.push({ volumeId: volume.id, instanceId: instance.id });
    }
    await this.#recordOwners();
    return done;
  }

  /**
   * Detaches (forcibly: the brokers are gone) and deletes every volume of the cluster, including ones
   * whose creation was interrupted. Call after the fleet is gone. Idempotent. False while some volume
   * is still converging (a detach takes up to a minute on ECS): call again later.
   */
  async deleteAll(): Promise<boolean> {
    const tagged = await this.#provider.listVolumes(clusterVolumeTags(this.#clusterId));
    const ids = new Set([...(await this.#rows()).map((r) => r.id), ...tagged.map((v) => v.id)]);
    let done = true;
    for (const id of ids) {
      const volume = await this.#provider.describeVolume(id);
      for (const instanceId of volume?.attachedTo ?? []) {
        await this.#provider.detachVolume(id, instanceId, { force: true });
      }
      if (!(await settled(this.#provider.deleteVolume(id)))) {
        done = false;
        continue;
      }
      await this.#db.delete(volumes).where(eq(volumes.id, id));
    }
    return done;
  }

  async #createFor(instance: Instance): Promise<Volume> {
    const volume = await this.#provider.createVolume({
      zone: instance.zone,
      sizeGiB: this.#spec.walVolumeGiB,
      type: WAL_VOLUME_TYPE[this.#spec.provider],
      multiAttach: false,
      clientToken: walVolumeToken(this.#clusterId, instance.id),
      tags: clusterVolumeTags(this.#clusterId),
    });
    await this.#db
      .insert(volumes)
      .values({
        id: volume.id,
        clusterId: this.#clusterId,
        zone: volume.zone,
        sizeGiB: volume.sizeGiB,
        state: VolumeState.AVAILABLE,
        instanceId: instance.id,
      })
      .onConflictDoNothing();
    return volume;
  }

  /** Brokers name their volume when they register: record who owns each WAL, for failover. */
  async #recordOwners(): Promise<void> {
    const owners = await this.#db
      .select({ brokerId: brokers.brokerId, epoch: brokers.epoch, volumeId: brokers.volumeId })
      .from(brokers)
      .innerJoin(volumes, eq(volumes.id, brokers.volumeId))
      .where(eq(brokers.clusterId, this.#clusterId));
    for (const owner of owners) {
      await this.#db
        .update(volumes)
        .set({ ownerBrokerId: owner.brokerId, ownerEpoch: owner.epoch })
        .where(
          and(
            eq(volumes.id, owner.volumeId!),
            eq(volumes.clusterId, this.#clusterId),
            eq(volumes.recoveringBrokerId, -1),
            or(ne(volumes.ownerBrokerId, owner.brokerId), ne(volumes.ownerEpoch, owner.epoch)),
          ),
        );
    }
  }

  async #rows() {
    return this.#db.select().from(volumes).where(eq(volumes.clusterId, this.#clusterId));
  }
}
