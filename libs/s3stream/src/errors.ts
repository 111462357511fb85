// Every error s3stream throws is a StreamStorageError with a stable string code, so that a remote
// ObjectManager (the control plane over HTTP) can map codes to status codes and back without losing meaning.

export const ErrorCode = {
  /** The caller's stream epoch is older than the stream's current epoch: another owner took over. */
  STREAM_FENCED: "STREAM_FENCED",
  STREAM_NOT_FOUND: "STREAM_NOT_FOUND",
  /** The stream exists but is not open for the caller (closed, or opened by another node). */
  STREAM_NOT_OPEN: "STREAM_NOT_OPEN",
  /** The stream was closed or the storage shut down while the operation was pending. */
  STREAM_CLOSED: "STREAM_CLOSED",
  OBJECT_NOT_FOUND: "OBJECT_NOT_FOUND",
  /** An object id was used that was never prepared, or whose preparation expired. */
  OBJECT_NOT_PREPARED: "OBJECT_NOT_PREPARED",
  /** A requested or committed offset does not fit the stream's [startOffset, endOffset). */
  OFFSET_OUT_OF_RANGE: "OFFSET_OUT_OF_RANGE",
  /** A number is not a safe non-negative integer, a range is inverted, an option is invalid. */
  INVALID_ARGUMENT: "INVALID_ARGUMENT",
  /** Stored bytes failed their checksum or framing: never served. */
  CORRUPT_DATA: "CORRUPT_DATA",
  /** The WAL file's header does not belong to this node or is unreadable. */
  WAL_INVALID: "WAL_INVALID",
  /** The WAL that must be there (requireExistingWal) is not: its volume is not attached (yet). Retriable. */
  WAL_MISSING: "WAL_MISSING",
  /** A bounded wait for WAL or cache space ran out. Retriable. */
  BACKPRESSURE_TIMEOUT: "BACKPRESSURE_TIMEOUT",
  /** An append larger than the WAL (or the configured maximum) can never fit. */
  RECORD_TOO_LARGE: "RECORD_TOO_LARGE",
  /** A WAL write or fdatasync failed: the storage stops accepting appends. */
  WAL_IO_ERROR: "WAL_IO_ERROR",
  /** Object storage or the ObjectManager failed in a way that may go away on retry. */
  UPSTREAM_UNAVAILABLE: "UPSTREAM_UNAVAILABLE",
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const RETRIABLE: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  ErrorCode.BACKPRESSURE_TIMEOUT,
  ErrorCode.UPSTREAM_UNAVAILABLE,
  ErrorCode.WAL_MISSING,
]);

export class StreamStorageError extends Error {
  readonly code: ErrorCode;
  readonly retriable: boolean;
  override readonly name = "StreamStorageError";

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; retriable?: boolean }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retriable = options?.retriable ?? RETRIABLE.has(code);
  }
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === "string" && Object.hasOwn(ErrorCode, value);
}

/** Rebuilds an error received over a wire (HTTP, IPC) from its code and message. */
export function errorFromCode(code: string, message: string): StreamStorageError {
  return new StreamStorageError(isErrorCode(code) ? code : ErrorCode.UPSTREAM_UNAVAILABLE, message);
}

export function hasErrorCode(error: unknown, code: ErrorCode): boolean {
  return error instanceof StreamStorageError && error.code === code;
}

/** Asserts a non-negative safe integer (ids, offsets, sizes are JS numbers, never bigint). */
export function assertSafeIndex(name: string, value: unknown): asserts value is number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw new StreamStorageError(
      ErrorCode.INVALID_ARGUMENT,
      `${name} must be a non-negative safe integer, got ${String(value)}`,
    );
  }
}

/**
 * Errors crossing the public API are StreamStorageErrors: an object-store or file-system failure is wrapped
 * (its code and retriable flag decide ours), the original kept as `cause`.
 */
export function toStreamStorageError(error: unknown, context: string): StreamStorageError {
  if (error instanceof StreamStorageError) return error;
  const shape = (error ?? {}) as { code?: unknown; retriable?: unknown; message?: unknown };
  const detail = typeof shape.message === "string" ? shape.message : String(error);
  if (shape.code === "OBJECT_NOT_FOUND") {
    return new StreamStorageError(ErrorCode.OBJECT_NOT_FOUND, `${context}: ${detail}`, { cause: error });
  }
  if (typeof shape.code === "string" && /^E[A-Z]+$/.test(shape.code)) {
    return new StreamStorageError(ErrorCode.WAL_IO_ERROR, `${context}: ${detail}`, { cause: error });
  }
  return new StreamStorageError(ErrorCode.UPSTREAM_UNAVAILABLE, `${context}: ${detail}`, {
    cause: error,
    retriable: shape.retriable !== false,
  });
}
