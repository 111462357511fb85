// FindCoordinator v0–6 for group keys (0) and transaction keys (1): the coordinator of a group is the
// leader of its offsets-topic partition, that of a transactional id the leader of its partition of
// __transaction_state (Kafka's hash rule, groups/group-coordinator.ts). Each topic is created through the
// control plane on first use, as Kafka does; until its partitions have leaders the answer is
// COORDINATOR_NOT_AVAILABLE (retriable). Share-group keys are not supported.
import type { ClusterMetadata } from "@cirrus/broker-api";
import { type ApiKey, ErrorCode, type FindCoordinatorRequest } from "@cirrus/kafka-protocol";
import { OFFSETS_TOPIC, offsetsPartitionFor } from "../groups/group-coordinator.ts";
import { TRANSACTION_STATE_TOPIC } from "../transactions/txn-coordinator.ts";
import { groupServicesOf } from "./group-services.ts";
import type { RequestContext, ResponseOf } from "./handler.ts";

const GROUP_KEY = 0;
const TRANSACTION_KEY = 1;

interface Coordinator {
  key: string;
  nodeId: number;
  host: string;
  port: number;
  errorCode: number;
  errorMessage: string | null;
}

function failed(key: string, errorCode: number, errorMessage: string | null = null): Coordinator {
  return { key, nodeId: -1, host: "", port: -1, errorCode, errorMessage };
}

/** Creates __consumer_offsets or __transaction_state through the control plane; failures are left to retries. */
export async function createCoordinatorTopic(context: RequestContext, name: string): Promise<void> {
  const partitions =
    name === OFFSETS_TOPIC
      ? groupServicesOf(context.services).config.offsetsTopicPartitions
      : context.services.config.transactionStateTopicPartitions;
  try {
    await context.services.controlPlane.createTopic({ name, partitions });
  } catch {
    // Already created by another broker, or the control plane is away: either way the client retries.
  }
}

function locate(key: string, topicName: string, metadata: ClusterMetadata): Coordinator | null {
  const topic = metadata.topics.find((t) => t.name === topicName);
  if (!topic || topic.partitions.length === 0) return null;
  const index = offsetsPartitionFor(key, topic.partitions.length);
  const leaderId = topic.partitions.find((p) => p.partition === index)?.leaderBrokerId ?? -1;
  const leader = metadata.brokers.find(
    (b) => b.brokerId === leaderId && (b.state === "ACTIVE" || b.state === "DRAINING"),
  );
  if (!leader)
    return failed(key, ErrorCode.COORDINATOR_NOT_AVAILABLE, `no live leader for ${topicName}-${index}`);
  return {
    key,
    nodeId: leader.brokerId,
    host: leader.host,
    port: leader.port,
    errorCode: ErrorCode.NONE,
    errorMessage: null,
  };
}

async function findOne(key: string, keyType: number, context: RequestContext): Promise<Coordinator> {
  if (keyType !== GROUP_KEY && keyType !== TRANSACTION_KEY) {
    return failed(key, ErrorCode.INVALID_REQUEST, "only group and transaction coordinators are supported");
  }
  if (keyType === TRANSACTION_KEY && key === "") {
    return failed(key, ErrorCode.INVALID_REQUEST, "empty transactional id");
  }
  const topicName = keyType === GROUP_KEY ? OFFSETS_TOPIC : TRANSACTION_STATE_TOPIC;
  let metadata: ClusterMetadata;
  try {
    metadata = await context.services.metadata();
  } catch {
    return failed(key, ErrorCode.COORDINATOR_NOT_AVAILABLE, "cluster metadata unavailable");
  }
  const found = locate(key, topicName, metadata);
  if (found) return found;
  await createCoordinatorTopic(context, topicName);
  const fresh = await context.services.metadata(true).catch(() => metadata);
  return (
    locate(key, topicName, fresh) ??
    failed(key, ErrorCode.COORDINATOR_NOT_AVAILABLE, `${topicName} is being created`)
  );
}

export async function handleFindCoordinator(
  request: FindCoordinatorRequest,
  context: RequestContext,
): Promise<ResponseOf<typeof ApiKey.FindCoordinator>> {
  if (context.apiVersion >= 4) {
    const coordinators = await Promise.all(
      request.coordinatorKeys.map((k) => findOne(k, request.keyType, context)),
    );
    return { throttleTimeMs: 0, coordinators };
  }
  const one = await findOne(request.key, request.keyType ?? GROUP_KEY, context);
  return {
    throttleTimeMs: 0,
    errorCode: one.errorCode,
    errorMessage: one.errorMessage,
    nodeId: one.nodeId,
    host: one.host,
    port: one.port,
  };
}
