// Every failure of this package is a ProtocolError with a stable string `code`.
// Decoding never throws anything else for bad input: callers (the broker) map a
// ProtocolError to "close the connection" or to a protocol error answer.

export const ProtocolErrorCode = {
  /** The input ended before the structure it declares. */
  TRUNCATED: "TRUNCATED",
  /** A length, count or size prefix is negative (where null is not allowed) or larger than the input. */
  INVALID_LENGTH: "INVALID_LENGTH",
  /** A varint runs over its maximum width. */
  INVALID_VARINT: "INVALID_VARINT",
  /** A frame declares a size above the configured maximum (checked before buffering it). */
  FRAME_TOO_LARGE: "FRAME_TOO_LARGE",
  /** A frame declares a negative size or a size too small to hold a header. */
  INVALID_FRAME_SIZE: "INVALID_FRAME_SIZE",
  /** The request names an API key this codec does not know. */
  UNKNOWN_API_KEY: "UNKNOWN_API_KEY",
  /** The API is known but not at this version. */
  UNSUPPORTED_VERSION: "UNSUPPORTED_VERSION",
  /** Bytes remain after the message body was read. */
  TRAILING_BYTES: "TRAILING_BYTES",
  /** A value given to the encoder does not fit the schema (null where not nullable, out of range...). */
  INVALID_VALUE: "INVALID_VALUE",
  /** A record batch is shorter than its header, or its length field disagrees with the bytes. */
  CORRUPT_RECORD_BATCH: "CORRUPT_RECORD_BATCH",
  /** A record batch's CRC32C does not match its content. */
  CRC_MISMATCH: "CRC_MISMATCH",
  /** A record batch uses a magic other than 2. */
  UNSUPPORTED_MAGIC: "UNSUPPORTED_MAGIC",
  /** A record batch names a compression codec this codec does not know. */
  UNSUPPORTED_COMPRESSION: "UNSUPPORTED_COMPRESSION",
  /** Decompression failed or would exceed the allowed output size. */
  DECOMPRESSION_FAILED: "DECOMPRESSION_FAILED",
} as const;
export type ProtocolErrorCode = (typeof ProtocolErrorCode)[keyof typeof ProtocolErrorCode];

/** The request header fields known when a request fails after its header was read. */
export interface PartialRequestHeader {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
}

export interface ProtocolErrorOptions {
  cause?: unknown;
  /** Set when the request header was parsed, so the broker can still answer the client. */
  header?: PartialRequestHeader;
}

export class ProtocolError extends Error {
  readonly code: ProtocolErrorCode;
  /** Bad bytes stay bad: retrying the same input never helps. */
  readonly retriable = false;
  readonly header: PartialRequestHeader | undefined;

  constructor(code: ProtocolErrorCode, message: string, options: ProtocolErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "ProtocolError";
    this.code = code;
    this.header = options.header;
  }
}

export function isProtocolError(err: unknown): err is ProtocolError {
  return err instanceof ProtocolError;
}
