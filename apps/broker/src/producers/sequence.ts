// Producer sequence numbers are int32 and wrap from 2^31-1 to 0 (Kafka's DefaultRecordBatch.incrementSequence).
const INT32_MAX = 0x7fffffff;
const SPACE = 2 ** 31;

/** `sequence + increment`, wrapping past INT32_MAX to 0. */
export function incrementSequence(sequence: number, increment: number): number {
  if (sequence > INT32_MAX - increment) return increment - (INT32_MAX - sequence) - 1;
  return sequence + increment;
}

/** Whether `next` directly follows `last`. */
export function inSequence(last: number, next: number): boolean {
  return next === incrementSequence(last, 1);
}

/**
 * Whether `sequence` lies at or before `last` within half the sequence space: a retry of something
 * already written (as opposed to a batch from the future, after a gap).
 */
export function isAtOrBefore(sequence: number, last: number): boolean {
  const distance = (((last - sequence) % SPACE) + SPACE) % SPACE;
  return distance < SPACE / 2;
}
