// Maps S3 SDK failures (after the SDK's own retries) to ObjectStoreError codes.
import { ObjectStoreError, ObjectStoreErrorCode } from "./errors.ts";

interface S3ServiceErrorShape {
  name?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
}

export function mapS3Error(key: string, error: unknown): ObjectStoreError {
  if (error instanceof ObjectStoreError) return error;
  const shape = (error ?? {}) as S3ServiceErrorShape;
  const status = shape.$metadata?.httpStatusCode;
  const name = shape.name ?? shape.Code ?? "Error";
  if (name === "NoSuchBucket") {
    return new ObjectStoreError(ObjectStoreErrorCode.REQUEST_REFUSED, `bucket missing for ${key}`, {
      cause: error,
    });
  }
  if (status === 404 || name === "NoSuchKey" || name === "NotFound") {
    return new ObjectStoreError(ObjectStoreErrorCode.OBJECT_NOT_FOUND, `${key} not found`, { cause: error });
  }
  if (status === 416 || name === "InvalidRange") {
    return new ObjectStoreError(ObjectStoreErrorCode.INVALID_RANGE, `range not satisfiable for ${key}`, {
      cause: error,
    });
  }
  if (status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429) {
    return new ObjectStoreError(
      ObjectStoreErrorCode.REQUEST_REFUSED,
      `S3 refused ${key}: ${status} ${name}`,
      {
        cause: error,
      },
    );
  }
  // No answer from the service (a credential provider's or the network's failure): its own message says why.
  const why = shape.$metadata === undefined && error instanceof Error ? `: ${error.message}` : "";
  return new ObjectStoreError(
    ObjectStoreErrorCode.UNAVAILABLE,
    `S3 failed on ${key}: ${status ?? ""} ${name}${why}`,
    {
      cause: error,
    },
  );
}
