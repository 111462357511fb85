import { and, eq, sql } from "drizzle-orm";
import type { DbOrTx } from "../../db/database.ts";
import { partitionLoad, partitions } from "../../db/schema.ts";
import type { ServingBroker } from "./serving-brokers.ts";

export interface DrainCandidate extends ServingBroker {
  /** Average bytes in + out per second of the partitions it leads (what a drain has to move). */
  bytesLedPerSec: number;
  partitionsLed: number;
}

/**
 * The `count` brokers cheapest to drain, cheapest first: fewest bytes led (the 60 s averages of the
 * partitions each leads now), then fewest partitions led, then the newest broker (highest id). Pure.
 */
export function cheapestToDrain(candidates: readonly DrainCandidate[], count: number): DrainCandidate[] {
  return [...candidates]
    .sort(
      (a, b) =>
        a.bytesLedPerSec - b.bytesLedPerSec || a.partitionsLed - b.partitionsLed || b.brokerId - a.brokerId,
    )
    .slice(0, Math.max(0, count));
}

/** What each serving broker leads now: partition count and the load reported for those partitions. */
export async function drainCandidates(
  db: DbOrTx,
  clusterId: string,
  serving: readonly ServingBroker[],
): Promise<DrainCandidate[]> {
  const rows = await db
    .select({
      brokerId: partitions.leaderBrokerId,
      partitionsLed: sql<number>`count(*)::int`.mapWith(Number),
      bytesLedPerSec:
        sql<number>`coalesce(sum(${partitionLoad.avgBytesInPerSec} + ${partitionLoad.avgBytesOutPerSec}), 0)`.mapWith(
          Number,
        ),
    })
    .from(partitions)
    .leftJoin(
      partitionLoad,
      and(eq(partitionLoad.topicId, partitions.topicId), eq(partitionLoad.partition, partitions.partition)),
    )
    .where(eq(partitions.clusterId, clusterId))
    .groupBy(partitions.leaderBrokerId);
  const led = new Map(rows.map((r) => [r.brokerId, r]));
  return serving.map((b) => ({
    ...b,
    bytesLedPerSec: led.get(b.brokerId)?.bytesLedPerSec ?? 0,
    partitionsLed: led.get(b.brokerId)?.partitionsLed ?? 0,
  }));
}
