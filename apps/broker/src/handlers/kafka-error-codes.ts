// Turns failures inside the broker (storage, ownership, lease) into the Kafka error code a client acts on:
// retriable ownership problems become NOT_LEADER_OR_FOLLOWER so clients refresh metadata and follow the
// partition; storage trouble that may clear becomes REQUEST_TIMED_OUT / KAFKA_STORAGE_ERROR. Broken topic
// rules (admin requests) become the code Kafka answers them with.
import { TopicRule } from "@cirrus/broker-api";
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

const topicRuleCodes: Record<TopicRule, number> = {
  [TopicRule.NAME]: ErrorCode.INVALID_TOPIC_EXCEPTION,
  [TopicRule.PARTITIONS]: ErrorCode.INVALID_PARTITIONS,
  [TopicRule.CONFIG]: ErrorCode.INVALID_CONFIG,
  // Kafka refuses creating its own internal topic (__cluster_metadata) with INVALID_REQUEST: "Creation of
  // internal topic ... is prohibited". TOPIC_AUTHORIZATION_FAILED would send the user to their ACLs.
  [TopicRule.INTERNAL_TOPIC]: ErrorCode.INVALID_REQUEST,
  [TopicRule.DUPLICATE_CONFIG]: ErrorCode.INVALID_REQUEST,
};

/** The Kafka error code of a broken topic rule (@cirrus/broker-api's topic-rules). */
export function kafkaErrorCodeOfTopicRule(rule: TopicRule): number {
  return topicRuleCodes[rule];
}
