import type { CloudProvider, Instance } from "@cirrus/cloud";
import { and, eq, inArray, sql } from "drizzle-orm";
import type { Db } from "../../db/database.ts";
import { brokers, operations, volumes } from "../../db/schema.ts";
import { OperationStatus } from "../../services/operations.ts";
import { FAILOVER_OPERATION } from "../broker-lease-controller.ts";
import { settled, VolumeState } from "./wal-volumes.ts";

/**
 * Deletes the WAL volumes of one cluster whose records are all in object storage, so that a replaced
 * broker (every `npm start` after a Ctrl-C, scale-in, broker.replace) does not leave its volume behind.
 * Returns the ids it deleted.
 *
 * A volume goes when no live instance of `instances` (the fleet's, not terminated) has it attached and
 * - the broker that registered with it shut down cleanly: STOPPED, which `deregister` grants only once it
 *   uploaded its WAL tail and closed every stream (failover/hand-back.ts), on an instance that is gone; or
 * - no broker ever registered with it (its instance died first): nothing was acknowledged from it.
 * Kept: a volume whose broker crashed or was fenced (ACTIVE, DRAINING, FENCED: its WAL may hold
 * acknowledged records that are not in the object index), one a failover is replaying or names in an
 * unfinished `broker.failover` (that operation deletes it once replayed), and one never attached.
 * Idempotent: a crash between the cloud's delete and the row's leaves a row whose volume is gone, which the
 * next pass removes.
 */
export async function releaseHandedBackVolumes(
  db: Db,
  provider: CloudProvider,
  clusterId: string,
  instances: readonly Instance[],
): Promise<string[]> {
  const rows = await db
    .select({ id: volumes.id })
    .from(volumes)
    .where(
      and(
        eq(volumes.clusterId, clusterId),
        eq(volumes.state, VolumeState.IN_USE),
        eq(volumes.recoveringBrokerId, -1),
      ),
    );
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const live = new Set(instances.filter((i) => i.state !== "terminated").map((i) => i.id));
  const owners = await db
    .select({ volumeId: brokers.volumeId, state: brokers.state, instanceId: brokers.instanceId })
    .from(brokers)
    .where(and(eq(brokers.clusterId, clusterId), inArray(brokers.volumeId, ids)));
  const failovers = await db
    .select({ volumeId: sql<string | null>`${operations.input}->>'volumeId'` })
    .from(operations)
    .where(
      and(
        eq(operations.clusterId, clusterId),
        eq(operations.type, FAILOVER_OPERATION),
        inArray(operations.status, [OperationStatus.PENDING, OperationStatus.RUNNING]),
      ),
    );
  const recovering = new Set(failovers.map((f) => f.volumeId));
  const released: string[] = [];
  for (const id of ids) {
    if (recovering.has(id)) continue;
    const named = owners.filter((o) => o.volumeId === id);
    if (named.some((o) => o.state !== "STOPPED" || live.has(o.instanceId))) continue;
    const volume = await provider.describeVolume(id);
    if (volume?.attachedTo.some((instanceId) => live.has(instanceId))) continue;
    for (const instanceId of volume?.attachedTo ?? []) {
      await provider.detachVolume(id, instanceId, { force: true }); // its instance is gone
    }
    if (volume && !(await settled(provider.deleteVolume(id)))) continue; // still detaching: next pass
    await db.delete(volumes).where(eq(volumes.id, id));
    released.push(id);
  }
  return released;
}
