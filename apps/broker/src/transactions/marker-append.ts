// Writing one commit/abort marker into a partition this broker leads: the control batch goes through the
// same append as data (WAL, then object storage), and once durable the partition's transaction index ends
// the producer's transaction (its LSO moves on; an abort is listed for read_committed fetches) and older
// epochs of the producer are fenced here.
import { ErrorCode, encodeEndTxnMarker } from "@cirrus/kafka-protocol";
import { kafkaErrorCodeOf } from "../handlers/kafka-error-codes.ts";
import type { Partition } from "../partitions/partition.ts";

/** The producer-state calls a marker needs (ProducerStateManager). */
export interface MarkerProducerState {
  checkMarker(partition: Partition, producerId: bigint, producerEpoch: number): number;
  markerWritten(
    partition: Partition,
    producerId: bigint,
    producerEpoch: number,
    offset: number,
    committed: boolean,
  ): void;
}

export interface MarkerToAppend {
  readonly producerId: bigint;
  readonly producerEpoch: number;
  readonly committed: boolean;
  readonly coordinatorEpoch: number;
}

/** Appends the marker; resolves with a Kafka error code (NONE once durable), never rejects. */
export async function appendTxnMarker(
  partition: Partition,
  producers: MarkerProducerState,
  marker: MarkerToAppend,
  canAck: () => boolean,
): Promise<number> {
  if (partition.closed || !canAck()) return ErrorCode.NOT_LEADER_OR_FOLLOWER;
  const check = producers.checkMarker(partition, marker.producerId, marker.producerEpoch);
  if (check !== ErrorCode.NONE) return check;
  const timestamp = Date.now();
  const payload = encodeEndTxnMarker({ ...marker, timestamp: BigInt(timestamp) });
  try {
    const offset = await partition.append([{ payload, count: 1, maxTimestamp: timestamp }]);
    producers.markerWritten(partition, marker.producerId, marker.producerEpoch, offset, marker.committed);
  } catch (error) {
    return kafkaErrorCodeOf(error);
  }
  return canAck() ? ErrorCode.NONE : ErrorCode.NOT_LEADER_OR_FOLLOWER;
}
