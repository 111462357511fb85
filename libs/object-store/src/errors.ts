// Errors of @cirrus/object-store: stable string codes, a retriable flag and the underlying cause.

export const ObjectStoreErrorCode = {
  OBJECT_NOT_FOUND: "OBJECT_NOT_FOUND",
  INVALID_KEY: "INVALID_KEY",
  INVALID_RANGE: "INVALID_RANGE",
  INVALID_URI: "INVALID_URI",
  /** The backend refused the request (auth, bucket missing, 4xx other than 404). */
  REQUEST_REFUSED: "REQUEST_REFUSED",
  /** The backend failed or timed out after all retries (5xx, SlowDown, network). Retriable. */
  UNAVAILABLE: "UNAVAILABLE",
  CLOSED: "CLOSED",
} as const;
export type ObjectStoreErrorCode = (typeof ObjectStoreErrorCode)[keyof typeof ObjectStoreErrorCode];

export class ObjectStoreError extends Error {
  readonly code: ObjectStoreErrorCode;
  readonly retriable: boolean;
  override readonly name = "ObjectStoreError";

  constructor(code: ObjectStoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retriable = code === ObjectStoreErrorCode.UNAVAILABLE;
  }
}

export function isObjectNotFound(error: unknown): boolean {
  return error instanceof ObjectStoreError && error.code === ObjectStoreErrorCode.OBJECT_NOT_FOUND;
}
