// The `timestamp` start of the message browser (GET …/partitions/{p}/messages?timestamp=): milliseconds since
// the Unix epoch, or an ISO 8601 date-time with its zone (`Z` or `±hh:mm`). A time without a zone is refused:
// the server's zone is not the operator's, and guessing would show the wrong records without saying so.
import { ApiError } from "../errors.ts";

const MILLIS = /^\d{1,16}$/;
const ISO_8601 =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:(Z)|([+-])(\d{2}):(\d{2}))$/i;
/** The latest time JavaScript dates can hold (8.64e15 ms, year 275760), so every answer can be shown. */
const MAX_MILLIS = 8_640_000_000_000_000;

/** Milliseconds since the epoch that `text` names; a 400 INVALID_REQUEST problem saying what is accepted. */
export function parseMessageTimestamp(text: string): number {
  const trimmed = text.trim();
  let ms = Number.NaN;
  if (MILLIS.test(trimmed)) ms = Number(trimmed);
  else {
    const iso = ISO_8601.exec(trimmed);
    if (iso) ms = isoMillis(iso);
  }
  if (!Number.isSafeInteger(ms) || ms < 0 || ms > MAX_MILLIS)
    throw new ApiError(
      "INVALID_REQUEST",
      "querystring/timestamp must be milliseconds since the Unix epoch or an ISO 8601 date-time with its zone " +
        `(e.g. 2026-12-07T01:30:00Z), from 1970 on; got ${JSON.stringify(text.slice(0, 64))}`,
    );
  return ms;
}

/** The ISO 8601 match's time in ms, or NaN for a date or time that does not exist (February 30th, 25:00). */
function isoMillis(m: RegExpExecArray): number {
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map((x) => Number(x ?? 0)) as number[];
  const fraction = Number(`0.${m[7] ?? "0"}`) * 1000;
  const local = Date.UTC(year!, month! - 1, day!, hour!, minute!, second!);
  const d = new Date(local);
  const exists =
    d.getUTCFullYear() === year &&
    d.getUTCMonth() === month! - 1 &&
    d.getUTCDate() === day &&
    d.getUTCHours() === hour &&
    d.getUTCMinutes() === minute &&
    d.getUTCSeconds() === second;
  const offsetMinutes = m[8] ? 0 : (m[9] === "-" ? -1 : 1) * (Number(m[10]) * 60 + Number(m[11]));
  if (!exists || Math.abs(offsetMinutes) >= 24 * 60) return Number.NaN;
  return local + Math.floor(fraction) - offsetMinutes * 60_000;
}
