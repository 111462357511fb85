import { CloudError, CloudErrorCode } from "../errors.ts";

/** Alibaba Cloud SDK errors (Tea errors) carry the API's error code as `code`, e.g. "Throttling.User". */
export function aliyunErrorCode(error: unknown): string {
  return error && typeof error === "object" && "code" in error
    ? String((error as { code: unknown }).code)
    : "";
}

/**
 * Turns an Alibaba Cloud error into a CloudError. `notFound` is the CloudErrorCode a `*.NotFound` error
 * means in this call's context (a missing group, disk, instance or lifecycle action).
 */
export function fromAliyunError(error: unknown, context: string, notFound?: CloudErrorCode): CloudError {
  if (error instanceof CloudError) return error;
  const code = aliyunErrorCode(error);
  const text = error instanceof Error ? error.message : String(error);
  const message = `${context}: ${code || "error"}: ${text}`;
  let mapped: CloudErrorCode = CloudErrorCode.PROVIDER_ERROR;
  let retriable: boolean | undefined;
  if (/^Throttling|^ServiceUnavailable|^Flow/.test(code)) mapped = CloudErrorCode.THROTTLED;
  else if (/NotFound|NotExist/.test(code)) mapped = notFound ?? CloudErrorCode.PROVIDER_ERROR;
  else if (/ScalingActivityInProgress|^IncorrectDiskStatus/.test(code)) mapped = CloudErrorCode.CONVERGING;
  else if (/^IncorrectScalingGroupStatus|^IncorrectInstanceStatus|OperationConflict/.test(code)) {
    mapped = CloudErrorCode.CONFLICT;
  } else if (/^InvalidParameter|^MissingParameter|^InvalidDiskCategory|^Invalid/.test(code)) {
    mapped = /MinSize|MaxSize|DesiredCapacity/.test(text)
      ? CloudErrorCode.CAPACITY_OUT_OF_RANGE
      : CloudErrorCode.INVALID_ARGUMENT;
  } else if (/^InternalError|^UnknownError/.test(code)) retriable = true;
  return new CloudError(
    mapped,
    message,
    retriable === undefined ? { cause: error } : { cause: error, retriable },
  );
}
