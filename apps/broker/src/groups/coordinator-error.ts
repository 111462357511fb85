// Errors the group coordinator and producer-state code raise themselves (not Kafka error codes on the
// wire: handlers map these to Kafka codes). Kept apart from src/errors.ts only because another engineer
// owns that file; the codes are stable and meant to be merged there.

export const CoordinatorErrorCode = {
  /** A record of the offsets log (or a stored batch header) cannot be decoded. */
  LOG_RECORD_CORRUPT: "LOG_RECORD_CORRUPT",
  /** The offsets partition was unloaded (moved away or closed) while a request waited on it. */
  PARTITION_UNLOADED: "PARTITION_UNLOADED",
  /** Writing to the offsets log failed; the caller may retry once the partition is reopened. */
  LOG_APPEND_FAILED: "LOG_APPEND_FAILED",
  /** No producer id can be handed out (the allocation space of this broker epoch is used up). */
  PRODUCER_IDS_EXHAUSTED: "PRODUCER_IDS_EXHAUSTED",
  /** A configuration value (credentials, limits) is not usable. */
  CONFIG_INVALID: "CONFIG_INVALID",
} as const;
export type CoordinatorErrorCode = (typeof CoordinatorErrorCode)[keyof typeof CoordinatorErrorCode];

const retriable: ReadonlySet<CoordinatorErrorCode> = new Set([
  CoordinatorErrorCode.PARTITION_UNLOADED,
  CoordinatorErrorCode.LOG_APPEND_FAILED,
]);

export class CoordinatorError extends Error {
  readonly code: CoordinatorErrorCode;
  readonly retriable: boolean;

  constructor(code: CoordinatorErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "CoordinatorError";
    this.code = code;
    this.retriable = retriable.has(code);
  }
}

export function isCoordinatorError(error: unknown, code?: CoordinatorErrorCode): error is CoordinatorError {
  return error instanceof CoordinatorError && (code === undefined || error.code === code);
}
