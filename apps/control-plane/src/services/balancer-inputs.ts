// What the planner plans from, read from the control plane's own records (DESIGN.md invariant 4): brokers and
// their health and capacity (their instance type's baseline, else the cluster's) from the brokers table, partitions and their leaders, each partition's traffic over the load
// window (services/partition-load.ts), and when each partition last moved within the cooldown, whatever moved
// it (partition_moves: rebalances, named moves, reassignments, drains, scale-in, replacements), so the
// balancer neither moves it straight back nor on again. Internal topics' partitions (the coordinators) are pinned.
import { isInternalTopic } from "@cirrus/broker-api";
import { and, eq, inArray } from "drizzle-orm";
import type { BalancerBroker, BalancerPartition, BrokerHealth } from "../balancer/plan-types.ts";
import type { DbOrTx } from "../db/database.ts";
import { brokers, partitions, topics } from "../db/schema.ts";
import type { BalancerSettings } from "./balancer-settings.ts";
import { partitionTrafficWindow } from "./partition-load.ts";
import { lastMovesSince } from "./partition-move-history.ts";

export const REBALANCE_OPERATION_TYPE = "cluster.rebalance";

export interface BalancerInputs {
  brokers: BalancerBroker[];
  partitions: BalancerPartition[];
}

/**
 * ACTIVE brokers are healthy, or slow once they missed heartbeats (less than half a lease left: brokers
 * heartbeat every third of it); DRAINING brokers are draining. Other brokers (FENCED, gone) are not in the
 * plan, and neither are partitions without a leader or still closing on their previous one.
 */
export async function loadBalancerInputs(
  db: DbOrTx,
  clusterId: string,
  now: number,
  settings: BalancerSettings,
  leaseMs: number,
  /** A broker's own capacity by its instance type (brokerCapacityByType); else the settings' for all. */
  capacityOfType?: (instanceType: string | null) => number | undefined,
): Promise<BalancerInputs> {
  const brokerRows = await db
    .select({
      id: brokers.brokerId,
      zone: brokers.zone,
      state: brokers.state,
      leaseUntil: brokers.leaseUntil,
      instanceType: brokers.instanceType,
    })
    .from(brokers)
    .where(and(eq(brokers.clusterId, clusterId), inArray(brokers.state, ["ACTIVE", "DRAINING"])))
    .orderBy(brokers.brokerId);
  const healthOf = (row: (typeof brokerRows)[number]): BrokerHealth =>
    row.state === "DRAINING" ? "draining" : row.leaseUntil - now < leaseMs / 2 ? "slow" : "healthy";
  const capacityOf = (row: (typeof brokerRows)[number]) =>
    capacityOfType?.(row.instanceType) ?? settings.brokerNetworkBytesPerSec;
  const partitionRows = await db
    .select({
      topicId: partitions.topicId,
      topic: topics.name,
      partition: partitions.partition,
      leader: partitions.leaderBrokerId,
      closing: partitions.closingBrokerId,
    })
    .from(partitions)
    .innerJoin(topics, eq(topics.id, partitions.topicId))
    .where(eq(partitions.clusterId, clusterId))
    .orderBy(topics.name, partitions.partition);
  const traffic = await partitionTrafficWindow(db, clusterId, now);
  const movedAt = await lastMovesSince(db, clusterId, now - settings.cooldownMs);
  return {
    brokers: brokerRows.map((row) => ({
      id: row.id,
      zone: row.zone,
      health: healthOf(row),
      capacityInBytesPerSec: capacityOf(row),
      capacityOutBytesPerSec: capacityOf(row),
    })),
    partitions: partitionRows.map((row) => {
      const key = `${row.topicId}/${row.partition}`;
      const load = traffic.get(key);
      return {
        topicId: row.topicId,
        topic: row.topic,
        partition: row.partition,
        leader: row.closing === -1 ? row.leader : -1,
        bytesInPerSec: load?.bytesInPerSec ?? 0,
        bytesOutPerSec: load?.bytesOutPerSec ?? 0,
        lastMovedAt: movedAt.get(key),
        pinned: isInternalTopic(row.topic),
      };
    }),
  };
}
