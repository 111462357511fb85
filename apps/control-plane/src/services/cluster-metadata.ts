import type { BrokerState, ClusterMetadata } from "@cirrus/broker-api";
import { eq } from "drizzle-orm";
import type { DbOrTx } from "../db/database.ts";
import { brokers, clusters } from "../db/schema.ts";
import { ApiError } from "../errors.ts";
import { readTopics } from "./topics.ts";

/** Everything a broker needs to answer Kafka Metadata, as one consistent-enough snapshot. */
export async function readClusterMetadata(db: DbOrTx, clusterId: string): Promise<ClusterMetadata> {
  const [cluster] = await db
    .select({ version: clusters.metadataVersion })
    .from(clusters)
    .where(eq(clusters.id, clusterId));
  if (!cluster) throw new ApiError("NOT_FOUND", `cluster ${clusterId} not found`);
  const brokerRows = await db
    .select({
      brokerId: brokers.brokerId,
      host: brokers.host,
      port: brokers.port,
      zone: brokers.zone,
      state: brokers.state,
    })
    .from(brokers)
    .where(eq(brokers.clusterId, clusterId))
    .orderBy(brokers.brokerId);
  const active = brokerRows.filter((b) => b.state === "ACTIVE");
  return {
    clusterId,
    version: cluster.version,
    // Any live broker can play Kafka's controller: admin requests are forwarded to us anyway.
    controllerBrokerId: active[0]?.brokerId ?? -1,
    brokers: brokerRows.map((b) => ({ ...b, state: b.state as BrokerState })),
    topics: await readTopics(db, clusterId),
  };
}

/** Whether the metadata still announces `brokerId` as the leader of a partition of one of these streams. */
export function announcesLeaderOf(
  metadata: ClusterMetadata,
  brokerId: number,
  streamIds: ReadonlySet<number>,
): boolean {
  return metadata.topics.some((t) =>
    t.partitions.some((p) => streamIds.has(p.streamId) && p.leaderBrokerId === brokerId),
  );
}
