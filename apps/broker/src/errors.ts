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
} as const;
export type BrokerErrorCode = (typeof BrokerErrorCode)[keyof typeof BrokerErrorCode];

const retriableCodes: ReadonlySet<BrokerErrorCode> = new Set([
  BrokerErrorCode.LEASE_EXPIRED,
  BrokerErrorCode.CONTROL_PLANE_UNAVAILABLE,
  BrokerErrorCode.PARTITION_NOT_OWNED,
  BrokerErrorCode.CONNECTION_LIMIT,
]);

export class BrokerError extends Error {
  readonly code: BrokerErrorCode;
  readonly retriable: boolean;

  constructor(code: BrokerErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "BrokerError";
    this.code = code;
    this.retriable = retriableCodes.has(code);
  }
}

export function isBrokerError(error: unknown, code?: BrokerErrorCode): error is BrokerError {
  return error instanceof BrokerError && (code === undefined || error.code === code);
}
