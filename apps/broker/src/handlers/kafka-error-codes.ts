// Turns failures inside the broker (storage, ownership, lease) into the Kafka error code a client acts on:
// retriable ownership problems become NOT_LEADER_OR_FOLLOWER so clients refresh metadata and follow the
// partition; storage trouble that may clear becomes REQUEST_TIMED_OUT / KAFKA_STORAGE_ERROR.
import { ErrorCode } from "@cirrus/kafka-protocol";
import { isBrokerError } from "../errors.ts";

const storageCodes: Record<string, number> = {
  STREAM_FENCED: ErrorCode.NOT_LEADER_OR_FOLLOWER,
  STREAM_CLOSED: ErrorCode.NOT_LEADER_OR_FOLLOWER,
  STREAM_NOT_OPEN: ErrorCode.NOT_LEADER_OR_FOLLOWER,
  STREAM_NOT_FOUND: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  OFFSET_OUT_OF_RANGE: ErrorCode.OFFSET_OUT_OF_RANGE,
  BACKPRESSURE_TIMEOUT: ErrorCode.REQUEST_TIMED_OUT,
  RECORD_TOO_LARGE: ErrorCode.MESSAGE_TOO_LARGE,
  CORRUPT_DATA: ErrorCode.KAFKA_STORAGE_ERROR,
  WAL_IO_ERROR: ErrorCode.KAFKA_STORAGE_ERROR,
  UPSTREAM_UNAVAILABLE: ErrorCode.KAFKA_STORAGE_ERROR,
};

export function kafkaErrorCodeOf(error: unknown): number {
  if (isBrokerError(error, "PARTITION_NOT_OWNED") || isBrokerError(error, "LEASE_EXPIRED")) {
    return ErrorCode.NOT_LEADER_OR_FOLLOWER;
  }
  if (isBrokerError(error, "SHUTTING_DOWN")) return ErrorCode.NOT_LEADER_OR_FOLLOWER;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string" && code in storageCodes) return storageCodes[code]!;
  return ErrorCode.UNKNOWN_SERVER_ERROR;
}
