import type { components, paths } from "./schema.d.ts";

type Json<T> = T extends { content: { "application/json": infer B } } ? B : never;
type Ok<P, M extends keyof P> = P[M] extends { responses: infer R }
  ? R extends { 200: infer A }
    ? Json<A>
    : R extends { 202: infer A }
      ? Json<A>
      : R extends { 201: infer A }
        ? Json<A>
        : never
  : never;

export type Cluster = Ok<paths["/v1/clusters/{id}"], "get">;
export type ClusterSpec = Cluster["spec"];
export type CreateClusterBody = NonNullable<
  paths["/v1/clusters"]["post"]["requestBody"]
>["content"]["application/json"];
export type Broker = Ok<paths["/v1/clusters/{id}/brokers"], "get">["items"][number];
export type MetricsView = Ok<paths["/v1/clusters/{id}/metrics"], "get">;
export type PartitionLoad = Ok<paths["/v1/clusters/{id}/partitions/load"], "get">["items"][number];
export type Topic = Ok<paths["/v1/clusters/{id}/topics/{name}"], "get">;
export type Operation = Ok<paths["/v1/operations/{id}"], "get">;
export type RebalancePlan = Ok<paths["/v1/clusters/{id}/rebalance/plan"], "get">;
export type Token = Ok<paths["/v1/tokens"], "get">["items"][number];
export type CreatedToken = Ok<paths["/v1/tokens/{id}/renew"], "post">;
export type AclBinding = Ok<paths["/v1/clusters/{id}/acls"], "get">["items"][number];
export type KafkaUser = Ok<paths["/v1/clusters/{id}/users"], "get">["items"][number];
export type Scope = Token["scope"];
export type Problem = components["schemas"]["Problem"];
export type MessagesPage = Ok<
  paths["/v1/clusters/{id}/topics/{name}/partitions/{partition}/messages"],
  "get"
>;
export type Message = MessagesPage["messages"][number];
export type GroupView = Ok<paths["/v1/clusters/{id}/consumer-groups/{group}"], "get">;
export type OffsetResetBody = NonNullable<
  paths["/v1/clusters/{id}/consumer-groups/{group}/offsets/reset"]["post"]["requestBody"]
>["content"]["application/json"];
export type OffsetResetResult = Ok<paths["/v1/clusters/{id}/consumer-groups/{group}/offsets/reset"], "post">;
/** The scaling watermarks resolved to bytes/s per broker (GET …/metrics, and the cluster stream's snapshot). */
export type Watermarks = MetricsView["watermarks"];
/**
 * The events of the live streams, as the OpenAPI documents them (components.schemas, which each stream's
 * `x-event-schema` names): one {event, data} object per `event:` name, `data` parsed.
 */
export type ClusterStreamEvent = components["schemas"]["ClusterStreamEvent"];
export type ClusterListStreamEvent = components["schemas"]["ClusterListStreamEvent"];
export type OperationTimelineEvent = components["schemas"]["OperationTimelineEvent"];
export type OperationStreamEvent = components["schemas"]["OperationStreamEvent"];
/** The data of event `E` of a stream whose events are `U`. */
export type EventData<U extends { event: string; data: unknown }, E extends U["event"]> = Extract<
  U,
  { event: E }
>["data"];
/** One broker's rates from its last heartbeat, and its lease: the items of the cluster stream's `network` event. */
export type NetworkSample = EventData<ClusterStreamEvent, "network">["items"][number];
/** A cluster as the clusters list shows it (GET /v1/clusters/events): it, its broker count and summed traffic. */
export type ClusterListItem = EventData<ClusterListStreamEvent, "cluster">;
