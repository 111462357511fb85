// The operations timeline's live state: the stream's `snapshot` (the newest operations) replaces it, each
// `operation` event puts one in by id. An operation can come again unchanged, or (after a reconnect) older
// than what is shown: the newer `updatedAt` wins.
import type { StreamEvent } from "../api/event-stream.ts";
import type { Operation } from "../api/types.ts";

function newestFirst(a: Operation, b: Operation): number {
  return b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

/** The timeline after one event of GET /v1/operations/events; other events leave it as it is. */
export function applyTimelineEvent(
  list: Operation[] | undefined,
  event: StreamEvent,
): Operation[] | undefined {
  if (event.event === "snapshot") return (JSON.parse(event.data) as { items: Operation[] }).items;
  if (event.event !== "operation") return list;
  const op = JSON.parse(event.data) as Operation;
  const current = list ?? [];
  const shown = current.find((o) => o.id === op.id);
  if (shown && shown.updatedAt > op.updatedAt) return list;
  return [...current.filter((o) => o.id !== op.id), op].sort(newestFirst);
}

/** One operation after an event of GET /v1/operations/{id}/events. */
export function applyOperationEvent(op: Operation | undefined, event: StreamEvent): Operation | undefined {
  if (event.event !== "operation") return op;
  const next = JSON.parse(event.data) as Operation;
  return op && op.updatedAt > next.updatedAt ? op : next;
}

/** True once the operation has finished: its stream ends and is not opened again. */
export function operationFinished(op: Operation | undefined): boolean {
  return op?.status === "SUCCEEDED" || op?.status === "FAILED";
}
