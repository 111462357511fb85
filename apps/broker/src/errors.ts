// Every error the broker raises itself carries a stable string code, a retriable flag and its cause.
// Kafka-visible failures are turned into Kafka error codes by the handlers (see handlers/kafka-error-codes.ts);
// these codes are for logs, process exits and the admin endpoints.

export const BrokerErrorCode = {
  CONFIG_INVALID: "CONFIG_INVALID",
  FRAME_TOO_LARGE: "FRAME_TOO_LARGE",
  MALFORMED_REQUEST: "MALFORMED_REQUEST",
  UNSUPPORTED_API: "UNSUPPORTED_API",
  UNAUTHENTICATED: "UNAUTHENTICATED",
  CONNECTION_LIMIT: "CONNECTION_LIMIT",
  IDLE_TIMEOUT: "IDLE_TIMEOUT",
  LEASE_EXPIRED: "LEASE_EXPIRED",
  CONTROL_PLANE_UNAVAILABLE: "CONTROL_PLANE_UNAVAILABLE",
  FENCED: "FENCED",
  PARTITION_NOT_OWNED: "PARTITION_NOT_OWNED",
  SHUTTING_DOWN: "SHUTTING_DOWN",
  WAITER_CANCELLED: "WAITER_CANCELLED",
  /** The metadata service (instance id, zone, address, notices) did not answer or answered nonsense. */
  NODE_IDENTITY_UNAVAILABLE: "NODE_IDENTITY_UNAVAILABLE",
  /** The WAL volume named by its id is not among the machine's block devices. */
  VOLUME_NOT_ATTACHED: "VOLUME_NOT_ATTACHED",
} as const;
export type BrokerErrorCode = (typeof BrokerErrorCode)[keyof typeof BrokerErrorCode];

const retriableCodes: ReadonlySet<BrokerErrorCode> = new Set([
  BrokerErrorCode.LEASE_EXPIRED,
  BrokerErrorCode.CONTROL_PLANE_UNAVAILABLE,
  BrokerErrorCode.PARTITION_NOT_OWNED,
  BrokerErrorCode.CONNECTION_LIMIT,
  BrokerErrorCode.NODE_IDENTITY_UNAVAILABLE,
  BrokerErrorCode.VOLUME_NOT_ATTACHED,
]);

/** What both error classes of this package carry: a stable code, whether a retry can help, the cause. */
abstract class CodedError<C extends string> extends Error {
  readonly code: C;
  readonly retriable: boolean;

  constructor(
    name: string,
    code: C,
    retriable: ReadonlySet<C>,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = name;
    this.code = code;
    this.retriable = retriable.has(code);
  }
}

export class BrokerError extends CodedError<BrokerErrorCode> {
  constructor(code: BrokerErrorCode, message: string, options?: { cause?: unknown }) {
    super("BrokerError", code, retriableCodes, message, options);
  }
}

export function isBrokerError(error: unknown, code?: BrokerErrorCode): error is BrokerError {
  return error instanceof BrokerError && (code === undefined || error.code === code);
}

// Errors the group coordinator and producer-state code raise themselves (not Kafka error codes on the
// wire: handlers map these to Kafka codes). A class of their own, not BrokerError: callers tell the two
// apart (offsets-log rethrows a CoordinatorError as is; the dispatcher counts BrokerError codes apart).

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
  /** A stored partition checkpoint is damaged, of an unknown version, or not of this partition's log. */
  CHECKPOINT_CORRUPT: "CHECKPOINT_CORRUPT",
} as const;
export type CoordinatorErrorCode = (typeof CoordinatorErrorCode)[keyof typeof CoordinatorErrorCode];

const retriableCoordinatorCodes: ReadonlySet<CoordinatorErrorCode> = new Set([
  CoordinatorErrorCode.PARTITION_UNLOADED,
  CoordinatorErrorCode.LOG_APPEND_FAILED,
]);

export class CoordinatorError extends CodedError<CoordinatorErrorCode> {
  constructor(code: CoordinatorErrorCode, message: string, options?: { cause?: unknown }) {
    super("CoordinatorError", code, retriableCoordinatorCodes, message, options);
  }
}

export function isCoordinatorError(error: unknown, code?: CoordinatorErrorCode): error is CoordinatorError {
  return error instanceof CoordinatorError && (code === undefined || error.code === code);
}
