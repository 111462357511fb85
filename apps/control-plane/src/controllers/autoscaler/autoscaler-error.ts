/** Stable codes of what fails an autoscaler operation. */
export const AutoscalerErrorCode = {
  /** The cluster or its fleet is gone. */
  CLUSTER_GONE: "AUTOSCALER_CLUSTER_GONE",
  /** The new brokers did not serve within the wait. */
  SCALE_OUT_TIMEOUT: "AUTOSCALER_SCALE_OUT_TIMEOUT",
} as const;
export type AutoscalerErrorCode = (typeof AutoscalerErrorCode)[keyof typeof AutoscalerErrorCode];

export class AutoscalerError extends Error {
  readonly code: AutoscalerErrorCode;
  readonly retriable = false;

  constructor(code: AutoscalerErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "AutoscalerError";
    this.code = code;
  }
}
