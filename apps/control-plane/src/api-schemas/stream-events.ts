// The events of the API's live streams (Server-Sent Events), one schema per stream: a union of
// {event: <the `event:` line>, data: <the `data:` line, parsed>} objects, one per event name. They are shared
// schemas (components.schemas, by their $id), and each stream's media type points at its own through
// `x-event-schema` (see common.ts eventStreamContent), so the console's types are generated from them
// (openapi-typescript) and the contract test checks every event sent against them.
import { Problem } from "@cirrus/broker-api";
import { type TSchema, Type } from "@sinclair/typebox";
import { BrokerView } from "./brokers.ts";
import { ClusterListItem, ClusterWatermarks } from "./cluster-events.ts";
import { Cluster } from "./clusters.ts";
import { OperationView } from "./operations.ts";

/** One event of a stream: its name and its data. */
function StreamEvent<N extends string, D extends TSchema>(event: N, data: D, description: string) {
  return Type.Object({ event: Type.Literal(event), data }, { description });
}

/** The last event of a stream the server ends (token revoked or expired: 401; cluster deleted: 404). */
const ErrorEvent = StreamEvent(
  "error",
  Problem,
  "the server ends the stream: an RFC 9457 problem (401: the token was revoked or expired; 404: the cluster was deleted)",
);

/** Each broker's rates from its last heartbeat, and its lease (the cluster stream's `network` event). */
export const NetworkSample = Type.Object({
  brokerId: Type.Integer({ minimum: 0 }),
  bytesInPerSec: Type.Number(),
  bytesOutPerSec: Type.Number(),
  leaseUntil: Type.Integer({ description: "ms since the Unix epoch" }),
});

export const CLUSTER_STREAM_EVENT_ID = "ClusterStreamEvent";
export const CLUSTER_LIST_STREAM_EVENT_ID = "ClusterListStreamEvent";
export const OPERATION_TIMELINE_EVENT_ID = "OperationTimelineEvent";
export const OPERATION_STREAM_EVENT_ID = "OperationStreamEvent";

/** GET /v1/clusters/{id}/events. */
export const ClusterStreamEvent = Type.Union(
  [
    StreamEvent(
      "snapshot",
      Type.Object({ cluster: Cluster, brokers: Type.Array(BrokerView), watermarks: ClusterWatermarks }),
      "first: the cluster, its brokers and its resolved watermarks",
    ),
    StreamEvent("cluster", Cluster, "the cluster changed (state, conditions, spec, bootstrap…)"),
    StreamEvent(
      "brokers",
      Type.Object({ items: Type.Array(BrokerView) }),
      "a broker came, went or changed state, zone, instance type, epoch or partitions led",
    ),
    StreamEvent(
      "network",
      Type.Object({
        at: Type.Integer({ description: "ms since the Unix epoch" }),
        items: Type.Array(NetworkSample),
      }),
      "each broker's rates from its last heartbeat, whenever they or a lease changed",
    ),
    StreamEvent("watermarks", ClusterWatermarks, "the spec changed the resolved watermarks"),
    StreamEvent(
      "operation",
      OperationView,
      "an operation of the cluster was created or changed (the list's view)",
    ),
    ErrorEvent,
  ],
  { $id: CLUSTER_STREAM_EVENT_ID, description: "An event of GET /v1/clusters/{id}/events" },
);

/** GET /v1/clusters/events. */
export const ClusterListStreamEvent = Type.Union(
  [
    StreamEvent(
      "snapshot",
      Type.Object({ items: Type.Array(ClusterListItem) }),
      "first: every cluster, newest first, with its broker count and traffic",
    ),
    StreamEvent(
      "cluster",
      ClusterListItem,
      "a cluster was created, or it, its broker count or its brokers' traffic changed",
    ),
    StreamEvent("deleted", Type.Object({ id: Type.String({ format: "uuid" }) }), "a cluster is gone"),
    ErrorEvent,
  ],
  { $id: CLUSTER_LIST_STREAM_EVENT_ID, description: "An event of GET /v1/clusters/events" },
);

/** GET /v1/operations/events. */
export const OperationTimelineEvent = Type.Union(
  [
    StreamEvent(
      "snapshot",
      Type.Object({ items: Type.Array(OperationView) }),
      "first: the newest `limit` operations, newest first",
    ),
    StreamEvent("operation", OperationView, "an operation was created or changed (the list's view)"),
    ErrorEvent,
  ],
  { $id: OPERATION_TIMELINE_EVENT_ID, description: "An event of GET /v1/operations/events" },
);

/** GET /v1/operations/{id}/events. */
export const OperationStreamEvent = Type.Union(
  [
    StreamEvent(
      "operation",
      OperationView,
      "the operation now and on each change, as GET /v1/operations/{id} shows it (moves included)",
    ),
    ErrorEvent,
  ],
  { $id: OPERATION_STREAM_EVENT_ID, description: "An event of GET /v1/operations/{id}/events" },
);

/** Every stream's event schema, added once to the server (app.ts) so the document has them in components. */
export const STREAM_EVENT_SCHEMAS = [
  ClusterStreamEvent,
  ClusterListStreamEvent,
  OperationTimelineEvent,
  OperationStreamEvent,
];
