// The set-up every partition-move test shares: a RUNNING local cluster with three ACTIVE brokers registered
// as the real broker would, and the topics a test asks for, on a fresh PGlite database.
import { and, eq } from "drizzle-orm";
import type { Db } from "../../src/db/database.ts";
import { clusters, partitions, topics } from "../../src/db/schema.ts";
import { registerBroker } from "../../src/services/brokers.ts";
import { createCluster } from "../../src/services/clusters.ts";
import { createTopic } from "../../src/services/topics.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/test-database.ts";
import { localSpec } from "./provisioner/provisioner-kit.ts";

export interface MoveCluster {
  testDb: TestDatabase;
  clusterId: string;
  /** The three brokers' ids, in registration order (i-a, i-b, i-c). */
  brokerIds: number[];
}

/** Opens the database and creates cluster `name` with three brokers and `topicPartitions` (name → count). */
export async function openMoveCluster(
  name: string,
  topicPartitions: Record<string, number>,
): Promise<MoveCluster> {
  const testDb = await createTestDatabase("pglite");
  const db = testDb.database.db;
  const { cluster } = await createCluster(db, { name, spec: localSpec(), deletionProtection: false }, null);
  await db.update(clusters).set({ state: "RUNNING" }).where(eq(clusters.id, cluster.id));
  const brokerIds: number[] = [];
  for (const instanceId of ["i-a", "i-b", "i-c"]) {
    const { response } = await registerBroker(
      db,
      cluster.id,
      { instanceId, zone: "local-a", host: "127.0.0.1", port: 9092 },
      60_000,
    );
    brokerIds.push(response.brokerId);
  }
  for (const [topic, count] of Object.entries(topicPartitions)) {
    await createTopic(db, cluster.id, { name: topic, partitions: count });
  }
  return { testDb, clusterId: cluster.id, brokerIds };
}

/** Partition `partition` of topic `topic` in cluster `clusterId`: its ids, leader, epoch and closing broker. */
export async function partitionRow(db: Db, clusterId: string, topic: string, partition: number) {
  const [row] = await db
    .select({
      topicId: partitions.topicId,
      leader: partitions.leaderBrokerId,
      epoch: partitions.leaderEpoch,
      streamId: partitions.streamId,
      closing: partitions.closingBrokerId,
    })
    .from(partitions)
    .innerJoin(topics, eq(topics.id, partitions.topicId))
    .where(and(eq(topics.clusterId, clusterId), eq(topics.name, topic), eq(partitions.partition, partition)));
  if (!row) throw new Error(`no partition ${topic}-${partition} in cluster ${clusterId}`);
  return row;
}
