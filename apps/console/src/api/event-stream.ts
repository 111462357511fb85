// Server-Sent Events read with fetch (EventSource cannot send the Authorization header, and the token must never
// go in a URL): the stream's text is split into events as the WHATWG format says (`event:`, `data:` lines, a
// blank line ends an event, `:` lines are comments such as heartbeats).
import { ApiProblem } from "./problem.ts";

export interface StreamEvent {
  /** The `event:` name ("message" when there is none). */
  event: string;
  /** The `data:` lines, joined with "\n". */
  data: string;
}

/** The complete events in `text` and what is left of it (an event not yet ended by a blank line). */
export function parseEvents(text: string): { events: StreamEvent[]; rest: string } {
  const normalized = text.replace(/\r\n?/g, "\n");
  const events: StreamEvent[] = [];
  let start = 0;
  for (let end = normalized.indexOf("\n\n"); end >= 0; end = normalized.indexOf("\n\n", start)) {
    let event = "message";
    const data: string[] = [];
    for (const line of normalized.slice(start, end).split("\n")) {
      if (line === "" || line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? "" : line.slice(colon + 1);
      if (value.startsWith(" ")) value = value.slice(1);
      if (field === "event") event = value;
      else if (field === "data") data.push(value);
    }
    // An event without data is not dispatched (the format's rule): `retry:` blocks and comments end here.
    if (data.length > 0) events.push({ event, data: data.join("\n") });
    start = end + 2;
  }
  return { events, rest: normalized.slice(start) };
}

/**
 * An event as its stream's documented type `U` (generated from the OpenAPI's event schemas, api/types.ts): its
 * name and its data parsed. The server's events are checked against those schemas by its contract test.
 */
export function typedEvent<U extends { event: string; data: unknown }>(event: StreamEvent): U {
  return { event: event.event, data: JSON.parse(event.data) } as U;
}

/**
 * The problem an `error` event carries (the server's last event before it ends a stream, e.g. the token was
 * revoked: a 401 problem), or undefined for any other event.
 */
export function streamProblem(event: StreamEvent): ApiProblem | undefined {
  if (event.event !== "error") return undefined;
  try {
    const problem = JSON.parse(event.data) as ApiProblem["problem"];
    if (typeof problem?.status === "number" && typeof problem.code === "string")
      return new ApiProblem(problem);
  } catch {
    // not JSON: said below as it is
  }
  return new ApiProblem({
    status: 500,
    code: "INTERNAL",
    title: "The live stream failed",
    detail: event.data,
  });
}

/** Thrown by `readEvents` when the server sent nothing, not even a heartbeat, for `idleMs`. */
export class StreamIdleError extends Error {
  override readonly name = "StreamIdleError";
}

/**
 * Reads `body` to its end, calling `onEvent` for each event in order; stops early when `signal` aborts. A
 * connection that carries nothing for `idleMs` (the server's heartbeats stopped: a dead network path that no
 * error reports) is cancelled with a StreamIdleError, so the caller can open a new one.
 */
export async function readEvents(
  body: ReadableStream<Uint8Array>,
  onEvent: (event: StreamEvent) => void,
  signal: AbortSignal,
  idleMs = Number.POSITIVE_INFINITY,
): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  let idle = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const cancel = () => void reader.cancel().catch(() => {});
  const watch = () => {
    clearTimeout(timer);
    if (Number.isFinite(idleMs))
      timer = setTimeout(() => {
        idle = true;
        cancel();
      }, idleMs);
  };
  signal.addEventListener("abort", cancel);
  try {
    for (;;) {
      watch();
      const { done, value } = await reader.read();
      if (idle) throw new StreamIdleError(`the live stream sent nothing for ${Math.round(idleMs / 1000)} s`);
      if (done || signal.aborted) return;
      const parsed = parseEvents(buffer + decoder.decode(value, { stream: true }));
      buffer = parsed.rest;
      for (const event of parsed.events) onEvent(event);
    }
  } catch (error) {
    // `onEvent` refused an event (or reading failed): the connection is of no more use.
    cancel();
    throw error;
  } finally {
    clearTimeout(timer);
    signal.removeEventListener("abort", cancel);
  }
}
