// Rebuilds a partition's transaction index (partition-txn-index.ts) and the epochs its markers fenced by
// reading every stored batch header from the log start: transactional batches open their producer's
// transaction, control batches (markers) close it. Checkpoints do not carry this yet, so it is a full scan
// of batch headers on every open of a partition (see producers/README in groups/README.md).
import {
  ControlRecordType,
  readControlRecordType,
  readRecordBatchHeader,
  splitRecordBatches,
} from "@cirrus/kafka-protocol";
import { contiguousRecords } from "../partitions/contiguous-records.ts";
import { PartitionTxnIndex } from "./partition-txn-index.ts";
import type { ReadablePartition } from "./producer-state-manager.ts";

export interface RebuiltTxns {
  readonly index: PartitionTxnIndex;
  /** Per producer, the epoch of its newest marker. */
  readonly markerEpochs: Map<bigint, number>;
}

export async function rebuildTxnIndex(partition: ReadablePartition, readBytes: number): Promise<RebuiltTxns> {
  const index = new PartitionTxnIndex();
  const markerEpochs = new Map<bigint, number>();
  const from = partition.logStartOffset;
  for await (const records of contiguousRecords(partition, from, partition.highWatermark, readBytes)) {
    for (const record of records) {
      for (const batch of splitRecordBatches(record.payload)) {
        const header = readRecordBatchHeader(batch);
        if (!header.isTransactional || header.producerId < 0n) continue;
        const baseOffset = Number(header.baseOffset);
        if (!header.isControl) {
          if (baseOffset >= from) index.begin(header.producerId, baseOffset);
          continue;
        }
        const type = readControlRecordType(batch);
        if (type === undefined) continue;
        index.end(header.producerId, baseOffset, type === ControlRecordType.Commit);
        const known = markerEpochs.get(header.producerId);
        if (known === undefined || header.producerEpoch > known)
          markerEpochs.set(header.producerId, header.producerEpoch);
      }
    }
  }
  index.forgetBelow(from);
  return { index, markerEpochs };
}
