// Tells "this broker does not own the partition" (NOT_LEADER_OR_FOLLOWER: the client refreshes metadata and
// retries elsewhere) from "no such partition" (UNKNOWN_TOPIC_OR_PARTITION), using the cached cluster metadata.
import { ErrorCode } from "@cirrus/kafka-protocol";
import type { Partition } from "../partitions/partition.ts";
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

/** How long a request waits for a partition this broker was just given to open (Kafka: a new topic's leader). */
export const OPENING_WAIT_MS = 3_000;
const POLL_MS = 20;

/**
 * The partition when this broker serves it, waiting up to `waitMs` while the control plane names this broker
 * its leader but it is still opening (right after CreateTopics or a move): a client's first ListOffsets on a
 * new topic gets its answer, not NOT_LEADER_OR_FOLLOWER. Otherwise the Kafka error to answer: the partition
 * is unknown (a stale view is read again first), has no leader yet (LEADER_NOT_AVAILABLE), or another
 * broker leads it (NOT_LEADER_OR_FOLLOWER).
 */
export async function servedPartition(
  services: BrokerServices,
  topic: string,
  partition: number,
  waitMs = OPENING_WAIT_MS,
): Promise<Partition | { errorCode: number }> {
  const open = services.partitions.byName(topic, partition);
  if (open) return open;
  let leader: number | undefined;
  try {
    let metadata = await services.metadata();
    if (!metadata.topics.some((t) => t.name === topic)) metadata = await services.metadata(true);
    leader = metadata.topics
      .find((t) => t.name === topic)
      ?.partitions.find((p) => p.partition === partition)?.leaderBrokerId;
  } catch {
    // Control plane unreachable: retriable, so clients try again rather than give up.
    return { errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER };
  }
  if (leader === undefined) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
  if (leader === -1) return { errorCode: ErrorCode.LEADER_NOT_AVAILABLE };
  if (leader !== services.brokerId()) return { errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER };
  const deadline = performance.now() + waitMs;
  while (performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    const opened = services.partitions.byName(topic, partition);
    if (opened) return opened;
  }
  return { errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER };
}
