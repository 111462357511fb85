// The range of timestamps the broker's own state holds (stream append times, the time index, producers' last
// times), as opposed to a record's timestamp, which Kafka lets be any int64 and which stays as written.
// JS numbers are exact only below 2^53, s3stream takes non-negative safe integers only, and checkpoints store
// these times as zigzag varints of values and of differences between them, which must stay below 2^53 too:
// hence ±(2^52 - 1), about 142,000 years either side of 1970. Clamping, not refusing, because the state
// needs these times only for ordering and expiry: a producer clamped to the bound is still "in the future"
// (never idle), and the time index still answers every search up to the bound exactly (timestamp-lookup.ts
// reads the records themselves for a search beyond it).
export const MAX_STATE_TIMESTAMP = 2 ** 52 - 1;

/** `timestampMs` clamped to ±MAX_STATE_TIMESTAMP; `floor` raises the lower bound (0 for stream appends). */
export function stateTimestamp(timestampMs: number, floor = -MAX_STATE_TIMESTAMP): number {
  return Math.min(MAX_STATE_TIMESTAMP, Math.max(floor, timestampMs));
}
