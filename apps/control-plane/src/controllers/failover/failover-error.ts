/**
 * Errors of the failover controller, stored in operation rows (`code`, `message`). `retriable: true`
 * makes the runner try the step again on a later pass (up to its attempts); `false` fails the operation
 * at once. Waiting (no healthy broker in the volume's zone yet, replay not reported yet) is STEP_WAIT,
 * not an error, until the step's own deadline turns it into FAILOVER_TIMEOUT.
 */
export const FailoverErrorCode = {
  /** The operation's input does not name a broker, epoch and volume. */
  BAD_INPUT: "FAILOVER_BAD_INPUT",
  /** The cluster row is gone (deleted while failing over). */
  CLUSTER_GONE: "FAILOVER_CLUSTER_GONE",
  /** The provider no longer knows the WAL volume: its unuploaded records cannot be recovered. */
  VOLUME_LOST: "FAILOVER_VOLUME_LOST",
  /** A step waited longer than its deadline (no healthy broker in the zone, replay never reported). */
  TIMEOUT: "FAILOVER_TIMEOUT",
  /** The cloud refused an attach/detach; worth another attempt. */
  PROVIDER_FAILED: "FAILOVER_PROVIDER_FAILED",
} as const;
export type FailoverErrorCode = (typeof FailoverErrorCode)[keyof typeof FailoverErrorCode];

const RETRIABLE: ReadonlySet<FailoverErrorCode> = new Set([FailoverErrorCode.PROVIDER_FAILED]);

export class FailoverError extends Error {
  override readonly name = "FailoverError";
  readonly code: FailoverErrorCode;
  readonly retriable: boolean;

  constructor(code: FailoverErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retriable = RETRIABLE.has(code);
  }
}
