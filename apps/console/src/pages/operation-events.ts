// The operations timeline's live state: the stream's `snapshot` (the newest operations) replaces it, each
// `operation` event puts one in by id. An operation can come again unchanged, or (after a reconnect) older
// than what is shown: the newer `updatedAt` wins.
import { type StreamEvent, typedEvent } from "../api/event-stream.ts";
import type { Operation, OperationStreamEvent, OperationTimelineEvent } from "../api/types.ts";

function newestFirst(a: Operation, b: Operation): number {
  return b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

/** The timeline after one event of GET /v1/operations/events; other events leave it as it is. */
export function applyTimelineEvent(
  list: Operation[] | undefined,
  event: StreamEvent,
): Operation[] | undefined {
  if (event.event !== "snapshot" && event.event !== "operation") return list;
  const typed = typedEvent<OperationTimelineEvent>(event);
  if (typed.event === "snapshot") return typed.data.items;
  if (typed.event !== "operation") return list;
  const op = typed.data;
  const current = list ?? [];
  const shown = current.find((o) => o.id === op.id);
  if (shown && shown.updatedAt > op.updatedAt) return list;
  return [...current.filter((o) => o.id !== op.id), op].sort(newestFirst);
}

/** One operation after an event of GET /v1/operations/{id}/events. */
export function applyOperationEvent(op: Operation | undefined, event: StreamEvent): Operation | undefined {
  if (event.event !== "operation") return op;
  const typed = typedEvent<OperationStreamEvent>(event);
  if (typed.event !== "operation") return op;
  const next = typed.data;
  return op && op.updatedAt > next.updatedAt ? op : next;
}

/** True once the operation has finished: its stream ends and is not opened again. */
export function operationFinished(op: Operation | undefined): boolean {
  return op?.status === "SUCCEEDED" || op?.status === "FAILED";
}
