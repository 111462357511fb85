// CreateTopics v0–7, DeleteTopics v0–6 and CreatePartitions v0–3, forwarded to the control plane (which
// owns metadata and assigns the new partitions to brokers) after Kafka's request validation. Names,
// partition counts, configs and internal topics are checked with @cirrus/broker-api's topic-rules, the
// same rules the control plane enforces on every topic change (REST API included); checking them here
// first answers with Kafka's error codes. Replication is the storage's (WAL + object storage), so any
// replication factor >= 1 is accepted and manual replica assignments only decide the partition count.
import {
  type ClusterMetadata,
  checkNewTopic,
  checkPartitionGrowth,
  checkTopicDeletion,
  type TopicRuleViolation,
} from "@cirrus/broker-api";
import {
  type ApiKey,
  type CreatePartitionsRequest,
  type CreateTopicsRequest,
  type DeleteTopicsRequest,
  ErrorCode,
} from "@cirrus/kafka-protocol";
import { controlPlaneError } from "./control-plane-errors.ts";
import type { RequestContext, ResponseOf } from "./handler.ts";
import { kafkaErrorCodeOfTopicRule } from "./kafka-error-codes.ts";
import { toWireTopicId, ZERO_WIRE_TOPIC_ID } from "./topic-ids.ts";

/** A broken topic rule as the Kafka error a client acts on. */
function ruleError(violation: TopicRuleViolation): { errorCode: number; errorMessage: string } {
  return { errorCode: kafkaErrorCodeOfTopicRule(violation.rule), errorMessage: violation.message };
}

/**
 * After a change, refreshes the broker's cached metadata so that this client's next Metadata request
 * (e.g. an admin waiting for leaders) already sees it.
 */
async function refreshMetadata(
  context: RequestContext,
  answers: readonly { errorCode: number }[],
): Promise<void> {
  if (!answers.some((a) => a.errorCode === ErrorCode.NONE)) return;
  await context.services.metadata(true).catch(() => {});
}

/** Kafka's check of manual assignments: every broker id must be a broker of the cluster (null: none unknown). */
function unknownBrokers(
  brokerIdLists: readonly (readonly number[])[],
  metadata: ClusterMetadata | null,
): { errorCode: number; errorMessage: string } | null {
  if (!metadata) return null;
  const known = new Set(metadata.brokers.map((b) => b.brokerId));
  const unknown = [...new Set(brokerIdLists.flat())].filter((id) => !known.has(id)).sort((a, b) => a - b);
  if (unknown.length === 0) return null;
  return {
    errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT,
    errorMessage: `Unknown broker(s) in replica assignment: ${unknown.join(", ")}.`,
  };
}

function duplicates(names: readonly (string | null)[]): Set<string | null> {
  const seen = new Set<string | null>();
  const dup = new Set<string | null>();
  for (const n of names) (seen.has(n) ? dup : seen).add(n);
  return dup;
}

type CreatableTopic = CreateTopicsRequest["topics"][number];

type CreateCheck =
  | { readonly errorCode: number; readonly errorMessage: string }
  | { readonly partitions: number; readonly configs: Record<string, string> };

function validateCreate(topic: CreatableTopic, defaultPartitions: number): CreateCheck {
  const assigned = topic.assignments.length > 0;
  const partitions = assigned
    ? topic.assignments.length
    : topic.numPartitions === -1
      ? defaultPartitions
      : topic.numPartitions;
  const configs: Record<string, string | null> = {};
  for (const c of topic.configs) configs[c.name] = c.value;
  const broken = checkNewTopic({ name: topic.name, partitions, configs });
  if (broken) return ruleError(broken);
  if (assigned && (topic.numPartitions !== -1 || topic.replicationFactor !== -1)) {
    return {
      errorCode: ErrorCode.INVALID_REQUEST,
      errorMessage: "numPartitions and replicationFactor must be -1 when assignments are given",
    };
  }
  if (assigned && topic.assignments.some((a, i) => a.partitionIndex !== i || a.brokerIds.length === 0)) {
    return {
      errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT,
      errorMessage: "assignments must cover partitions 0..n-1, each with brokers",
    };
  }
  if (!assigned && topic.replicationFactor !== -1 && topic.replicationFactor < 1) {
    return {
      errorCode: ErrorCode.INVALID_REPLICATION_FACTOR,
      errorMessage: "replication factor must be at least 1",
    };
  }
  // checkNewTopic refused null values.
  return { partitions, configs: configs as Record<string, string> };
}

export async function handleCreateTopics(
  request: CreateTopicsRequest,
  context: RequestContext,
): Promise<ResponseOf<typeof ApiKey.CreateTopics>> {
  const dup = duplicates(request.topics.map((t) => t.name));
  const validateOnly = context.apiVersion >= 1 && request.validateOnly;
  const assigning = request.topics.some((t) => t.assignments.length > 0);
  const metadata = assigning ? await context.services.metadata().catch(() => null) : null;
  const topics = await Promise.all(
    request.topics.map(async (topic) => {
      const answer = (errorCode: number, errorMessage: string | null, extra: object = {}) => ({
        name: topic.name,
        topicId: ZERO_WIRE_TOPIC_ID,
        errorCode,
        errorMessage,
        numPartitions: -1,
        replicationFactor: -1,
        configs: null,
        ...extra,
      });
      if (dup.has(topic.name))
        return answer(ErrorCode.INVALID_REQUEST, `topic ${topic.name} appears more than once`);
      const checked = validateCreate(topic, context.services.config.defaultPartitions);
      if ("errorCode" in checked) return answer(checked.errorCode, checked.errorMessage);
      const strangers = unknownBrokers(
        topic.assignments.map((a) => a.brokerIds),
        metadata,
      );
      if (strangers) return answer(strangers.errorCode, strangers.errorMessage);
      try {
        const created = (await context.services.controlPlane.createTopic({
          name: topic.name,
          partitions: checked.partitions,
          configs: checked.configs,
          validateOnly,
        })) as { topicId?: string } | undefined;
        return answer(ErrorCode.NONE, null, {
          topicId: created?.topicId ? toWireTopicId(created.topicId) : ZERO_WIRE_TOPIC_ID,
          numPartitions: checked.partitions,
          replicationFactor: 1,
          configs: [],
        });
      } catch (error) {
        const { errorCode, errorMessage } = controlPlaneError(error);
        return answer(errorCode, errorMessage);
      }
    }),
  );
  await refreshMetadata(context, topics);
  return { throttleTimeMs: 0, topics };
}

export async function handleDeleteTopics(
  request: DeleteTopicsRequest,
  context: RequestContext,
): Promise<ResponseOf<typeof ApiKey.DeleteTopics>> {
  const wanted =
    context.apiVersion >= 6
      ? request.topics.map((t) => ({ name: t.name ?? null, topicId: t.topicId }))
      : request.topicNames.map((name) => ({ name, topicId: ZERO_WIRE_TOPIC_ID }));
  const needsIds = wanted.some((w) => w.name === null);
  const metadata = needsIds ? await context.services.metadata().catch(() => null) : null;
  const dup = duplicates(wanted.map((w) => w.name ?? w.topicId));
  const responses = await Promise.all(
    wanted.map(async (w) => {
      const name =
        w.name ?? metadata?.topics.find((t) => toWireTopicId(t.topicId) === w.topicId)?.name ?? null;
      const answer = (errorCode: number, errorMessage: string | null, topicId = w.topicId) => ({
        name,
        topicId,
        errorCode,
        errorMessage,
      });
      if (dup.has(w.name ?? w.topicId))
        return answer(ErrorCode.INVALID_REQUEST, "topic appears more than once");
      if (name === null) return answer(ErrorCode.UNKNOWN_TOPIC_ID, `no topic with id ${w.topicId}`);
      const broken = checkTopicDeletion(name);
      if (broken) {
        const { errorCode, errorMessage } = ruleError(broken);
        return answer(errorCode, errorMessage);
      }
      try {
        const deleted = (await context.services.controlPlane.deleteTopic(name)) as
          | { topicId?: string }
          | undefined;
        return answer(ErrorCode.NONE, null, deleted?.topicId ? toWireTopicId(deleted.topicId) : w.topicId);
      } catch (error) {
        const { errorCode, errorMessage } = controlPlaneError(error);
        return answer(errorCode, errorMessage);
      }
    }),
  );
  await refreshMetadata(context, responses);
  return { throttleTimeMs: 0, responses };
}

export async function handleCreatePartitions(
  request: CreatePartitionsRequest,
  context: RequestContext,
): Promise<ResponseOf<typeof ApiKey.CreatePartitions>> {
  const dup = duplicates(request.topics.map((t) => t.name));
  const metadata = await context.services.metadata().catch(() => null);
  const results = await Promise.all(
    request.topics.map(async (topic) => {
      const answer = (errorCode: number, errorMessage: string | null) => ({
        name: topic.name,
        errorCode,
        errorMessage,
      });
      if (dup.has(topic.name))
        return answer(ErrorCode.INVALID_REQUEST, `topic ${topic.name} appears more than once`);
      const broken = checkPartitionGrowth(topic.name, topic.count);
      if (broken) {
        const { errorCode, errorMessage } = ruleError(broken);
        return answer(errorCode, errorMessage);
      }
      const current = metadata?.topics.find((t) => t.name === topic.name)?.partitions.length;
      if (metadata && current === undefined)
        return answer(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `no topic ${topic.name}`);
      if (current !== undefined && topic.count <= current) {
        return answer(
          ErrorCode.INVALID_PARTITIONS,
          `topic has ${current} partitions; the new count must be larger, not ${topic.count}`,
        );
      }
      if (
        topic.assignments !== null &&
        current !== undefined &&
        topic.assignments.length !== topic.count - current
      ) {
        return answer(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `expected ${topic.count - current} assignments`);
      }
      const strangers = unknownBrokers(
        (topic.assignments ?? []).map((a) => a.brokerIds),
        metadata,
      );
      if (strangers) return answer(strangers.errorCode, strangers.errorMessage);
      try {
        await context.services.controlPlane.addPartitions(topic.name, {
          totalCount: topic.count,
          validateOnly: request.validateOnly,
        });
        return answer(ErrorCode.NONE, null);
      } catch (error) {
        const { errorCode, errorMessage } = controlPlaneError(error);
        return answer(errorCode, errorMessage);
      }
    }),
  );
  await refreshMetadata(context, results);
  return { throttleTimeMs: 0, results };
}
