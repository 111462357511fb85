import { and, eq, inArray } from "drizzle-orm";
import type { Db } from "../../db/database.ts";
import { brokers } from "../../db/schema.ts";
import { inTransaction } from "../../db/transaction.ts";
import { bumpVersions, lockCluster } from "../../services/partition-assigner.ts";

/**
 * Of `chosen` brokers drained for a scale-in, how many may still be terminated with the desired capacity
 * decremented: not below the floor, the larger of the fleet's minimum and the spec's `brokers.min` (either may
 * have been raised while the scale-in ran). The rest go back to service.
 */
export function terminableCount(desiredCapacity: number, fleetMin: number, specMin: number, chosen: number) {
  return Math.max(0, Math.min(chosen, desiredCapacity - Math.max(fleetMin, specMin)));
}

/**
 * Puts drained brokers back into service: DRAINING → ACTIVE, so they take partitions again (the balancer
 * spreads load back onto them). Used when a scale-in can no longer terminate them because `brokers.min` was
 * raised meanwhile: a healthy, running broker is put to use rather than terminated and replaced by a new one.
 * Returns the brokers changed.
 */
export async function returnToService(db: Db, clusterId: string, brokerIds: number[]): Promise<number[]> {
  if (brokerIds.length === 0) return [];
  return inTransaction(db, async (tx) => {
    await lockCluster(tx, clusterId);
    const back = await tx
      .update(brokers)
      .set({ state: "ACTIVE" })
      .where(
        and(
          eq(brokers.clusterId, clusterId),
          inArray(brokers.brokerId, brokerIds),
          eq(brokers.state, "DRAINING"),
        ),
      )
      .returning({ brokerId: brokers.brokerId });
    const ids = back.map((b) => b.brokerId);
    if (ids.length > 0) await bumpVersions(tx, clusterId, ids);
    return ids;
  });
}
