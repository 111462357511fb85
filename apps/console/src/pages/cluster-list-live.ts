// The clusters list's live state (GET /v1/clusters/events): the stream's `snapshot` replaces it, a `cluster`
// event puts one in by id (a new one, or its new state, broker count or traffic), `deleted` takes one out. Newest
// first, as GET /v1/clusters lists them.
import { type StreamEvent, typedEvent } from "../api/event-stream.ts";
import type { ClusterListItem, ClusterListStreamEvent } from "../api/types.ts";

function newestFirst(a: ClusterListItem, b: ClusterListItem): number {
  const x = a.cluster;
  const y = b.cluster;
  return y.createdAt - x.createdAt || (x.id < y.id ? 1 : x.id > y.id ? -1 : 0);
}

/** The list after one event of GET /v1/clusters/events; other events leave it as it is. */
export function applyClusterListEvent(
  list: ClusterListItem[] | undefined,
  event: StreamEvent,
): ClusterListItem[] | undefined {
  if (event.event !== "snapshot" && event.event !== "cluster" && event.event !== "deleted") return list;
  const typed = typedEvent<ClusterListStreamEvent>(event);
  switch (typed.event) {
    case "snapshot":
      return typed.data.items;
    case "cluster": {
      const item = typed.data;
      return [...(list ?? []).filter((i) => i.cluster.id !== item.cluster.id), item].sort(newestFirst);
    }
    case "deleted": {
      const { id } = typed.data;
      return (list ?? []).filter((i) => i.cluster.id !== id);
    }
    default:
      return list;
  }
}
