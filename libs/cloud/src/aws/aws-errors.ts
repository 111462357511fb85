import { CloudError, CloudErrorCode } from "../errors.ts";

/** SDK v3 errors carry the service's error code as `name`. */
function errorName(error: unknown): string {
  return error && typeof error === "object" && "name" in error
    ? String((error as { name: unknown }).name)
    : "";
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

const BY_NAME: Record<string, CloudErrorCode> = {
  Throttling: CloudErrorCode.THROTTLED,
  ThrottlingException: CloudErrorCode.THROTTLED,
  RequestLimitExceeded: CloudErrorCode.THROTTLED,
  ScalingActivityInProgress: CloudErrorCode.CONVERGING,
  ScalingActivityInProgressFault: CloudErrorCode.CONVERGING,
  ResourceContention: CloudErrorCode.CONFLICT,
  ResourceContentionFault: CloudErrorCode.CONFLICT,
  IncorrectState: CloudErrorCode.CONVERGING,
  // EC2: the instance is not (yet) in a state for the call, e.g. AttachVolume while it is still `pending`
  // after a launch. Retried like any converging state, within the operation's attempts (a terminated
  // instance does not wait forever: its attempts run out).
  IncorrectInstanceState: CloudErrorCode.CONVERGING,
  IdempotentParameterMismatch: CloudErrorCode.INVALID_ARGUMENT,
  InvalidParameterValue: CloudErrorCode.INVALID_ARGUMENT,
  InvalidParameterCombination: CloudErrorCode.INVALID_ARGUMENT,
  MissingParameter: CloudErrorCode.INVALID_ARGUMENT,
  "InvalidVolume.NotFound": CloudErrorCode.VOLUME_NOT_FOUND,
  "InvalidVolume.ZoneMismatch": CloudErrorCode.ZONE_MISMATCH,
  "InvalidInstanceID.NotFound": CloudErrorCode.INSTANCE_NOT_FOUND,
  "InvalidAttachment.NotFound": CloudErrorCode.VOLUME_NOT_ATTACHED,
  VolumeInUse: CloudErrorCode.VOLUME_IN_USE,
};

/**
 * Turns an AWS SDK error into a CloudError. `context` names the call for the message. Validation errors
 * of Auto Scaling are one code ("ValidationError") with different messages: the few we act on are told
 * apart by message, the rest become INVALID_ARGUMENT.
 */
export function fromAwsError(error: unknown, context: string): CloudError {
  if (error instanceof CloudError) return error;
  const name = errorName(error);
  const message = `${context}: ${name || "error"}: ${errorMessage(error)}`;
  let code = BY_NAME[name];
  if (!code && name === "ValidationError") {
    const text = errorMessage(error);
    if (/lifecycle action/i.test(text)) code = CloudErrorCode.LIFECYCLE_ACTION_NOT_FOUND;
    else if (/not found|does not exist/i.test(text)) code = CloudErrorCode.FLEET_NOT_FOUND;
    else if (/desired capacity|min size|max size/i.test(text)) code = CloudErrorCode.CAPACITY_OUT_OF_RANGE;
    else code = CloudErrorCode.INVALID_ARGUMENT;
  }
  const fault = (error as { $fault?: string } | undefined)?.$fault;
  if (!code) code = CloudErrorCode.PROVIDER_ERROR;
  const retriable = code === CloudErrorCode.PROVIDER_ERROR ? fault === "server" : undefined;
  return new CloudError(
    code,
    message,
    retriable === undefined ? { cause: error } : { cause: error, retriable },
  );
}

export function isAwsErrorNamed(error: unknown, ...names: string[]): boolean {
  return names.includes(errorName(error));
}
