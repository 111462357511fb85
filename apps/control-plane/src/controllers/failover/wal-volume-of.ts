import { and, eq } from "drizzle-orm";
import type { Tx } from "../../db/database.ts";
import { volumes } from "../../db/schema.ts";

/**
 * The WAL volume to recover for a fenced broker, decided from the control plane's own volumes table:
 * the volume the provisioner created and attached for the broker's instance (invariant 1: a broker that
 * reports no volume, or another one, cannot make its acknowledged records skip the replay). The
 * broker's report counts only where the table has no record of that instance (rows from before the
 * instance was recorded).
 */
export async function walVolumeOf(
  tx: Tx,
  clusterId: string,
  broker: { instanceId: string; volumeId: string | null },
): Promise<string | null> {
  const [own] = await tx
    .select({ id: volumes.id })
    .from(volumes)
    .where(and(eq(volumes.clusterId, clusterId), eq(volumes.instanceId, broker.instanceId)))
    .limit(1);
  return own?.id ?? broker.volumeId;
}
