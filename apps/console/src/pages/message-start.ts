// Where the message browser starts reading: the newest records (live), before an offset (paging back), or from a
// time (the first record at or after it, resolved by the API with Kafka's ListOffsets on the leader).

export type MessageStart =
  | { kind: "newest" }
  | { kind: "before"; offset: number }
  /** `local`: a datetime-local value, in the browser's time zone. */
  | { kind: "time"; local: string };

export type MessagesQuery = { limit: number; before?: number; timestamp?: string };

/** A datetime-local value (the browser's zone) as ms since the epoch; undefined when empty or not a time. */
export function localTimeMillis(local: string): number | undefined {
  if (local.trim() === "") return undefined;
  const ms = new Date(local).getTime();
  return Number.isFinite(ms) && ms >= 0 ? ms : undefined;
}

/** The messages API's query for a start; a time that is not one reads the newest, as an empty field does. */
export function messagesQuery(start: MessageStart, limit: number): MessagesQuery {
  if (start.kind === "before") return { limit, before: start.offset };
  if (start.kind === "time") {
    const ms = localTimeMillis(start.local);
    if (ms !== undefined) return { limit, timestamp: String(ms) };
  }
  return { limit };
}

/** True when the page follows the partition's end (refreshed live); a chosen offset or time stays put. */
export function isLive(start: MessageStart): boolean {
  return messagesQuery(start, 1).before === undefined && messagesQuery(start, 1).timestamp === undefined;
}
