// A partition's leader and replica lists, one function for Metadata and DescribeTopicPartitions so the two
// cannot disagree, as Kafka's KRaftMetadataCache fills them for one replica per partition (Cirrus keeps no
// follower copies: every record is in the WAL and object storage, and the one broker that leads a partition
// is its only replica):
// - led by a live broker: leader = replicas = ISR = [that broker], nothing offline;
// - assigned to a broker that is not live (fenced, stopped): no leader, replicas = ISR = offline = [it], as
//   KRaft keeps the last ISR member of a partition whose only replica's broker is fenced;
// - not assigned yet: no leader, no replicas.
import type { PartitionMetadata } from "@cirrus/broker-api";

export interface PartitionReplicas {
  /** -1 when the partition has no live leader. */
  readonly leaderId: number;
  readonly replicaNodes: number[];
  readonly isrNodes: number[];
  readonly offlineReplicas: number[];
}

/**
 * liveOnly: leave brokers that are not live out of the replica and ISR lists (never the offline list), as
 * Kafka answers Metadata v0 (its errorUnavailableEndpoints).
 */
export function partitionReplicas(
  p: PartitionMetadata,
  live: ReadonlySet<number>,
  liveOnly = false,
): PartitionReplicas {
  const assigned = p.leaderBrokerId;
  const led = assigned >= 0 && live.has(assigned);
  const replicas = assigned >= 0 && (led || !liveOnly) ? [assigned] : [];
  return {
    leaderId: led ? assigned : -1,
    replicaNodes: replicas,
    isrNodes: [...replicas],
    offlineReplicas: assigned >= 0 && !led ? [assigned] : [],
  };
}
