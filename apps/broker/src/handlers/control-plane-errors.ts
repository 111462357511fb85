// A failed control-plane call of an admin handler (topics, configs) as the Kafka error a client acts on.
import { ErrorCode } from "@cirrus/kafka-protocol";

/** A control-plane failure as the Kafka error a client acts on. */
export function controlPlaneError(error: unknown): { errorCode: number; errorMessage: string } {
  const code = (error as { code?: string } | null)?.code;
  const errorMessage = String((error as Error)?.message ?? error);
  const byCode: Record<string, number> = {
    TOPIC_ALREADY_EXISTS: ErrorCode.TOPIC_ALREADY_EXISTS,
    UNKNOWN_TOPIC: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
    INVALID_PARTITIONS: ErrorCode.INVALID_PARTITIONS,
    INVALID_REQUEST: ErrorCode.INVALID_REQUEST,
    TIMEOUT: ErrorCode.REQUEST_TIMED_OUT,
    NETWORK: ErrorCode.REQUEST_TIMED_OUT,
    SERVER_ERROR: ErrorCode.REQUEST_TIMED_OUT,
    RATE_LIMITED: ErrorCode.THROTTLING_QUOTA_EXCEEDED,
  };
  return { errorCode: (code ? byCode[code] : undefined) ?? ErrorCode.UNKNOWN_SERVER_ERROR, errorMessage };
}
