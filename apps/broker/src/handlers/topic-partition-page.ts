// One page of DescribeTopicPartitions (KIP-966), as Kafka's KRaftMetadataCache.getTopicMetadataForDescribeTopicResponse
// cuts it: topics in the order given, each from its start partition, until `limit` partitions are in the page.
// A topic cut short ends the page with a cursor at its first partition left out; a page that fills up exactly
// at a topic's end points the cursor at partition 0 of the next topic (known or not), so the client asks on.
//
// Leader, replicas, ISR and offline replicas are Metadata's (partition-replicas.ts).
// ELR and last known ELR (KIP-966's eligible leader replicas: replicas out of the ISR that still hold every
// committed record) are always empty, never null: with one replica nothing leaves the ISR to become eligible,
// and Kafka 3.7+ admin clients read both lists without a null check.
import {
  type ClusterMetadata,
  checkTopicName,
  isInternalTopic,
  type PartitionMetadata,
} from "@cirrus/broker-api";
import { type ApiKey, ErrorCode } from "@cirrus/kafka-protocol";
import type { ResponseOf } from "./handler.ts";
import { partitionReplicas } from "./partition-replicas.ts";
import { toWireTopicId, ZERO_WIRE_TOPIC_ID } from "./topic-ids.ts";

type Response = ResponseOf<typeof ApiKey.DescribeTopicPartitions>;
export type TopicAnswer = Response["topics"][number];
type PartitionAnswer = TopicAnswer["partitions"][number];
export type Cursor = { topicName: string; partitionIndex: number };

export interface PageRequest {
  /** The topics, in page order (sorted as Java's String.compareTo: UTF-16 code units), each once. */
  readonly names: readonly string[];
  /** The first partition of a topic in the page: the cursor's in its topic, else 0. */
  startOf(name: string): number;
  /** Most partitions in the page, at least 1. */
  readonly limit: number;
  /** Leave out topics the metadata does not know (a request for all topics) instead of answering an error. */
  readonly skipUnknown: boolean;
}

export interface Page {
  /** Without topicAuthorizedOperations (the handler's part). */
  readonly topics: TopicAnswer[];
  /** Where the next page starts; null: this page is the last. */
  readonly nextCursor: Cursor | null;
}

export function topicPartitionPage(
  metadata: ClusterMetadata,
  live: ReadonlySet<number>,
  request: PageRequest,
): Page {
  const byName = new Map(metadata.topics.map((t) => [t.name, t]));
  const topics: TopicAnswer[] = [];
  let remaining = request.limit;
  for (const name of request.names) {
    if (remaining <= 0) return { topics, nextCursor: { topicName: name, partitionIndex: 0 } };
    const topic = byName.get(name);
    if (topic === undefined) {
      if (!request.skipUnknown) topics.push(unknownTopic(name));
      continue;
    }
    const count = topic.partitions.length;
    const start = request.startOf(name);
    const end = Math.min(count, start + remaining);
    const byIndex = new Map(topic.partitions.map((p) => [p.partition, p]));
    const partitions: PartitionAnswer[] = [];
    for (let index = start; index < end; index++) {
      const partition = byIndex.get(index);
      if (partition !== undefined) partitions.push(partitionAnswer(partition, live));
    }
    topics.push({
      errorCode: ErrorCode.NONE,
      name,
      topicId: toWireTopicId(topic.topicId),
      isInternal: isInternalTopic(name),
      partitions,
    });
    if (end < count) return { topics, nextCursor: { topicName: name, partitionIndex: end } };
    remaining -= partitions.length;
  }
  return { topics, nextCursor: null };
}

function partitionAnswer(p: PartitionMetadata, live: ReadonlySet<number>): PartitionAnswer {
  return {
    errorCode: ErrorCode.NONE,
    partitionIndex: p.partition,
    leaderEpoch: p.leaderEpoch,
    ...partitionReplicas(p, live),
    eligibleLeaderReplicas: [],
    lastKnownElr: [],
  };
}

/** A named topic the metadata does not know: INVALID_TOPIC_EXCEPTION for a name Kafka could never hold. */
function unknownTopic(name: string): TopicAnswer {
  return {
    errorCode:
      checkTopicName(name) === null
        ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
        : ErrorCode.INVALID_TOPIC_EXCEPTION,
    name,
    topicId: ZERO_WIRE_TOPIC_ID,
    isInternal: isInternalTopic(name),
    partitions: [],
  };
}
