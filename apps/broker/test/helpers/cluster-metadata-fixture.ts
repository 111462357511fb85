// In-memory cluster metadata for handler tests that answer from it (Metadata, DescribeTopicPartitions).
import type { ClusterMetadata, PartitionMetadata } from "@cirrus/broker-api";

/** The topic id numbered n (0–9), a valid UUID whose wire form ends in n. */
export const topicUuid = (n: number) => `00000000-0000-4000-8000-00000000000${n}`;

/** Partitions 0, 1, … led by the given brokers (-1: not assigned yet), each at leader epoch 4. */
const partitionsLedBy = (...leaders: number[]): PartitionMetadata[] =>
  leaders.map((leader, partition) => ({ partition, leaderBrokerId: leader, leaderEpoch: 4, streamId: 1 }));

/** Brokers 1 and 2 live, 3 fenced; beta's partition 3 is on broker 3, its partition 4 not assigned yet. */
export const metadata: ClusterMetadata = {
  clusterId: "c",
  version: 1,
  controllerBrokerId: 1,
  brokers: [
    { brokerId: 1, host: "h1", port: 9092, zone: "eu-1a", state: "ACTIVE" },
    { brokerId: 2, host: "h2", port: 9092, zone: "eu-1b", state: "DRAINING" },
    { brokerId: 3, host: "h3", port: 9092, zone: "eu-1c", state: "FENCED" },
  ],
  topics: [
    { topicId: topicUuid(2), name: "beta", configs: {}, partitions: partitionsLedBy(1, 2, 1, 3, -1) },
    { topicId: topicUuid(1), name: "alpha", configs: {}, partitions: partitionsLedBy(2, 1, 2).reverse() },
    { topicId: topicUuid(3), name: "gamma", configs: {}, partitions: partitionsLedBy(1) },
    { topicId: topicUuid(4), name: "__consumer_offsets", configs: {}, partitions: partitionsLedBy(1, 2) },
  ],
};
