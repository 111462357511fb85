import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import {
  ErrorCode,
  encodeEndTxnMarker,
  encodeRecordBatch,
  readRecordBatchHeader,
} from "@cirrus/kafka-protocol";
import type { Partition } from "../../src/partitions/partition.ts";
import { PartitionTxnIndex } from "../../src/producers/partition-txn-index.ts";
import { ProducerStateManager } from "../../src/producers/producer-state-manager.ts";
import { appendTxnMarker } from "../../src/transactions/marker-append.ts";
import { StreamCluster } from "../groups/stream-test-kit.ts";

const cluster = new StreamCluster();
after(() => cluster.close());

describe("PartitionTxnIndex", () => {
  it("the LSO is the first offset of the oldest open transaction; aborted ones are listed by range", () => {
    const index = new PartitionTxnIndex();
    assert.equal(index.lastStableOffset(10), 10);
    assert.equal(index.begin(7n, 3), true);
    assert.equal(index.begin(7n, 5), false, "the transaction is already open");
    index.begin(8n, 4);
    assert.equal(index.lastStableOffset(10), 3);
    index.end(7n, 6, false);
    assert.equal(index.lastStableOffset(10), 4);
    index.end(8n, 9, true);
    assert.equal(index.lastStableOffset(12), 12);
    index.end(8n, 11, true); // a retried marker: nothing open, ignored
    assert.deepEqual(index.abortedIn(0, 12), [{ producerId: 7n, firstOffset: 3, lastOffset: 6 }]);
    assert.deepEqual(index.abortedIn(7, 12), [], "marker before the fetch");
    assert.deepEqual(index.abortedIn(0, 3), [], "starts after the fetched range");
    index.begin(9n, 20);
    index.undoBegin(9n, 20);
    assert.equal(index.lastStableOffset(30), 30, "an unstored batch opens nothing");
    index.forgetBelow(7);
    assert.deepEqual(index.abortedIn(0, 100), []);
  });
});

function txnBatch(producerId: bigint, producerEpoch: number, baseSequence: number, value: string): Buffer {
  return encodeRecordBatch({
    producerId,
    producerEpoch,
    baseSequence,
    isTransactional: true,
    records: [{ value }],
  });
}

async function produce(gate: ProducerStateManager, partition: Partition, payload: Buffer) {
  const header = readRecordBatchHeader(payload);
  const offset = partition.nextOffset;
  const verdict = gate.admit(partition, header, offset);
  if (verdict.kind !== "append") return verdict;
  await partition.append([{ payload, count: header.lastOffsetDelta + 1, maxTimestamp: 0 }]);
  gate.settle(partition, header, offset, true);
  return { kind: "appended" as const, offset };
}

describe("transactions on a partition (ProducerStateManager + markers)", () => {
  it("opens at the first batch, closes at the marker, fences older epochs, and is rebuilt by a new owner", async () => {
    const streamId = await cluster.createStream();
    const onA = await cluster.openPartition(await cluster.openBroker(21), streamId, 1);
    const gate = new ProducerStateManager();
    await gate.load(onA);
    assert.equal(
      (await produce(gate, onA, encodeRecordBatch({ records: [{ value: "plain" }] }))).kind,
      "appended",
    );
    await onA.append([
      { payload: encodeRecordBatch({ records: [{ value: "plain" }] }), count: 1, maxTimestamp: 0 },
    ]);
    const first = await produce(gate, onA, txnBatch(40n, 0, 0, "aborted-1"));
    assert.equal(first.kind, "appended");
    await produce(gate, onA, txnBatch(40n, 0, 1, "aborted-2"));
    const open = await produce(gate, onA, txnBatch(41n, 3, 0, "open"));
    assert.equal(
      gate.transactions(onA)?.lastStableOffset(onA.highWatermark),
      2,
      "held at the first open batch",
    );

    const abort = { producerId: 40n, producerEpoch: 1, committed: false, coordinatorEpoch: 5 };
    assert.equal(await appendTxnMarker(onA, gate, abort, () => true), ErrorCode.NONE);
    assert.equal(
      gate.transactions(onA)?.lastStableOffset(onA.highWatermark),
      open.kind === "appended" ? open.offset : -1,
      "now held by producer 41 only",
    );
    // The abort was written with the coordinator's bumped epoch 1: the zombie at epoch 0 is fenced here.
    const zombie = await produce(gate, onA, txnBatch(40n, 0, 2, "zombie"));
    assert.equal(zombie.kind === "reject" && zombie.errorCode, ErrorCode.INVALID_PRODUCER_EPOCH);
    // A marker of an older epoch than the producer's here comes from a superseded decision.
    assert.equal(
      await appendTxnMarker(onA, gate, { ...abort, producerEpoch: 0 }, () => true),
      ErrorCode.INVALID_PRODUCER_EPOCH,
    );
    assert.equal(await appendTxnMarker(onA, gate, abort, () => false), ErrorCode.NOT_LEADER_OR_FOLLOWER);
    const commit = { producerId: 41n, producerEpoch: 3, committed: true, coordinatorEpoch: 5 };
    assert.equal(await appendTxnMarker(onA, gate, commit, () => true), ErrorCode.NONE);
    assert.equal(gate.transactions(onA)?.lastStableOffset(onA.highWatermark), onA.highWatermark);
    const aborted = gate.transactions(onA)?.abortedIn(0, onA.highWatermark);
    assert.deepEqual(aborted, [{ producerId: 40n, firstOffset: 2, lastOffset: 5 }]);
    // The new epoch starts over at sequence 0.
    assert.equal((await produce(gate, onA, txnBatch(40n, 1, 0, "next"))).kind, "appended");
    const end = onA.highWatermark;
    await onA.close();

    // Another broker opens the partition: the same index from the stored batches and markers.
    const onB = await cluster.openPartition(await cluster.openBroker(22), streamId, 2);
    const gateB = new ProducerStateManager();
    assert.equal(gateB.transactions(onB), undefined, "undefined while it loads");
    await gateB.load(onB);
    assert.equal(onB.highWatermark, end);
    assert.deepEqual(gateB.transactions(onB)?.abortedIn(0, end), aborted);
    assert.equal(
      gateB.transactions(onB)?.lastStableOffset(end),
      end - 1,
      "producer 40's new transaction is open",
    );
    const zombieB = await produce(gateB, onB, txnBatch(40n, 0, 3, "zombie"));
    assert.equal(zombieB.kind === "reject" && zombieB.errorCode, ErrorCode.INVALID_PRODUCER_EPOCH);
    await onB.close();
  });

  it("control batches decode as Kafka's EndTxnMarker", () => {
    const batch = encodeEndTxnMarker({
      producerId: 9n,
      producerEpoch: 2,
      committed: true,
      coordinatorEpoch: 7,
      timestamp: 5n,
    });
    const header = readRecordBatchHeader(batch);
    assert.deepEqual(
      [header.isControl, header.isTransactional, header.producerId, header.producerEpoch],
      [true, true, 9n, 2],
    );
  });
});
