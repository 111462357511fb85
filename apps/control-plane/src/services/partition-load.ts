// Per-partition traffic from the leaders' heartbeats: the latest rate and a moving average (time constant
// LOAD_AVERAGE_TAU_MS), one row per partition. A broker's report counts only for partitions it leads now
// (DESIGN.md invariant 4: the control plane's own records decide, not what a broker says of itself).
import { eq, lt, sql } from "drizzle-orm";
import type { DbOrTx } from "../db/database.ts";
import { partitionLoad, topics } from "../db/schema.ts";

/** The moving average's time constant: a step change is 63% through after this long. */
export const LOAD_AVERAGE_TAU_MS = 60_000;
/** Rows are written in statements of at most this many partitions (7 parameters each). */
const CHUNK = 1_000;

/** One partition's rates in a heartbeat (broker-api's PartitionLoad). */
export interface PartitionRate {
  topicId: string;
  partition: number;
  bytesInPerSec: number;
  bytesOutPerSec: number;
}

/** Records one heartbeat's per-partition load of `brokerId`, taken at `at` (ms). */
export async function recordPartitionLoad(
  db: DbOrTx,
  clusterId: string,
  brokerId: number,
  at: number,
  load: readonly PartitionRate[],
): Promise<void> {
  for (let i = 0; i < load.length; i += CHUNK) {
    const values = load
      .slice(i, i + CHUNK)
      .map(
        (p) =>
          sql`(${p.topicId}, ${p.partition}::int, ${p.bytesInPerSec}::float8, ${p.bytesOutPerSec}::float8)`,
      );
    // The moving average weighs the new rate by 1 - e^(-dt/tau): right whatever the heartbeat period.
    const weight = sql`(1 - exp(-greatest(excluded.at - partition_load.at, 0)::float8 / ${LOAD_AVERAGE_TAU_MS}::float8))`;
    await db.execute(sql`insert into partition_load (cluster_id, topic_id, partition, broker_id, at,
        bytes_in_per_sec, bytes_out_per_sec, avg_bytes_in_per_sec, avg_bytes_out_per_sec)
      select p.cluster_id, v.topic_id, v.partition, ${brokerId}::int, ${at}::bigint, v.bin, v.bout, v.bin, v.bout
      from (values ${sql.join(values, sql`, `)}) as v(topic_id, partition, bin, bout)
      join partitions p on p.topic_id = v.topic_id and p.partition = v.partition
      where p.cluster_id = ${clusterId} and p.leader_broker_id = ${brokerId}::int
      on conflict (topic_id, partition) do update set
        broker_id = excluded.broker_id, at = excluded.at,
        bytes_in_per_sec = excluded.bytes_in_per_sec, bytes_out_per_sec = excluded.bytes_out_per_sec,
        avg_bytes_in_per_sec = partition_load.avg_bytes_in_per_sec
          + ${weight} * (excluded.bytes_in_per_sec - partition_load.avg_bytes_in_per_sec),
        avg_bytes_out_per_sec = partition_load.avg_bytes_out_per_sec
          + ${weight} * (excluded.bytes_out_per_sec - partition_load.avg_bytes_out_per_sec)
      where excluded.at >= partition_load.at`);
  }
}

export interface PartitionLoadView {
  topic: string;
  topicId: string;
  partition: number;
  /** The leader that reported it. */
  brokerId: number;
  at: number;
  bytesInPerSec: number;
  bytesOutPerSec: number;
  avgBytesInPerSec: number;
  avgBytesOutPerSec: number;
}

/** The cluster's per-partition load, busiest (average bytes in + out) first. */
export async function listPartitionLoad(db: DbOrTx, clusterId: string): Promise<PartitionLoadView[]> {
  const rows = await db
    .select({
      topic: topics.name,
      topicId: partitionLoad.topicId,
      partition: partitionLoad.partition,
      brokerId: partitionLoad.brokerId,
      at: partitionLoad.at,
      bytesInPerSec: partitionLoad.bytesInPerSec,
      bytesOutPerSec: partitionLoad.bytesOutPerSec,
      avgBytesInPerSec: partitionLoad.avgBytesInPerSec,
      avgBytesOutPerSec: partitionLoad.avgBytesOutPerSec,
    })
    .from(partitionLoad)
    .innerJoin(topics, eq(topics.id, partitionLoad.topicId))
    .where(eq(partitionLoad.clusterId, clusterId));
  return rows.sort(
    (a, b) =>
      b.avgBytesInPerSec + b.avgBytesOutPerSec - (a.avgBytesInPerSec + a.avgBytesOutPerSec) ||
      a.topic.localeCompare(b.topic) ||
      a.partition - b.partition,
  );
}

/** Forgets partitions nobody reported for `maxAgeMs` (deleted topics, idle clusters). */
export async function dropStalePartitionLoad(db: DbOrTx, olderThan: number): Promise<void> {
  await db.delete(partitionLoad).where(lt(partitionLoad.at, olderThan));
}

/** One partition's traffic over the load window, bytes/s. */
export interface PartitionTraffic {
  bytesInPerSec: number;
  bytesOutPerSec: number;
}

/**
 * Each partition's traffic over the load window (the moving average, time constant LOAD_AVERAGE_TAU_MS), as
 * of `now`, keyed `topicId/partition`; partitions nobody reported have none. A broker reports only the
 * partitions that had traffic since its last heartbeat, so a partition that went quiet keeps its last row:
 * its average is carried on to `now` as if zeros had been reported since (× e^(-(now - at)/tau)), which is
 * what the average would hold had they been.
 */
export async function partitionTrafficWindow(
  db: DbOrTx,
  clusterId: string,
  now: number,
): Promise<Map<string, PartitionTraffic>> {
  const rows = await db
    .select({
      topicId: partitionLoad.topicId,
      partition: partitionLoad.partition,
      at: partitionLoad.at,
      avgBytesInPerSec: partitionLoad.avgBytesInPerSec,
      avgBytesOutPerSec: partitionLoad.avgBytesOutPerSec,
    })
    .from(partitionLoad)
    .where(eq(partitionLoad.clusterId, clusterId));
  const traffic = new Map<string, PartitionTraffic>();
  for (const row of rows) {
    const decay = Math.exp(-Math.max(0, now - row.at) / LOAD_AVERAGE_TAU_MS);
    traffic.set(`${row.topicId}/${row.partition}`, {
      bytesInPerSec: row.avgBytesInPerSec * decay,
      bytesOutPerSec: row.avgBytesOutPerSec * decay,
    });
  }
  return traffic;
}
