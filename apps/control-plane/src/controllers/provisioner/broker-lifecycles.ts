import type { Instance } from "@cirrus/cloud";
import { and, eq, inArray, ne } from "drizzle-orm";
import type { Db } from "../../db/database.ts";
import { brokers } from "../../db/schema.ts";

/**
 * Records on each broker row whether its instance is spot, as the provider lists the fleet's instances
 * (DESIGN invariant 4: the control plane goes by its own records and the provider's, never by what a broker
 * says about itself). Registration leaves the flag alone; this sets it on the provisioner's next look at
 * the cluster. Only rows that differ are written, so a steady cluster costs no write. Returns how many
 * broker rows changed.
 */
export async function recordBrokerLifecycles(
  db: Db,
  clusterId: string,
  instances: readonly Pick<Instance, "id" | "lifecycle">[],
): Promise<number> {
  let changed = 0;
  for (const spot of [true, false]) {
    const ids = instances.filter((i) => (i.lifecycle === "spot") === spot).map((i) => i.id);
    if (ids.length === 0) continue;
    const rows = await db
      .update(brokers)
      .set({ spot })
      .where(and(eq(brokers.clusterId, clusterId), inArray(brokers.instanceId, ids), ne(brokers.spot, spot)))
      .returning({ brokerId: brokers.brokerId });
    changed += rows.length;
  }
  return changed;
}
