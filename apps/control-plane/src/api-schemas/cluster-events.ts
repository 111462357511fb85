import { Type } from "@sinclair/typebox";
import { Cluster } from "./clusters.ts";
import { eventStreamContent, SSE_FORMAT } from "./common.ts";

/**
 * The autoscaler's watermarks of a cluster resolved to bytes/s per broker (network in + out), as it applies them:
 * a percent watermark is that percent of `capacityBytesPerSec` (the spec's `balancing.brokerNetworkBytesPerSec`,
 * else the provider's baseline of the instance types, else BROKER_NETWORK_BYTES_PER_SEC).
 */
export const ClusterWatermarks = Type.Object({
  capacityBytesPerSec: Type.Number({ description: "each broker's network capacity each way, bytes/s" }),
  highBytesPerSec: Type.Number({ description: "scale out above this, bytes/s per broker" }),
  lowBytesPerSec: Type.Number({ description: "scale in below this, bytes/s per broker" }),
  highPercent: Type.Optional(
    Type.Number({ description: "the spec's high watermark, when given as a percent" }),
  ),
  lowPercent: Type.Optional(
    Type.Number({ description: "the spec's low watermark, when given as a percent" }),
  ),
});

/** The cluster's live stream (GET /v1/clusters/{id}/events). */
export const ClusterEventStream = Type.Unsafe<string>({
  description: `${SSE_FORMAT} Events: first \`snapshot\` {cluster: as GET /v1/clusters/{id} gives it, brokers: the brokers as GET /v1/clusters/{id}/brokers lists them, watermarks: as GET /v1/clusters/{id}/metrics gives them}; then \`cluster\` (as GET /v1/clusters/{id}) when it changes (state, conditions, spec, bootstrap…); \`brokers\` {items} when a broker comes, goes or changes state, zone, instance type, epoch or partitions led; \`network\` {at, items: [{brokerId, bytesInPerSec, bytesOutPerSec, leaseUntil}]}: each broker's rates from its last heartbeat, whenever they or a lease changed (at most every CLUSTER_EVENTS_INTERVAL_MS, 2 s); \`watermarks\` when the spec changes them; \`operation\` (the operations list's view) when an operation of the cluster is created or changes. When the cluster is deleted the stream ends with an \`error\` event carrying a 404 problem.`,
  content: eventStreamContent("ClusterStreamEvent"),
});

/** A cluster as the clusters list shows it: itself, how many brokers it has and their summed traffic. */
export const ClusterListItem = Type.Object({
  cluster: Cluster,
  brokers: Type.Object({
    count: Type.Integer({ minimum: 0, description: "its brokers, in any state" }),
    bytesInPerSec: Type.Number({
      description: "the sum of its brokers' network in, from their last heartbeats",
    }),
    bytesOutPerSec: Type.Number({
      description: "the sum of its brokers' network out, from their last heartbeats",
    }),
  }),
});

/** Every cluster live (GET /v1/clusters/events). */
export const ClusterListEventStream = Type.Unsafe<string>({
  description: `${SSE_FORMAT} Events: first \`snapshot\` {items: every cluster, newest first, each {cluster: as GET /v1/clusters/{id} gives it, brokers: {count, bytesInPerSec, bytesOutPerSec}}}; then \`cluster\` (one such item) when a cluster is created or it, its broker count or its brokers' traffic changes (looked at every CLUSTER_EVENTS_INTERVAL_MS, 2 s); \`deleted\` {id} when a cluster is gone. Merge by cluster id.`,
  content: eventStreamContent("ClusterListStreamEvent"),
});
