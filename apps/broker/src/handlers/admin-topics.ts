// CreateTopics v0–7, DeleteTopics v0–6 and CreatePartitions v0–3, forwarded to the control plane (which
// owns metadata and assigns the new partitions to brokers) after Kafka's request validation. Replication
// is the storage's (WAL + object storage), so any replication factor >= 1 is accepted and manual replica
// assignments only decide the partition count.
import {
  type CreatePartitionsRequest,
  type CreateTopicsRequest,
  type DeleteTopicsRequest,
  ErrorCode,
} from "@cirrus/kafka-protocol";
import { OFFSETS_TOPIC } from "../groups/group-coordinator.ts";
import { invalidTopicConfig } from "./admin-topic-configs.ts";
import type { RequestContext } from "./handler.ts";
import { toWireTopicId, ZERO_WIRE_TOPIC_ID } from "./topic-ids.ts";

const LEGAL_NAME = /^[a-zA-Z0-9._-]+$/;

/** Kafka's Topic.validate: why a topic name is illegal, or null. */
export function invalidTopicName(name: string): string | null {
  if (name.length === 0) return "topic name is empty";
  if (name === "." || name === "..") return `topic name cannot be "${name}"`;
  if (name.length > 249) return "topic name is longer than 249 characters";
  if (!LEGAL_NAME.test(name))
    return `topic name ${name} has characters other than ASCII alphanumerics, '.', '_' and '-'`;
  return null;
}

/** A control-plane failure as the Kafka error a client acts on. */
function controlPlaneError(error: unknown): { errorCode: number; errorMessage: string } {
  const code = (error as { code?: string } | null)?.code;
  const errorMessage = String((error as Error)?.message ?? error);
  const byCode: Record<string, number> = {
    TOPIC_ALREADY_EXISTS: ErrorCode.TOPIC_ALREADY_EXISTS,
    UNKNOWN_TOPIC: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
    INVALID_PARTITIONS: ErrorCode.INVALID_PARTITIONS,
    INVALID_REQUEST: ErrorCode.INVALID_REQUEST,
    TIMEOUT: ErrorCode.REQUEST_TIMED_OUT,
    NETWORK: ErrorCode.REQUEST_TIMED_OUT,
    SERVER_ERROR: ErrorCode.REQUEST_TIMED_OUT,
    RATE_LIMITED: ErrorCode.THROTTLING_QUOTA_EXCEEDED,
  };
  return { errorCode: (code ? byCode[code] : undefined) ?? ErrorCode.UNKNOWN_SERVER_ERROR, errorMessage };
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
  const nameProblem = invalidTopicName(topic.name);
  if (nameProblem) return { errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, errorMessage: nameProblem };
  const assigned = topic.assignments.length > 0;
  if (assigned && (topic.numPartitions !== -1 || topic.replicationFactor !== -1)) {
    return {
      errorCode: ErrorCode.INVALID_REQUEST,
      errorMessage: "numPartitions and replicationFactor must be -1 when assignments are given",
    };
  }
  const partitions = assigned
    ? topic.assignments.length
    : topic.numPartitions === -1
      ? defaultPartitions
      : topic.numPartitions;
  if (!Number.isInteger(partitions) || partitions < 1 || partitions > 10_000) {
    return {
      errorCode: ErrorCode.INVALID_PARTITIONS,
      errorMessage: `number of partitions must be 1..10000, not ${partitions}`,
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
  const configs: Record<string, string> = {};
  for (const c of topic.configs) {
    const problem = invalidTopicConfig(c.name, c.value);
    if (problem) return { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: problem };
    configs[c.name] = c.value!;
  }
  return { partitions, configs };
}

export async function handleCreateTopics(
  request: CreateTopicsRequest,
  context: RequestContext,
): Promise<object> {
  const dup = duplicates(request.topics.map((t) => t.name));
  const validateOnly = context.apiVersion >= 1 && request.validateOnly;
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
): Promise<object> {
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
      if (name === OFFSETS_TOPIC)
        return answer(ErrorCode.INVALID_REQUEST, `${OFFSETS_TOPIC} holds group state and cannot be deleted`);
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
): Promise<object> {
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
      const current = metadata?.topics.find((t) => t.name === topic.name)?.partitions.length;
      if (metadata && current === undefined)
        return answer(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `no topic ${topic.name}`);
      if (current !== undefined && topic.count <= current) {
        return answer(
          ErrorCode.INVALID_PARTITIONS,
          `topic has ${current} partitions; the new count must be larger, not ${topic.count}`,
        );
      }
      if (topic.count > 10_000) return answer(ErrorCode.INVALID_PARTITIONS, "at most 10000 partitions");
      if (
        topic.assignments !== null &&
        current !== undefined &&
        topic.assignments.length !== topic.count - current
      ) {
        return answer(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `expected ${topic.count - current} assignments`);
      }
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
