// Rebuilds a partition's transaction index (partition-txn-index.ts) and the epochs its markers fenced by
// reading every stored batch header from the log start: transactional batches open their producer's
// transaction (not an empty one: the log cleaner emptied it after its transaction ended), control batches
// (markers) close it; batches below the log start (in a stored record that
// straddles it) are not looked at. This is the full scan, the reference: opening a partition uses its
// checkpoint plus the tail (txn-log-state.ts in partitions/partition-log-state.ts), which must always
// equal this (tests and benchmarks compare them).
import {
  ControlRecordType,
  readControlRecordType,
  readRecordBatchHeader,
  splitRecordBatches,
} from "@cirrus/kafka-protocol";
import { contiguousRecords } from "../partitions/contiguous-records.ts";
import { type MarkerStamp, nextMarkerStamp } from "./partition-producer-state.ts";
import { PartitionTxnIndex } from "./partition-txn-index.ts";
import type { ReadablePartition } from "./producer-state-manager.ts";

export interface RebuiltTxns {
  readonly index: PartitionTxnIndex;
  /** Per producer, the epoch of its newest marker and when its newest marker was written. */
  readonly markerEpochs: Map<bigint, MarkerStamp>;
}

export async function rebuildTxnIndex(partition: ReadablePartition, readBytes: number): Promise<RebuiltTxns> {
  const index = new PartitionTxnIndex();
  const markerEpochs = new Map<bigint, MarkerStamp>();
  const from = partition.logStartOffset;
  for await (const records of contiguousRecords(partition, from, partition.highWatermark, readBytes)) {
    for (const record of records) {
      for (const batch of splitRecordBatches(record.payload)) {
        const header = readRecordBatchHeader(batch);
        if (!header.isTransactional || header.producerId < 0n) continue;
        const baseOffset = Number(header.baseOffset);
        if (baseOffset < from) continue;
        if (!header.isControl) {
          // An empty batch is the log cleaner's (its transaction had ended): it opens nothing.
          if (header.recordCount > 0) index.begin(header.producerId, baseOffset);
          continue;
        }
        const type = readControlRecordType(batch);
        if (type === undefined) continue;
        index.end(header.producerId, baseOffset, type === ControlRecordType.Commit);
        const known = markerEpochs.get(header.producerId);
        const stamp = nextMarkerStamp(known, header.producerEpoch, Number(header.maxTimestamp));
        if (stamp) markerEpochs.set(header.producerId, stamp);
      }
    }
  }
  index.forgetBelow(from);
  return { index, markerEpochs };
}
