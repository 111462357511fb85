import { and, eq, ne, sql } from "drizzle-orm";
import type { Config } from "../config.ts";
import type { Tx } from "../db/database.ts";
import { partitionMoves, partitions } from "../db/schema.ts";
import type { PartitionMove } from "./rebalance.ts";

/** How many moves may be in flight (released, source not closed yet) at once. */
export interface MoveLimits {
  /** Per broker, counting the moves it is the source or the target of. */
  readonly perBroker: number;
  readonly perTopic: number;
  readonly perCluster: number;
}

/** The defaults of config.ts (moveLimitPerBroker, moveLimitPerTopic, moveLimitPerCluster). */
export const DEFAULT_MOVE_LIMITS: MoveLimits = Object.freeze({
  perBroker: 32,
  perTopic: 64,
  perCluster: 128,
});

/** The configured limits (moveLimitPerBroker, moveLimitPerTopic, moveLimitPerCluster). */
export function moveLimitsOf(
  config: Pick<Config, "moveLimitPerBroker" | "moveLimitPerTopic" | "moveLimitPerCluster">,
): MoveLimits {
  return Object.freeze({
    perBroker: config.moveLimitPerBroker,
    perTopic: config.moveLimitPerTopic,
    perCluster: config.moveLimitPerCluster,
  });
}

/**
 * Of the planned moves not released yet (their source still leads the partition), those that may be released
 * now without exceeding the limits, counting the moves already in flight in the cluster (any executor's:
 * rebalance, drain, balancer), in plan order. Call with the cluster locked.
 */
export async function movesWithinLimits(
  tx: Tx,
  clusterId: string,
  planned: readonly PartitionMove[],
  limits: MoveLimits,
): Promise<PartitionMove[]> {
  const inFlight = await tx
    .select({
      topicId: partitions.topicId,
      partition: partitions.partition,
      leader: partitions.leaderBrokerId,
      source: partitions.closingBrokerId,
      target: partitions.targetBrokerId,
    })
    .from(partitions)
    .where(and(eq(partitions.clusterId, clusterId), ne(partitions.closingBrokerId, -1)));
  const perBroker = new Map<number, number>();
  const perTopic = new Map<string, number>();
  const add = (broker: number, topicId: string | undefined) => {
    if (broker >= 0) perBroker.set(broker, (perBroker.get(broker) ?? 0) + 1);
    if (topicId !== undefined) perTopic.set(topicId, (perTopic.get(topicId) ?? 0) + 1);
  };
  for (const p of inFlight) {
    add(p.source, p.topicId);
    add(p.target, undefined);
  }
  let cluster = inFlight.length;
  const pending = await pendingMoves(tx, planned);
  const admitted: PartitionMove[] = [];
  for (const move of pending) {
    if (cluster >= limits.perCluster) break;
    if ((perTopic.get(move.topicId) ?? 0) >= limits.perTopic) continue;
    if ((perBroker.get(move.from) ?? 0) >= limits.perBroker) continue;
    if ((perBroker.get(move.to) ?? 0) >= limits.perBroker) continue;
    add(move.from, move.topicId);
    add(move.to, undefined);
    cluster++;
    admitted.push(move);
  }
  return admitted;
}

/**
 * The planned moves whose source still leads the partition (not released, not overtaken by another change),
 * in plan order: one read of those partitions' leaders.
 */
export async function pendingMoves(tx: Tx, planned: readonly PartitionMove[]): Promise<PartitionMove[]> {
  if (planned.length === 0) return [];
  const keys = planned.map((m) => sql`(${m.topicId}, ${m.partition}::int)`);
  const rows = await tx
    .select({
      topicId: partitions.topicId,
      partition: partitions.partition,
      leader: partitions.leaderBrokerId,
    })
    .from(partitions)
    .where(sql`(${partitions.topicId}, ${partitions.partition}) in (${sql.join(keys, sql`, `)})`);
  const leaderOf = new Map(rows.map((r) => [`${r.topicId}/${r.partition}`, r.leader]));
  return planned.filter((m) => leaderOf.get(`${m.topicId}/${m.partition}`) === m.from);
}

/**
 * The operation's planned moves still queued: never released by it (a move released once is done, rolled back or
 * under way, and is never released again: a rolled-back move's source leads again, which must not read as
 * "not released yet") and still possible (their source leads), in plan order.
 */
export async function queuedMoves(
  tx: Tx,
  operationId: string,
  planned: readonly PartitionMove[],
): Promise<PartitionMove[]> {
  if (planned.length === 0) return [];
  const rows = await tx
    .select({ topicId: partitionMoves.topicId, partition: partitionMoves.partition })
    .from(partitionMoves)
    .where(eq(partitionMoves.operationId, operationId));
  const released = new Set(rows.map((r) => `${r.topicId}/${r.partition}`));
  return pendingMoves(
    tx,
    planned.filter((m) => !released.has(`${m.topicId}/${m.partition}`)),
  );
}
