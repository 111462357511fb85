import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { ErrorCode, encodeRecordBatch, readRecordBatchHeader } from "@cirrus/kafka-protocol";
import type { Partition } from "../../src/partitions/partition.ts";
import { ProducerStateManager } from "../../src/producers/producer-state-manager.ts";
import { StreamCluster } from "../groups/stream-test-kit.ts";

const cluster = new StreamCluster();
after(() => cluster.close());

function idempotentBatch(
  producerId: bigint,
  producerEpoch: number,
  baseSequence: number,
  records = 3,
): Buffer {
  return encodeRecordBatch({
    producerId,
    producerEpoch,
    baseSequence,
    records: Array.from({ length: records }, (_, i) => ({ value: `v${baseSequence + i}` })),
  });
}

/** What the Produce handler does: admit, append, settle. Returns the verdict and the offset used. */
async function produce(gate: ProducerStateManager, partition: Partition, payload: Buffer) {
  const header = readRecordBatchHeader(payload);
  const offset = partition.nextOffset;
  const verdict =
    header.producerId < 0n ? { kind: "append" as const } : gate.admit(partition, header, offset);
  if (verdict.kind !== "append") return verdict;
  const count = header.lastOffsetDelta + 1;
  try {
    await partition.append([{ payload, count, maxTimestamp: Number(header.maxTimestamp) }]);
  } catch (error) {
    gate.settle(partition, header, offset, false);
    throw error;
  }
  gate.settle(partition, header, offset, true);
  return { kind: "appended" as const, offset };
}

describe("ProducerStateManager", () => {
  it("rebuilds producer state from the stream after a restart on another broker", async () => {
    const streamId = await cluster.createStream();
    const brokerA = await cluster.openBroker(1);
    const onA = await cluster.openPartition(brokerA, streamId, 1);
    const gateA = new ProducerStateManager();
    const loading = gateA.admit(onA, readRecordBatchHeader(idempotentBatch(5n, 0, 0)), 0);
    assert.equal(loading.kind === "reject" && loading.errorCode, ErrorCode.NOT_ENOUGH_REPLICAS);
    await gateA.load(onA);
    const offsets: number[] = [];
    for (let seq = 0; seq < 21; seq += 3) {
      const r = await produce(gateA, onA, idempotentBatch(5n, 0, seq));
      assert.equal(r.kind, "appended");
      if (r.kind === "appended") offsets.push(r.offset);
    }
    await produce(gateA, onA, encodeRecordBatch({ records: [{ value: "plain" }] }));
    await onA.close();

    const brokerB = await cluster.openBroker(2);
    const onB = await cluster.openPartition(brokerB, streamId, 2);
    const gateB = new ProducerStateManager();
    await gateB.load(onB);
    assert.deepEqual(
      await produce(gateB, onB, idempotentBatch(5n, 0, 18)),
      { kind: "duplicate", baseOffset: offsets[6] },
      "a retry of the last batch gets its original offset after the move",
    );
    const gap = await produce(gateB, onB, idempotentBatch(5n, 0, 30));
    assert.equal(gap.kind === "reject" && gap.errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    const old = await produce(gateB, onB, idempotentBatch(5n, 0, 0));
    assert.equal(old.kind === "reject" && old.errorCode, ErrorCode.DUPLICATE_SEQUENCE_NUMBER);
    const next = await produce(gateB, onB, idempotentBatch(5n, 0, 21));
    assert.deepEqual(
      next,
      { kind: "appended", offset: 22 },
      "7 batches of 3 plus one plain record before it",
    );
    assert.deepEqual(await produce(gateB, onB, idempotentBatch(5n, 1, 0)), { kind: "appended", offset: 25 });
    const zombie = await produce(gateB, onB, idempotentBatch(5n, 0, 24));
    assert.equal(zombie.kind === "reject" && zombie.errorCode, ErrorCode.INVALID_PRODUCER_EPOCH);
  });
});

describe("ProducerStateManager: producer expiry (Kafka's producer.id.expiration.ms)", () => {
  it("forgets an idle producer, but never one with a transaction open on the partition", async () => {
    const streamId = await cluster.createStream();
    const broker = await cluster.openBroker(1);
    const partition = await cluster.openPartition(broker, streamId, 1);
    let now = 1_000_000;
    const gate = new ProducerStateManager({ producerIdleExpiryMs: 5_000, now: () => now });
    await gate.load(partition);
    const txnBatch = (seq: number) =>
      encodeRecordBatch({
        producerId: 21n,
        producerEpoch: 0,
        baseSequence: seq,
        isTransactional: true,
        records: [{ value: `t${seq}` }],
      });
    assert.equal((await produce(gate, partition, txnBatch(0))).kind, "appended");
    assert.equal((await produce(gate, partition, idempotentBatch(22n, 0, 0))).kind, "appended");
    // Both silent far beyond the expiry (and the check interval); any admit runs the expiry.
    now += 3_600_000;
    assert.equal((await produce(gate, partition, idempotentBatch(23n, 0, 0))).kind, "appended");
    assert.equal(
      (await produce(gate, partition, txnBatch(1))).kind,
      "appended",
      "the open transaction's producer keeps its sequence",
    );
    const forgotten = await produce(gate, partition, idempotentBatch(22n, 0, 3));
    assert.equal(
      forgotten.kind === "reject" && forgotten.errorCode,
      ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
      "the idle idempotent producer was forgotten",
    );
    await partition.close();
  });
});
