// The partition_moves rows as history: when each partition last moved, whatever moved it (rebalance, named
// move, Kafka reassignment, drain, scale-in, replacement), for the balancer's cooldown; and pruning the rows
// of operations finished longer ago than the retention, so the table stays bounded.
import { sql } from "drizzle-orm";
import { type DbOrTx, rowsOf } from "../db/database.ts";

/**
 * When each of the cluster's partitions last moved, keyed `topicId/partition`, for the moves that opened
 * (else, still under way, were requested) at or after `since`. One query on the (cluster_id, opened_at) index.
 */
export async function lastMovesSince(
  db: DbOrTx,
  clusterId: string,
  since: number,
): Promise<Map<string, number>> {
  const rows = rowsOf<{ topic_id: string; partition: number; at: number | string }>(
    await db.execute(sql`select topic_id, partition, max(coalesce(opened_at, requested_at)) as at
      from partition_moves
      where cluster_id = ${clusterId}
        and (opened_at >= ${since} or (opened_at is null and requested_at >= ${since}))
      group by topic_id, partition`),
  );
  return new Map(rows.map((r) => [`${r.topic_id}/${r.partition}`, Number(r.at)]));
}

/**
 * Deletes at most `limit` moves of operations that finished before `before` (a running operation's moves,
 * and those of operations finished since, stay for `GET /v1/operations/{id}`). Returns how many went.
 */
export async function dropFinishedMoves(db: DbOrTx, before: number, limit: number): Promise<number> {
  const rows = rowsOf<{ operation_id: string }>(
    await db.execute(sql`delete from partition_moves m
      where (m.operation_id, m.topic_id, m.partition) in (
        select pm.operation_id, pm.topic_id, pm.partition
        from partition_moves pm join operations o on o.id = pm.operation_id
        where o.finished_at is not null and o.finished_at < ${before}
        limit ${limit})
      returning m.operation_id`),
  );
  return rows.length;
}
