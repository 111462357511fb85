import { and, eq } from "drizzle-orm";
import type { Db } from "../db/database.ts";
import { brokers, partitions, topics } from "../db/schema.ts";
import { inTransaction } from "../db/transaction.ts";
import { ApiError } from "../errors.ts";
import { createOperation, type Operation } from "./operations.ts";
import { lockCluster } from "./partition-assigner.ts";
import { type PartitionMove, REBALANCE_OPERATION } from "./rebalance.ts";

/** A move asked for by name: this partition of this topic, to this broker. */
export interface RequestedMove {
  topic: string;
  partition: number;
  to: number;
}

/**
 * Starts moves that name their target as one `cluster.rebalance` operation (the executor shared with
 * rebalance, drain and the balancer). Each partition must exist, be led by a broker now (its source) and
 * not be moving already; each target must be an ACTIVE broker other than the source. Refused as a whole
 * (nothing written) if any move is not possible.
 */
export async function startPartitionMoves(
  db: Db,
  clusterId: string,
  requested: readonly RequestedMove[],
  createdBy: string,
): Promise<Operation> {
  if (requested.length === 0) throw new ApiError("INVALID_REQUEST", "no moves given");
  const seen = new Set<string>();
  for (const m of requested) {
    const key = `${m.topic}\u0000${m.partition}`;
    if (seen.has(key)) throw new ApiError("INVALID_REQUEST", `${m.topic}-${m.partition} is moved twice`);
    seen.add(key);
  }
  return inTransaction(db, async (tx) => {
    if (!(await lockCluster(tx, clusterId)))
      throw new ApiError("NOT_FOUND", `cluster ${clusterId} not found`);
    const active = new Set(
      (
        await tx
          .select({ brokerId: brokers.brokerId })
          .from(brokers)
          .where(and(eq(brokers.clusterId, clusterId), eq(brokers.state, "ACTIVE")))
      ).map((b) => b.brokerId),
    );
    const moves: PartitionMove[] = [];
    for (const m of requested) {
      const [row] = await tx
        .select({
          topicId: partitions.topicId,
          leader: partitions.leaderBrokerId,
          closing: partitions.closingBrokerId,
        })
        .from(partitions)
        .innerJoin(topics, eq(topics.id, partitions.topicId))
        .where(
          and(
            eq(partitions.clusterId, clusterId),
            eq(topics.name, m.topic),
            eq(partitions.partition, m.partition),
          ),
        );
      const name = `${m.topic}-${m.partition}`;
      if (!row) throw new ApiError("NOT_FOUND", `partition ${name} not found`);
      if (row.leader === -1 || row.closing !== -1)
        throw new ApiError("INVALID_STATE", `partition ${name} is moving already (no leader now)`);
      if (!active.has(m.to)) throw new ApiError("INVALID_STATE", `broker ${m.to} is not an ACTIVE broker`);
      if (row.leader === m.to) throw new ApiError("INVALID_STATE", `broker ${m.to} leads ${name} already`);
      moves.push({
        topicId: row.topicId,
        topic: m.topic,
        partition: m.partition,
        from: row.leader,
        to: m.to,
      });
    }
    return createOperation(tx, { type: REBALANCE_OPERATION, clusterId, input: { moves }, createdBy });
  });
}
