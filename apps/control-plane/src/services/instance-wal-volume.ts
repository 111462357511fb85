// The WAL volume of a cloud instance, from the control plane's own volumes table: the one the provisioner
// created and attached for it (volumes.instance_id, state IN_USE). A broker on a cloud asks for it after it
// obtained its credential, so no volume id has to travel in the fleet's user data (one launch template for
// every instance cannot name each one's volume).
import { and, eq } from "drizzle-orm";
import { VolumeState } from "../controllers/provisioner/wal-volumes.ts";
import type { Db } from "../db/database.ts";
import { volumes } from "../db/schema.ts";

/** The volume attached for `instanceId` in the cluster, or null while none is (the attach comes on a later pass). */
export async function walVolumeOfInstance(
  db: Db,
  clusterId: string,
  instanceId: string,
): Promise<string | null> {
  const rows = await db
    .select({ id: volumes.id })
    .from(volumes)
    .where(
      and(
        eq(volumes.clusterId, clusterId),
        eq(volumes.instanceId, instanceId),
        eq(volumes.state, VolumeState.IN_USE),
      ),
    );
  // One volume per (cluster, instance), ever (wal-volumes.ts derives its idempotency token from the pair).
  return rows[0]?.id ?? null;
}
