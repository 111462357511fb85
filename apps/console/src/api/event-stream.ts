// Server-Sent Events read with fetch (EventSource cannot send the Authorization header, and the token must never
// go in a URL): the stream's text is split into events as the WHATWG format says (`event:`, `data:` lines, a
// blank line ends an event, `:` lines are comments such as heartbeats).

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

/** Reads `body` to its end, calling `onEvent` for each event in order; stops early when `signal` aborts. */
export async function readEvents(
  body: ReadableStream<Uint8Array>,
  onEvent: (event: StreamEvent) => void,
  signal: AbortSignal,
): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  const cancel = () => void reader.cancel().catch(() => {});
  signal.addEventListener("abort", cancel);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done || signal.aborted) return;
      const parsed = parseEvents(buffer + decoder.decode(value, { stream: true }));
      buffer = parsed.rest;
      for (const event of parsed.events) onEvent(event);
    }
  } finally {
    signal.removeEventListener("abort", cancel);
  }
}
