import type { Instance } from "@cirrus/cloud";
import { and, eq, inArray, isNull, ne, or } from "drizzle-orm";
import type { Db } from "../../db/database.ts";
import { brokers } from "../../db/schema.ts";

/**
 * Records on each broker row the instance type its instance runs on, as the provider lists the fleet's
 * instances (aws DescribeInstances, aliyun DescribeInstances, the local provider's own records): the balancer
 * gives each broker its type's baseline bandwidth as its capacity, so a fleet of several types is weighed right.
 * Like the spot flag, it comes from the provider, never from the broker. An instance the provider lists
 * without a type leaves the row as it is. Only rows that differ are written; returns how many changed.
 */
export async function recordBrokerInstanceTypes(
  db: Db,
  clusterId: string,
  instances: readonly Pick<Instance, "id" | "instanceType">[],
): Promise<number> {
  const byType = new Map<string, string[]>();
  for (const i of instances) {
    if (!i.instanceType) continue;
    byType.set(i.instanceType, [...(byType.get(i.instanceType) ?? []), i.id]);
  }
  let changed = 0;
  for (const [instanceType, ids] of byType) {
    const rows = await db
      .update(brokers)
      .set({ instanceType })
      .where(
        and(
          eq(brokers.clusterId, clusterId),
          inArray(brokers.instanceId, ids),
          or(isNull(brokers.instanceType), ne(brokers.instanceType, instanceType)),
        ),
      )
      .returning({ brokerId: brokers.brokerId });
    changed += rows.length;
  }
  return changed;
}
