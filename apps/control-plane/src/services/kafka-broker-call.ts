import { ApiKey, ErrorCode, errorName } from "@cirrus/kafka-protocol";
import {
  authenticateIfRequired,
  KafkaClientConnection,
  KafkaConnectionError,
  SaslAuthenticationError,
} from "@cirrus/kafka-protocol/client";
import type { Db } from "../db/database.ts";
import { ApiError } from "../errors.ts";
import { controlPlaneKafkaCredential } from "./control-plane-kafka-credential.ts";

export const CONNECT_TIMEOUT_MS = 5_000;
export const REQUEST_TIMEOUT_MS = 15_000;

/**
 * Runs `use` on a fresh Kafka connection to a broker and closes it; a connection failure or timeout is a 503
 * UNAVAILABLE problem naming the broker. When the broker requires SASL the connection first authenticates as the
 * control plane (its own per-cluster SCRAM credential, which brokers treat as a super user); a refused
 * authentication is a 503 too (brokers learn a new credential within their security refresh interval).
 */
export async function withBrokerConnection<T>(
  db: Db,
  clusterId: string,
  broker: { brokerId: number; host: string; port: number },
  use: (connection: KafkaClientConnection) => Promise<T>,
): Promise<T> {
  let connection: KafkaClientConnection | undefined;
  try {
    connection = await KafkaClientConnection.open(broker.host, broker.port, {
      clientId: "cirrus-control-plane",
      connectTimeoutMs: CONNECT_TIMEOUT_MS,
    });
    await authenticateIfRequired(
      connection,
      await controlPlaneKafkaCredential(db, clusterId),
      REQUEST_TIMEOUT_MS,
    );
    return await use(connection);
  } catch (error) {
    if (error instanceof KafkaConnectionError || error instanceof SaslAuthenticationError)
      throw new ApiError("UNAVAILABLE", `broker ${broker.brokerId}: ${error.message}`, { cause: error });
    throw error;
  } finally {
    connection?.close();
  }
}

/** A Kafka error code in a broker's answer as a problem: 404 UNKNOWN_TOPIC for an unknown partition, else 503. */
export function kafkaProblem(code: number, what: string): ApiError {
  return new ApiError(
    code === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION ? "UNKNOWN_TOPIC" : "UNAVAILABLE",
    `${what}: the broker answered ${errorName(code)}`,
  );
}

/** One ListOffsets (read_uncommitted) for `parts`, all at one timestamp (-2 earliest, -1 latest, or a time). */
export function listOffsetsAt(
  c: KafkaClientConnection,
  parts: { topic: string; partition: number }[],
  timestamp: bigint,
) {
  const names = [...new Set(parts.map((p) => p.topic))];
  return c.request(
    ApiKey.ListOffsets,
    5,
    {
      replicaId: -1,
      isolationLevel: 0,
      topics: names.map((name) => ({
        name,
        partitions: parts
          .filter((p) => p.topic === name)
          .map((p) => ({ partitionIndex: p.partition, timestamp })),
      })),
    },
    REQUEST_TIMEOUT_MS,
  );
}
