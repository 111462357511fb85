// Whether a cached metadata view contradicts what this broker itself serves, for the topics a Metadata
// request asks about. After a move the broker that closed a partition (or the one that just opened it) knows
// before its cached view does; answering from that view would send clients back to the wrong broker for up
// to the cache's max age. Such a request reads fresh metadata instead (one read in flight per broker).
import type { ClusterMetadata } from "@cirrus/broker-api";
import type { BrokerServices } from "./handler.ts";

export interface ServedPartitions {
  byId(topicId: string, partition: number): unknown;
}

/** True if a partition of these topics is announced as led here but not open here, or open here but led elsewhere. */
export function contradictsServedPartitions(
  metadata: ClusterMetadata,
  names: readonly (string | null)[] | null,
  self: number,
  served: ServedPartitions,
): boolean {
  const asked = names === null ? null : new Set(names);
  for (const topic of metadata.topics) {
    if (asked !== null && !asked.has(topic.name) && !asked.has(topic.topicId)) continue;
    for (const p of topic.partitions) {
      const open = served.byId(topic.topicId, p.partition) !== undefined;
      if (open !== (p.leaderBrokerId === self)) return true;
    }
  }
  return false;
}

/**
 * The cached metadata, or a fresh read when the cached view contradicts what this broker serves for these
 * topics (null: all); the cached view when the fresh read fails.
 */
export async function metadataAgreeingWithServed(
  services: BrokerServices,
  names: readonly (string | null)[] | null,
): Promise<ClusterMetadata> {
  const metadata = await services.metadata();
  if (!contradictsServedPartitions(metadata, names, services.brokerId(), services.partitions))
    return metadata;
  return services.metadata(true, { waitAtMostStaleWait: true }).catch(() => metadata);
}
