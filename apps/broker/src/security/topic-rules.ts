// Kafka's authorization of the topic APIs (KafkaApis): WRITE to produce, READ to fetch, DESCRIBE to list offsets
// or see a topic in Metadata, CREATE (on the cluster or the topic) to create one, DELETE to delete a topic or its
// records, ALTER to add partitions, DESCRIBE_CONFIGS / ALTER_CONFIGS for configs (the broker's configs on the
// CLUSTER resource). Denied topics get TOPIC_AUTHORIZATION_FAILED, the rest of the request is served.
import type { AclOperation } from "@cirrus/broker-api";
import { ErrorCode } from "@cirrus/kafka-protocol";
import type { PartitionRead } from "../fetch/partition-reads.ts";
import type { RequestContext, RequestOf } from "../handlers/handler.ts";
import { type AuthorizationRule, can, concatField, serveAllowedItems } from "./authorization-rule.ts";
import { authorizerEnabled, isAllowed, isClusterAllowed } from "./request-authorization.ts";

const TOPIC_DENIED = ErrorCode.TOPIC_AUTHORIZATION_FAILED;
/** DescribeConfigs / AlterConfigs resource types. */
const CONFIG_TOPIC = 2;
const CONFIG_BROKER = 4;

async function topicNamesById(context: RequestContext): Promise<Map<string, string>> {
  const metadata = await context.services.metadata(false, { waitAtMostStaleWait: true });
  return new Map(metadata.topics.map((t) => [t.topicId.replaceAll("-", ""), t.name]));
}
const plainId = (id: string) => id.replaceAll("-", "");

/** The APIs whose request lists `topics` by name and whose rule is `operation` on each of them. */
type TopicListKey = 2 | 8 | 21 | 28 | 37 | 61;

/**
 * `operation` on each topic of the request's `topics`: the allowed ones are served, the others answered
 * TOPIC_AUTHORIZATION_FAILED in the answer's `answerField` list.
 */
export function topicsRule<K extends TopicListKey>(
  operation: AclOperation,
  answerField: string,
): AuthorizationRule<K> {
  return (request, context, serve, deny) =>
    serveAllowedItems(
      request,
      (request as RequestOf<K> & { topics: readonly { name: string }[] }).topics,
      (t) => isAllowed(context, operation, "TOPIC", t.name),
      (topics) => ({ ...request, topics }) as RequestOf<K>,
      TOPIC_DENIED,
      serve,
      deny,
      concatField(answerField),
    );
}

export const produceRule: AuthorizationRule<0> = async (request, context, serve, deny) => {
  const txn = request.transactionalId;
  if (txn !== null && !isAllowed(context, "WRITE", "TRANSACTIONAL_ID", txn))
    return deny(request, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
  return serveAllowedItems(
    request,
    request.topicData,
    (t) => isAllowed(context, "WRITE", "TOPIC", t.name),
    (topicData) => ({ ...request, topicData }),
    TOPIC_DENIED,
    serve,
    deny,
    concatField("responses"),
  );
};

/**
 * Fetch: READ on each fetched topic, checked by the handler once its plan is resolved (a fetch session names its
 * partitions in earlier requests) and before anything is read: a denied partition is neither read nor waited
 * on, and answers TOPIC_AUTHORIZATION_FAILED. `reads` as they are when nothing is denied (or no authorizer).
 */
export async function withUnreadableDenied(
  reads: PartitionRead[],
  context: RequestContext,
): Promise<PartitionRead[]> {
  if (!authorizerEnabled(context.services)) return reads;
  let names: Map<string, string> | undefined;
  let out: PartitionRead[] | undefined;
  let lastName: string | undefined;
  let lastAllowed = true;
  for (const [i, read] of reads.entries()) {
    // By topic id, a partition not served here has no name yet: the cluster's metadata has it.
    if (!read.topic) names ??= await topicNamesById(context);
    const name = read.topic || names?.get(plainId(read.topicId)) || "";
    // Partitions of a topic come together: one decision per topic.
    if (name !== lastName) {
      lastName = name;
      lastAllowed = isAllowed(context, "READ", "TOPIC", name);
    }
    if (lastAllowed) continue;
    out ??= [...reads];
    out[i] = { ...read, partition: undefined, errorCode: TOPIC_DENIED };
  }
  return out ?? reads;
}

export const listOffsetsRule = topicsRule<2>("DESCRIBE", "topics");

/**
 * Metadata: all topics → only those the client may DESCRIBE; named topics it may not → TOPIC_AUTHORIZATION_FAILED.
 * An unknown topic is auto-created only for a client with CREATE on the cluster or the topic; for the others it
 * is TOPIC_AUTHORIZATION_FAILED too (KafkaApis.handleTopicMetadataRequest).
 */
export const metadataRule: AuthorizationRule<3> = async (request, context, serve) => {
  const describe = can(context, "DESCRIBE", "TOPIC");
  const mayCreate = (name: string) =>
    isClusterAllowed(context, "CREATE") || isAllowed(context, "CREATE", "TOPIC", name);
  const asked = request.topics;
  // Named topics the client may not DESCRIBE are neither looked up nor created.
  const hidden = (asked ?? []).filter((t) => t.name !== null && !describe(t.name));
  const visible = asked === null ? null : asked.filter((t) => t.name === null || describe(t.name));
  // Topics the client may not create are looked up without auto-creation: in a request that names both kinds,
  // those are asked for separately and the two answers merged.
  const askedCreate = request.allowAutoTopicCreation;
  const creatable = (t: { name: string | null }) => t.name === null || mayCreate(t.name);
  const noCreate = askedCreate && visible !== null ? visible.filter((t) => !creatable(t)) : [];
  const withCreate = visible === null ? null : visible.filter((t) => !noCreate.includes(t));
  // v0 reads an empty list as "all topics": there, asking for none is not possible.
  const askNone = context.apiVersion === 0 && visible !== null && visible.length === 0 && hidden.length > 0;
  let served = askNone
    ? null
    : await serve({
        ...request,
        topics: noCreate.length > 0 && withCreate?.length === 0 ? noCreate : withCreate,
        allowAutoTopicCreation: askedCreate && (visible === null || withCreate!.length > 0),
      });
  if (served !== null && noCreate.length > 0 && withCreate!.length > 0) {
    const rest = await serve({ ...request, topics: noCreate, allowAutoTopicCreation: false });
    if (rest !== null) served = { ...served, topics: [...(served.topics ?? []), ...(rest.topics ?? [])] };
  }
  if (served === null && (asked === null || hidden.length === 0)) return served;
  const deniedTopic = (t: { name: string | null; topicId: string }) => ({
    errorCode: TOPIC_DENIED,
    name: t.name ?? "",
    topicId: t.topicId,
    isInternal: false,
    partitions: [],
  });
  const base = served ?? { throttleTimeMs: 0, brokers: [], clusterId: null, topics: [] };
  const topics = (base.topics ?? []).flatMap((t) => {
    const name = t.name ?? "";
    if (asked === null) return describe(name) ? [t] : [];
    const notCreated =
      t.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION && askedCreate && !mayCreate(name);
    return notCreated ? [deniedTopic(t as { name: string | null; topicId: string })] : [t];
  });
  return { ...base, topics: [...topics, ...hidden.map(deniedTopic)] };
};

export const createTopicsRule: AuthorizationRule<19> = (request, context, serve, deny) =>
  serveAllowedItems(
    request,
    request.topics,
    (t) => isClusterAllowed(context, "CREATE") || isAllowed(context, "CREATE", "TOPIC", t.name),
    (topics) => ({ ...request, topics }),
    TOPIC_DENIED,
    serve,
    deny,
    concatField("topics"),
  );

export const deleteTopicsRule: AuthorizationRule<20> = async (request, context, serve, deny) => {
  const del = can(context, "DELETE", "TOPIC");
  const names = request.topics.some((t) => !t.name)
    ? await topicNamesById(context)
    : new Map<string, string>();
  const nameOf = (t: { name: string | null; topicId: string }) =>
    t.name || names.get(plainId(t.topicId)) || "";
  const [byName, byNameDenied] = [request.topicNames.filter(del), request.topicNames.filter((n) => !del(n))];
  const [topics, topicsDenied] = [
    request.topics.filter((t) => del(nameOf(t))),
    request.topics.filter((t) => !del(nameOf(t))),
  ];
  if (byNameDenied.length + topicsDenied.length === 0) return serve(request);
  const denied = deny({ ...request, topicNames: byNameDenied, topics: topicsDenied }, TOPIC_DENIED);
  if (byName.length + topics.length === 0 || denied === null) return denied;
  const served = await serve({ ...request, topicNames: byName, topics });
  return served === null ? served : concatField<typeof served>("responses")(served, denied);
};

export const createPartitionsRule = topicsRule<37>("ALTER", "results");

export const deleteRecordsRule = topicsRule<21>("DELETE", "topics");

/** A config resource the client may act on with `operation` (topics by name, brokers on the CLUSTER). */
function configAllowed(context: RequestContext, operation: "DESCRIBE_CONFIGS" | "ALTER_CONFIGS") {
  return (r: { resourceType: number; resourceName: string }) =>
    r.resourceType === CONFIG_TOPIC
      ? isAllowed(context, operation, "TOPIC", r.resourceName)
      : r.resourceType === CONFIG_BROKER
        ? isClusterAllowed(context, operation)
        : true; // other types are answered by the handler (unsupported)
}
const configDeniedCode = (r: { resourceType: number }) =>
  r.resourceType === CONFIG_TOPIC ? TOPIC_DENIED : ErrorCode.CLUSTER_AUTHORIZATION_FAILED;

/** Per-resource codes differ (topic or cluster), so the denied part is answered by resource. */
function configRule<K extends 32 | 33 | 44>(
  operation: "DESCRIBE_CONFIGS" | "ALTER_CONFIGS",
  field: "results" | "responses",
): AuthorizationRule<K> {
  return async (request, context, serve, deny) => {
    const resources = (request as { resources: { resourceType: number; resourceName: string }[] }).resources;
    const allowed = configAllowed(context, operation);
    const denied = resources.filter((r) => !allowed(r));
    if (denied.length === 0) return serve(request);
    const ok = resources.filter(allowed);
    const answers = denied.map((r) => {
      const one = deny({ ...request, resources: [r] }, configDeniedCode(r)) as Record<
        string,
        unknown[]
      > | null;
      return one?.[field]?.[0];
    });
    const served =
      ok.length > 0 ? await serve({ ...request, resources: ok }) : deny({ ...request, resources: [] }, 0);
    if (served === null) return served;
    const list = (served as Record<string, unknown[]>)[field] ?? [];
    return { ...served, [field]: [...list, ...answers] } as typeof served;
  };
}

export const describeConfigsRule = configRule<32>("DESCRIBE_CONFIGS", "results");
export const alterConfigsRule = configRule<33>("ALTER_CONFIGS", "responses");
export const incrementalAlterConfigsRule = configRule<44>("ALTER_CONFIGS", "responses");
