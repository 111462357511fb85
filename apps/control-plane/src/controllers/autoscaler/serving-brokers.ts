import type { Instance } from "@cirrus/cloud";
import { and, eq, gt } from "drizzle-orm";
import type { DbOrTx } from "../../db/database.ts";
import { brokers } from "../../db/schema.ts";

export interface ServingBroker {
  brokerId: number;
  instanceId: string;
}

/**
 * Brokers of the cluster that serve: ACTIVE, with a live lease, on a running instance of the fleet (the
 * control plane's own records and the provider's instance list, never what a broker says of itself).
 */
export async function servingBrokers(
  db: DbOrTx,
  clusterId: string,
  instances: readonly Instance[],
  now: number,
): Promise<ServingBroker[]> {
  const running = new Set(instances.filter((i) => i.state === "running").map((i) => i.id));
  const rows = await db
    .select({ brokerId: brokers.brokerId, instanceId: brokers.instanceId })
    .from(brokers)
    .where(and(eq(brokers.clusterId, clusterId), eq(brokers.state, "ACTIVE"), gt(brokers.leaseUntil, now)))
    .orderBy(brokers.brokerId);
  return rows.filter((b) => running.has(b.instanceId));
}
