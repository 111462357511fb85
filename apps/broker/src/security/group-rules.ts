// Kafka's authorization of the consumer group APIs (KafkaApis): READ on the group to join, sync, heartbeat,
// leave and commit; DESCRIBE to find its coordinator, fetch its offsets or describe it; DELETE to delete it or
// its offsets; READ on each topic whose offsets are committed or deleted, DESCRIBE on each fetched.
// Denied groups get GROUP_AUTHORIZATION_FAILED, denied topics TOPIC_AUTHORIZATION_FAILED.
import { ErrorCode } from "@cirrus/kafka-protocol";
import type { KafkaApiKey, RequestOf } from "../handlers/handler.ts";
import { type AuthorizationRule, can, concatField, serveAllowedItems } from "./authorization-rule.ts";
import { isAllowed, isClusterAllowed } from "./request-authorization.ts";
import { topicsRule } from "./topic-rules.ts";

const GROUP_DENIED = ErrorCode.GROUP_AUTHORIZATION_FAILED;
const TOPIC_DENIED = ErrorCode.TOPIC_AUTHORIZATION_FAILED;

/** The whole request needs READ on its group (JoinGroup, SyncGroup, Heartbeat, LeaveGroup). */
export function groupReadRule<K extends 11 | 12 | 13 | 14>(): AuthorizationRule<K> {
  return async (request, context, serve, deny) => {
    const groupId = (request as RequestOf<K> & { groupId: string }).groupId;
    return isAllowed(context, "READ", "GROUP", groupId) ? serve(request) : deny(request, GROUP_DENIED);
  };
}

const readTopics = topicsRule<8>("READ", "topics");
export const offsetCommitRule: AuthorizationRule<8> = async (request, context, serve, deny) => {
  if (!isAllowed(context, "READ", "GROUP", request.groupId)) return deny(request, GROUP_DENIED);
  return readTopics(request, context, serve, deny);
};

type FetchedPartition = {
  partitionIndex: number;
  committedOffset: bigint;
  metadata: string | null;
  errorCode: number;
};
type FetchedTopic = { name?: string; partitions?: FetchedPartition[] };

/**
 * OffsetFetch: DESCRIBE on the group (v8+: each group), then on the answer: topics the client may not DESCRIBE
 * are left out when it asked for all, and answered TOPIC_AUTHORIZATION_FAILED when it named them.
 */
export const offsetFetchRule: AuthorizationRule<9> = async (request, context, serve, deny) => {
  const describeGroup = (id: string) => isAllowed(context, "DESCRIBE", "GROUP", id);
  const describeTopic = can(context, "DESCRIBE", "TOPIC");
  const batched = request.groups.length > 0;
  if (!batched && !describeGroup(request.groupId)) return deny(request, GROUP_DENIED);
  const served = await serve(request);
  if (served === null) return served;
  const filter = <T extends FetchedTopic>(topics: T[] | undefined, askedAll: boolean): T[] =>
    (topics ?? []).flatMap((t) => {
      if (describeTopic(t.name ?? "")) return [t];
      if (askedAll) return [];
      return [
        {
          ...t,
          partitions: (t.partitions ?? []).map((p) => ({
            ...p,
            committedOffset: -1n,
            metadata: null,
            errorCode: TOPIC_DENIED,
          })),
        },
      ];
    });
  if (!batched) return { ...served, topics: filter(served.topics, request.topics === null) };
  return {
    ...served,
    groups: (served.groups ?? []).map((g) => {
      const askedAll = request.groups.find((r) => r.groupId === g.groupId)?.topics === null;
      return describeGroup(g.groupId ?? "")
        ? { ...g, topics: filter(g.topics, askedAll) }
        : { ...g, topics: [], errorCode: GROUP_DENIED };
    }),
  };
};

/** FindCoordinator: DESCRIBE on the group, or on the transactional id (key type 1); checked per key. */
export const findCoordinatorRule: AuthorizationRule<10> = async (request, context, serve, deny) => {
  const txn = request.keyType === 1;
  const allowed = (key: string) =>
    txn
      ? isAllowed(context, "DESCRIBE", "TRANSACTIONAL_ID", key)
      : isAllowed(context, "DESCRIBE", "GROUP", key);
  const code = txn ? ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED : GROUP_DENIED;
  if (request.coordinatorKeys.length === 0)
    return allowed(request.key) ? serve(request) : deny(request, code);
  return serveAllowedItems(
    request,
    request.coordinatorKeys,
    allowed,
    (coordinatorKeys) => ({ ...request, coordinatorKeys }),
    code,
    serve,
    deny,
    concatField("coordinators"),
  );
};

export const describeGroupsRule: AuthorizationRule<15> = (request, context, serve, deny) =>
  serveAllowedItems(
    request,
    request.groups,
    (g) => isAllowed(context, "DESCRIBE", "GROUP", g),
    (groups) => ({ ...request, groups }),
    GROUP_DENIED,
    serve,
    deny,
    concatField("groups"),
  );

/** ListGroups: every group with DESCRIBE on the cluster, else the groups the client may DESCRIBE. */
export const listGroupsRule: AuthorizationRule<16> = async (request, context, serve) => {
  const served = await serve(request);
  if (served === null || isClusterAllowed(context, "DESCRIBE")) return served;
  return {
    ...served,
    groups: (served.groups ?? []).filter((g) => isAllowed(context, "DESCRIBE", "GROUP", g.groupId)),
  };
};

export const deleteGroupsRule: AuthorizationRule<42> = (request, context, serve, deny) =>
  serveAllowedItems(
    request,
    request.groupsNames,
    (g) => isAllowed(context, "DELETE", "GROUP", g),
    (groupsNames) => ({ ...request, groupsNames }),
    GROUP_DENIED,
    serve,
    deny,
    concatField("results"),
  );

/** OffsetDelete: DELETE on the group; READ on each topic, else its partitions are TOPIC_AUTHORIZATION_FAILED. */
export const offsetDeleteRule: AuthorizationRule<47> = async (request, context, serve, deny) => {
  if (!isAllowed(context, "DELETE", "GROUP", request.groupId)) return deny(request, GROUP_DENIED);
  const read = can(context, "READ", "TOPIC");
  const denied = request.topics.filter((t) => !read(t.name));
  if (denied.length === 0) return serve(request);
  const served = await serve({ ...request, topics: request.topics.filter((t) => read(t.name)) });
  if (served === null) return served;
  const answers = denied.map((t) => ({
    name: t.name,
    partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: TOPIC_DENIED })),
  }));
  return { ...served, topics: [...(served.topics ?? []), ...answers] };
};

export type GroupRuleKey = Extract<KafkaApiKey, 8 | 9 | 10 | 11 | 12 | 13 | 14 | 15 | 16 | 42 | 47>;
