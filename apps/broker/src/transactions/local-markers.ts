// Writing a transaction's marker into one partition, when this broker serves it: a data partition gets a
// control batch (marker-append.ts); a partition of the offsets topic gets its control batch from its group
// coordinator, which makes the producer's pending TxnOffsetCommit offsets current (commit) or drops them. Both the
// coordinator's own writes and the WriteTxnMarkers handler (markers sent here by another broker) use it.
import { ErrorCode } from "@cirrus/kafka-protocol";
import { OFFSETS_TOPIC } from "../groups/group-coordinator.ts";
import type { GroupShard } from "../groups/group-shard.ts";
import type { Partition } from "../partitions/partition.ts";
import { appendTxnMarker, type MarkerProducerState, type MarkerToAppend } from "./marker-append.ts";
import type { TxnPartition } from "./txn-state.ts";

export interface LocalMarkerDeps {
  readonly partitions: { byName(topic: string, partition: number): Partition | undefined };
  readonly producers: MarkerProducerState | undefined;
  readonly canAck: () => boolean;
  /** The group shard serving that offsets partition here, if one does. */
  readonly offsetsShard: (partition: number) => GroupShard | undefined;
}

/** The marker written into `p` (a Kafka error code), or undefined when this broker does not serve `p`. */
export function writeMarkerHere(
  deps: LocalMarkerDeps,
  p: TxnPartition,
  marker: MarkerToAppend,
): Promise<number> | undefined {
  if (p.topic === OFFSETS_TOPIC) {
    const shard = deps.offsetsShard(p.partition);
    return shard?.offsets.completeTxn(marker);
  }
  const local = deps.partitions.byName(p.topic, p.partition);
  if (!local) return undefined;
  if (!deps.producers) return Promise.resolve(ErrorCode.UNSUPPORTED_VERSION);
  return appendTxnMarker(local, deps.producers, marker, deps.canAck);
}
