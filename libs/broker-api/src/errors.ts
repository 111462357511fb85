/**
 * Errors of the broker <-> control plane contract. The server answers every failure with an
 * RFC 9457 problem+json body carrying a stable `code`: one of the codes below for the broker,
 * metadata and topic routes, one of s3stream's `ErrorCode`s for the ObjectManager routes (the
 * client rebuilds a StreamStorageError from those, as the ObjectManager contract requires).
 */
export const BrokerApiErrorCode = {
  /** The broker's epoch is older than the registered one, or its lease expired: re-register. */
  BROKER_FENCED: "BROKER_FENCED",
  BROKER_NOT_FOUND: "BROKER_NOT_FOUND",
  TOPIC_ALREADY_EXISTS: "TOPIC_ALREADY_EXISTS",
  UNKNOWN_TOPIC: "UNKNOWN_TOPIC",
  INVALID_PARTITIONS: "INVALID_PARTITIONS",
  INVALID_REQUEST: "INVALID_REQUEST",
  UNAUTHORIZED: "UNAUTHORIZED",
  FORBIDDEN: "FORBIDDEN",
  NOT_FOUND: "NOT_FOUND",
  CONFLICT: "CONFLICT",
  RATE_LIMITED: "RATE_LIMITED",
  /** No answer within the client's timeout. */
  TIMEOUT: "TIMEOUT",
  /** Connection refused/reset, DNS failure: the request may or may not have reached the server. */
  NETWORK: "NETWORK",
  SERVER_ERROR: "SERVER_ERROR",
  /** The server answered something that does not follow the contract. */
  BAD_RESPONSE: "BAD_RESPONSE",
} as const;
export type BrokerApiErrorCode = (typeof BrokerApiErrorCode)[keyof typeof BrokerApiErrorCode];

const retriableCodes: ReadonlySet<string> = new Set([
  BrokerApiErrorCode.TIMEOUT,
  BrokerApiErrorCode.NETWORK,
  BrokerApiErrorCode.SERVER_ERROR,
  BrokerApiErrorCode.RATE_LIMITED,
]);

export class BrokerApiError extends Error {
  override readonly name = "BrokerApiError";
  readonly code: BrokerApiErrorCode;
  /** HTTP status, 0 when no response arrived. */
  readonly status: number;
  /** The `code` of the problem body as sent, which may be an s3stream ErrorCode. */
  readonly problemCode: string | undefined;
  /** True when the same call may succeed later without any change on the caller's side. */
  readonly retriable: boolean;
  /** The server's Retry-After, in ms from when the answer arrived; undefined when it sent none. */
  readonly retryAfterMs: number | undefined;

  constructor(
    code: BrokerApiErrorCode,
    message: string,
    options: { status?: number; problemCode?: string; cause?: unknown; retryAfterMs?: number } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options.status ?? 0;
    this.problemCode = options.problemCode;
    this.retriable = retriableCodes.has(code);
    this.retryAfterMs = options.retryAfterMs;
  }

  /** True when the caller lost ownership (broker or stream epoch) and must stop acking writes. */
  get fenced(): boolean {
    return this.code === BrokerApiErrorCode.BROKER_FENCED || this.problemCode === "STREAM_FENCED";
  }
}

export function isBrokerApiErrorCode(value: unknown): value is BrokerApiErrorCode {
  return typeof value === "string" && Object.hasOwn(BrokerApiErrorCode, value);
}
