// Metadata: every live broker, the controller (a real live broker), and the requested topics (null: all)
// with their ids, partitions and leaders, from the control plane's cluster metadata. Unknown topics are
// created on the spot when both the broker setting and the request allow it (the new partitions show
// LEADER_NOT_AVAILABLE until the control plane assigns them, so clients retry).
import { type ClusterMetadata, isInternalTopic, type TopicMetadata } from "@cirrus/broker-api";
import { type ApiKey, ErrorCode, type MetadataRequest } from "@cirrus/kafka-protocol";
import { OPERATIONS_NOT_REQUESTED } from "../security/authorized-operations.ts";
import { authorizedOperationsOf, clusterAuthorizedOperationsOf } from "../security/request-authorization.ts";
import type { RequestContext, ResponseOf } from "./handler.ts";
import { liveBrokersOf, nodeEndpointOf } from "./live-brokers.ts";
import { metadataAgreeingWithServed } from "./metadata-staleness.ts";
import { partitionReplicas } from "./partition-replicas.ts";
import { fromWireTopicId, toWireTopicId, ZERO_WIRE_TOPIC_ID } from "./topic-ids.ts";

const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;

/** A topic's KIP-430 bit field, or the not-requested sentinel. */
type TopicOperations = (name: string) => number;

/**
 * A known topic as Kafka's KRaftMetadataCache answers it: isInternal by Kafka's Topic.isInternal (admin
 * clients' listTopics and `kafka-topics --exclude-internal` hide topics by it), and a partition without a live
 * leader LEADER_NOT_AVAILABLE with its assigned broker still listed as replica and offline (v0 lists only live
 * replicas: Kafka's errorUnavailableEndpoints).
 */
function topicAnswer(
  topic: TopicMetadata,
  live: ReadonlySet<number>,
  operations: TopicOperations,
  liveReplicasOnly: boolean,
) {
  return {
    errorCode: ErrorCode.NONE,
    name: topic.name,
    topicId: toWireTopicId(topic.topicId),
    isInternal: isInternalTopic(topic.name),
    partitions: topic.partitions
      .slice()
      .sort((a, b) => a.partition - b.partition)
      .map((p) => {
        const replicas = partitionReplicas(p, live, liveReplicasOnly);
        return {
          errorCode: replicas.leaderId >= 0 ? ErrorCode.NONE : ErrorCode.LEADER_NOT_AVAILABLE,
          partitionIndex: p.partition,
          leaderEpoch: p.leaderEpoch,
          ...replicas,
        };
      }),
    topicAuthorizedOperations: operations(topic.name),
  };
}

/**
 * A topic not answered; one asked for by an unknown id has no name, and no bit field (as in Kafka). A named one
 * is flagged internal by its name, as Kafka flags an unknown or just auto-created topic.
 */
function missing(
  errorCode: number,
  name: string | null,
  operations: TopicOperations,
  topicId = ZERO_WIRE_TOPIC_ID,
) {
  return {
    errorCode,
    name,
    topicId,
    isInternal: name !== null && isInternalTopic(name),
    partitions: [],
    topicAuthorizedOperations: name === null ? OPERATIONS_NOT_REQUESTED : operations(name),
  };
}

async function autoCreate(name: string, context: RequestContext): Promise<number> {
  const { services } = context;
  try {
    await services.controlPlane.createTopic({ name, partitions: services.config.defaultPartitions });
    return ErrorCode.LEADER_NOT_AVAILABLE;
  } catch (error) {
    const code = (error as { code?: string }).code;
    // Another broker (or client) created it first: it exists, answer from fresh metadata.
    if (code === "TOPIC_ALREADY_EXISTS") return ErrorCode.NONE;
    if (code === "INVALID_REQUEST") return ErrorCode.INVALID_TOPIC_EXCEPTION;
    return ErrorCode.LEADER_NOT_AVAILABLE;
  }
}

export async function handleMetadata(
  request: MetadataRequest,
  context: RequestContext,
): Promise<ResponseOf<typeof ApiKey.Metadata>> {
  const { services } = context;
  const asked =
    request.topics === null ? null : request.topics.map((t) => t.name ?? fromWireTopicId(t.topicId));
  let metadata: ClusterMetadata = await metadataAgreeingWithServed(services, asked);
  const created: string[] = [];
  const wanted = request.topics ?? [];
  // v0–3 have no allowAutoTopicCreation field: Kafka creates their unknown topics implicitly (the codec decodes
  // the field's default, true, for them).
  const allowCreate = services.config.autoCreateTopics && request.allowAutoTopicCreation;
  for (const want of wanted) {
    const known = want.name !== null ? metadata.topics.some((t) => t.name === want.name) : true;
    // Internal topics are made by their owner (FindCoordinator creates __consumer_offsets with the offsets
    // topic's own partition count), never by a client's Metadata request with the default count.
    if (
      !known &&
      want.name !== null &&
      allowCreate &&
      TOPIC_NAME.test(want.name) &&
      !isInternalTopic(want.name)
    )
      created.push(want.name);
  }
  const createdCodes = new Map<string, number>();
  if (created.length > 0) {
    for (const name of created) createdCodes.set(name, await autoCreate(name, context));
    metadata = await services.metadata(true).catch(() => metadata);
  }
  const cluster = liveBrokersOf(metadata, services.brokerId());
  const live = cluster.ids;
  // KIP-430 (v8+): computed only when asked for, an authorizer call per supported operation and topic.
  const operations: TopicOperations = request.includeTopicAuthorizedOperations
    ? (name) => authorizedOperationsOf(context, "TOPIC", name)
    : () => OPERATIONS_NOT_REQUESTED;
  const liveReplicasOnly = context.apiVersion === 0;
  const answer = (topic: TopicMetadata) => topicAnswer(topic, live, operations, liveReplicasOnly);
  const answers: ResponseOf<typeof ApiKey.Metadata>["topics"] =
    request.topics === null ? metadata.topics.map(answer) : [];
  for (const want of wanted) {
    const topic =
      want.name !== null
        ? metadata.topics.find((t) => t.name === want.name)
        : metadata.topics.find((t) => t.topicId === fromWireTopicId(want.topicId));
    if (topic) {
      answers.push(answer(topic));
    } else if (want.name === null) {
      answers.push(missing(ErrorCode.UNKNOWN_TOPIC_ID, null, operations, want.topicId));
    } else if (!TOPIC_NAME.test(want.name)) {
      answers.push(missing(ErrorCode.INVALID_TOPIC_EXCEPTION, want.name, operations));
    } else {
      const code = createdCodes.get(want.name);
      answers.push(
        missing(
          code === undefined || code === ErrorCode.NONE ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : code,
          want.name,
          operations,
        ),
      );
    }
  }
  return {
    throttleTimeMs: 0,
    brokers: cluster.brokers.map(nodeEndpointOf),
    clusterId: metadata.clusterId,
    controllerId: cluster.controllerId,
    topics: answers,
    // Only v8–10 carry the request's flag (v11+ decode it false): KIP-700 moved it to DescribeCluster.
    clusterAuthorizedOperations: request.includeClusterAuthorizedOperations
      ? clusterAuthorizedOperationsOf(context)
      : OPERATIONS_NOT_REQUESTED,
  };
}
