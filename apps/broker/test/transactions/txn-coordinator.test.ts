import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import type { ClusterMetadata } from "@cirrus/broker-api";
import { ErrorCode } from "@cirrus/kafka-protocol";
import { ManualClock } from "../../src/groups/clock.ts";
import type { Partition } from "../../src/partitions/partition.ts";
import {
  TRANSACTION_STATE_TOPIC,
  TxnCoordinator,
  txnPartitionFor,
} from "../../src/transactions/txn-coordinator.ts";
import type { TxnShard } from "../../src/transactions/txn-shard.ts";
import { TxnState } from "../../src/transactions/txn-state.ts";
import { StreamCluster } from "../groups/stream-test-kit.ts";
import { eventually, RecordingMarkers, settle } from "./txn-test-kit.ts";

const cluster = new StreamCluster();
after(() => cluster.close());

const metadata = (partitions: number): ClusterMetadata => ({
  clusterId: "c",
  version: 1,
  controllerBrokerId: 1,
  brokers: [],
  topics: [
    {
      topicId: "00000000000000000000000000000003",
      name: TRANSACTION_STATE_TOPIC,
      configs: {},
      partitions: Array.from({ length: partitions }, (_, partition) => ({
        partition,
        leaderBrokerId: 1,
        leaderEpoch: 1,
        streamId: partition,
      })),
    },
  ],
});

class FakeRegistry {
  readonly open = new Map<number, Partition>();
  byName(topic: string, partition: number): Partition | undefined {
    return topic === TRANSACTION_STATE_TOPIC ? this.open.get(partition) : undefined;
  }
}

let ids = 500n;
function coordinatorOn(
  registry: FakeRegistry,
  clock: ManualClock,
  markers: RecordingMarkers,
  brokerId = 2,
  idExpirationMs = 7 * 86_400_000,
) {
  return new TxnCoordinator(
    {
      partitions: registry,
      metadata: async () => metadata(1),
      brokerId: () => brokerId,
      markers,
      allocateProducerId: () => ids++,
    },
    { clock, markerRetryMs: 50, idExpirationMs },
  );
}

async function shardOf(coordinator: TxnCoordinator, id: string): Promise<TxnShard> {
  await coordinator.whenLoaded(0);
  const shard = await coordinator.shardFor(id);
  assert.ok(typeof shard !== "number", `expected a shard, got error ${shard}`);
  return shard;
}

describe("TxnCoordinator", () => {
  it("routes ids like Kafka and answers the retriable errors while it cannot serve", async () => {
    assert.equal(txnPartitionFor("hello", 50), 22);
    const none = new TxnCoordinator({
      partitions: new FakeRegistry(),
      metadata: async () => metadata(0),
      brokerId: () => 1,
      markers: new RecordingMarkers(),
      allocateProducerId: () => 1n,
    });
    assert.equal(await none.shardFor("t"), ErrorCode.COORDINATOR_NOT_AVAILABLE);
    const markers = new RecordingMarkers();
    assert.equal(
      await coordinatorOn(new FakeRegistry(), new ManualClock(), markers, 2).shardFor("t"),
      ErrorCode.NOT_COORDINATOR,
    );
    assert.equal(
      await coordinatorOn(new FakeRegistry(), new ManualClock(), markers, 1).shardFor("t"),
      ErrorCode.COORDINATOR_LOAD_IN_PROGRESS,
      "led here but not open yet",
    );
  });

  it("moves with its partition: the new owner replays the stream, completes a prepared commit and keeps fencing", async () => {
    const streamId = await cluster.createStream();
    const clock = new ManualClock();
    const brokerA = await cluster.openBroker(11);
    const registryA = new FakeRegistry();
    const partitionA = await cluster.openPartition(brokerA, streamId, 1, TRANSACTION_STATE_TOPIC, 0);
    registryA.open.set(0, partitionA);
    const markersA = new RecordingMarkers();
    const coordA = coordinatorOn(registryA, clock, markersA);
    const shardA = await shardOf(coordA, "tx");

    const init = await shardA.initProducerId("tx", 60_000);
    assert.equal(init.errorCode, ErrorCode.NONE);
    const other = await shardA.initProducerId("other", 60_000);
    await shardA.addPartitions("other", other.producerId, 0, [{ topic: "x", partition: 0 }]);
    await shardA.addPartitions("tx", init.producerId, 0, [
      { topic: "a", partition: 0 },
      { topic: "b", partition: 1 },
    ]);
    markersA.failures = 1_000; // broker A dies before writing the markers
    assert.equal(await shardA.endTxn("tx", init.producerId, 0, true), ErrorCode.NONE);
    await settle();
    // The move: A closes the partition, B opens it from the same stream.
    registryA.open.delete(0);
    await partitionA.close();
    coordA.close();

    const brokerB = await cluster.openBroker(12);
    const registryB = new FakeRegistry();
    registryB.open.set(0, await cluster.openPartition(brokerB, streamId, 2, TRANSACTION_STATE_TOPIC, 0));
    const markersB = new RecordingMarkers();
    const coordB = coordinatorOn(registryB, clock, markersB);
    const shardB = await shardOf(coordB, "tx");
    await eventually(() => shardB.get("tx")?.state === TxnState.CompleteCommit);
    assert.equal(shardB.get("tx")?.state, TxnState.CompleteCommit);
    assert.equal(markersB.written.length, 1);
    assert.equal(markersB.written[0]?.committed, true);
    assert.equal(markersB.written[0]?.coordinatorEpoch, 2, "markers carry the new owner's coordinator epoch");
    assert.equal(shardB.get("other")?.state, TxnState.Ongoing);
    // The zombie fencing state moved too: a new producer instance fences the old epoch.
    const again = await shardB.initProducerId("tx", 60_000);
    assert.equal(again.producerEpoch, 1);
    assert.equal(
      await shardB.addPartitions("tx", init.producerId, 0, [{ topic: "a", partition: 0 }]),
      ErrorCode.PRODUCER_FENCED,
    );
    // Timeouts keep running at the new owner (the sweep aborts "other").
    clock.advance(60_001);
    await coordB.sweep();
    await eventually(() => shardB.get("other")?.state === TxnState.CompleteAbort);
    assert.equal(shardB.get("other")?.state, TxnState.CompleteAbort);
    coordB.close();
    assert.equal(await shardB.initProducerId("z", 1000).then((r) => r.errorCode), ErrorCode.NOT_COORDINATOR);
  });

  it("the sweep expires an idle id with a tombstone in the stream; the next owner replays it and the id starts fresh", async () => {
    const streamId = await cluster.createStream();
    const clock = new ManualClock();
    const expiry = 60_000;
    const registryA = new FakeRegistry();
    const partitionA = await cluster.openPartition(
      await cluster.openBroker(21),
      streamId,
      1,
      TRANSACTION_STATE_TOPIC,
      0,
    );
    registryA.open.set(0, partitionA);
    const coordA = coordinatorOn(registryA, clock, new RecordingMarkers(), 2, expiry);
    const shardA = await shardOf(coordA, "idle");
    const old = await shardA.initProducerId("idle", 10_000);
    const busy = await shardA.initProducerId("busy", 900_000);
    await shardA.addPartitions("busy", busy.producerId, 0, [{ topic: "a", partition: 0 }]);
    clock.advance(expiry + 1);
    await coordA.sweep();
    assert.equal(shardA.get("idle"), undefined);
    assert.equal(shardA.get("busy")?.state, TxnState.Ongoing, "an ongoing transaction is never expired");
    registryA.open.delete(0);
    await partitionA.close();
    coordA.close();

    const registryB = new FakeRegistry();
    registryB.open.set(
      0,
      await cluster.openPartition(await cluster.openBroker(22), streamId, 2, TRANSACTION_STATE_TOPIC, 0),
    );
    const coordB = coordinatorOn(registryB, clock, new RecordingMarkers(), 2, expiry);
    const shardB = await shardOf(coordB, "idle");
    assert.equal(shardB.get("idle"), undefined, "the tombstone was replayed");
    assert.equal(shardB.get("busy")?.producerId, busy.producerId);
    const fresh = await shardB.initProducerId("idle", 10_000);
    assert.equal(fresh.errorCode, ErrorCode.NONE);
    assert.notEqual(fresh.producerId, old.producerId);
    assert.equal(fresh.producerEpoch, 0);
    coordB.close();
  });
});
