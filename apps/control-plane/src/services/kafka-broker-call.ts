import { ErrorCode, errorName } from "@cirrus/kafka-protocol";
import { KafkaClientConnection, KafkaConnectionError } from "@cirrus/kafka-protocol/client";
import { ApiError } from "../errors.ts";

export const CONNECT_TIMEOUT_MS = 5_000;
export const REQUEST_TIMEOUT_MS = 15_000;

/**
 * Runs `use` on a fresh Kafka connection to a broker and closes it; a connection failure or timeout is a 503
 * UNAVAILABLE problem naming the broker.
 */
export async function withBrokerConnection<T>(
  broker: { brokerId: number; host: string; port: number },
  use: (connection: KafkaClientConnection) => Promise<T>,
): Promise<T> {
  let connection: KafkaClientConnection | undefined;
  try {
    connection = await KafkaClientConnection.open(broker.host, broker.port, {
      clientId: "cirrus-control-plane",
      connectTimeoutMs: CONNECT_TIMEOUT_MS,
    });
    return await use(connection);
  } catch (error) {
    if (error instanceof KafkaConnectionError)
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
