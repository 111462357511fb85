// Tells "this broker does not own the partition" (NOT_LEADER_OR_FOLLOWER: the client refreshes metadata and
// retries elsewhere) from "no such partition" (UNKNOWN_TOPIC_OR_PARTITION), using the cached cluster metadata.
import type { BrokerServices } from "./handler.ts";

async function partitionExists(
  services: BrokerServices,
  matches: (topic: { name: string; topicId: string }) => boolean,
  partition: number,
): Promise<boolean> {
  try {
    const metadata = await services.metadata();
    return metadata.topics.find(matches)?.partitions.some((p) => p.partition === partition) ?? false;
  } catch {
    // Control plane unreachable: claim the partition exists, so clients retry rather than give up.
    return true;
  }
}

export function topicExists(services: BrokerServices, topic: string, partition: number): Promise<boolean> {
  return partitionExists(services, (t) => t.name === topic, partition);
}

export function topicIdExists(
  services: BrokerServices,
  topicId: string,
  partition: number,
): Promise<boolean> {
  return partitionExists(services, (t) => t.topicId === topicId, partition);
}
