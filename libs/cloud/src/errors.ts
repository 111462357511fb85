/**
 * Every error a provider throws is a CloudError with a stable string `code` (safe to switch on and to
 * store in an operation row), a `retriable` flag (true when the same call may succeed later without
 * changing its input: throttling, eventual consistency, a resource still changing state) and the
 * underlying SDK error as `cause`.
 */
export const CloudErrorCode = {
  INVALID_ARGUMENT: "CLOUD_INVALID_ARGUMENT",
  FLEET_NOT_FOUND: "CLOUD_FLEET_NOT_FOUND",
  INSTANCE_NOT_FOUND: "CLOUD_INSTANCE_NOT_FOUND",
  VOLUME_NOT_FOUND: "CLOUD_VOLUME_NOT_FOUND",
  CAPACITY_OUT_OF_RANGE: "CLOUD_CAPACITY_OUT_OF_RANGE",
  ZONE_MISMATCH: "CLOUD_ZONE_MISMATCH",
  MULTI_ATTACH_UNSUPPORTED: "CLOUD_MULTI_ATTACH_UNSUPPORTED",
  VOLUME_IN_USE: "CLOUD_VOLUME_IN_USE",
  VOLUME_NOT_ATTACHED: "CLOUD_VOLUME_NOT_ATTACHED",
  LIFECYCLE_ACTION_NOT_FOUND: "CLOUD_LIFECYCLE_ACTION_NOT_FOUND",
  UNKNOWN_INSTANCE_TYPE: "CLOUD_UNKNOWN_INSTANCE_TYPE",
  THROTTLED: "CLOUD_THROTTLED",
  CONFLICT: "CLOUD_CONFLICT",
  /**
   * The resource is still changing state (a volume creating or detaching, a scaling activity running):
   * the same call succeeds once it settles. A caller waits (a step returns STEP_WAIT) instead of
   * counting it as a failed attempt.
   */
  CONVERGING: "CLOUD_CONVERGING",
  LAUNCH_FAILED: "CLOUD_LAUNCH_FAILED",
  METRICS_UNAVAILABLE: "CLOUD_METRICS_UNAVAILABLE",
  PROVIDER_CLOSED: "CLOUD_PROVIDER_CLOSED",
  STATE_CORRUPT: "CLOUD_STATE_CORRUPT",
  PROVIDER_ERROR: "CLOUD_PROVIDER_ERROR",
  /** No credentials for the cloud (the message names every way to give some); retriable: a secret may be mounted later. */
  CREDENTIALS_MISSING: "CLOUD_CREDENTIALS_MISSING",
} as const;

export type CloudErrorCode = (typeof CloudErrorCode)[keyof typeof CloudErrorCode];

/** Codes that are worth retrying with the same input. */
const RETRIABLE_BY_DEFAULT: ReadonlySet<CloudErrorCode> = new Set([
  CloudErrorCode.THROTTLED,
  CloudErrorCode.CONFLICT,
  CloudErrorCode.CONVERGING,
  CloudErrorCode.METRICS_UNAVAILABLE,
  CloudErrorCode.CREDENTIALS_MISSING,
]);

export class CloudError extends Error {
  readonly code: CloudErrorCode;
  readonly retriable: boolean;

  constructor(code: CloudErrorCode, message: string, options: { cause?: unknown; retriable?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "CloudError";
    this.code = code;
    this.retriable = options.retriable ?? RETRIABLE_BY_DEFAULT.has(code);
  }
}

export function isCloudError(error: unknown, code?: CloudErrorCode): error is CloudError {
  return error instanceof CloudError && (code === undefined || error.code === code);
}

export function invalidArgument(message: string): CloudError {
  return new CloudError(CloudErrorCode.INVALID_ARGUMENT, message);
}
