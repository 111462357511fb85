/**
 * Errors of the provisioner, stored in operation rows (`code`, `message`). `retriable: true` tells the
 * controller runner to run the step again on its next pass (up to its attempts); `false` fails the
 * operation at once. Waiting for the cloud to converge is not an error: steps return STEP_WAIT, and
 * their own deadline turns a wait that lasts too long into CONVERGENCE_TIMEOUT.
 */
export const ProvisioningErrorCode = {
  CONVERGENCE_TIMEOUT: "PROVISIONING_CONVERGENCE_TIMEOUT",
  CLUSTER_GONE: "PROVISIONING_CLUSTER_GONE",
  SUPERSEDED: "PROVISIONING_SUPERSEDED",
  PROVIDER_UNAVAILABLE: "PROVISIONING_PROVIDER_UNAVAILABLE",
  /** The control plane has no credentials for the cluster's cloud (the message names what is missing). */
  CREDENTIALS_MISSING: "PROVISIONING_CREDENTIALS_MISSING",
  /** Deletion could not reach the cloud; DELETE again with ?abandon=true to forget what is left there. */
  PROVIDER_UNREACHABLE: "PROVISIONING_PROVIDER_UNREACHABLE",
  /** The broker bundle cloud brokers boot from could not be built or loaded; the next attempt builds again. */
  BROKER_BUNDLE_UNAVAILABLE: "PROVISIONING_BROKER_BUNDLE_UNAVAILABLE",
} as const;
export type ProvisioningErrorCode = (typeof ProvisioningErrorCode)[keyof typeof ProvisioningErrorCode];

/** Worth another attempt: the provider may come back (credentials mounted, API reachable again). */
const RETRIABLE: ReadonlySet<ProvisioningErrorCode> = new Set([
  ProvisioningErrorCode.PROVIDER_UNAVAILABLE,
  ProvisioningErrorCode.CREDENTIALS_MISSING,
  ProvisioningErrorCode.BROKER_BUNDLE_UNAVAILABLE,
]);

export class ProvisioningError extends Error {
  override readonly name = "ProvisioningError";
  readonly code: ProvisioningErrorCode;
  readonly retriable: boolean;

  /** `retriable` overrides the code's default (an unreachable provider is retried while its cause is). */
  constructor(
    code: ProvisioningErrorCode,
    message: string,
    options: { cause?: unknown; retriable?: boolean } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retriable = options.retriable ?? RETRIABLE.has(code);
  }
}
