// A produce to a partition whose producer state is still loading (just opened after a move or a restart)
// waits for the load instead of answering the retriable NOT_ENOUGH_REPLICAS: the client's first send after a
// move costs no retry backoff. Pipelined batches of one producer keep their order across the wait; a load that
// fails still answers the retriable error; a partition closed during the wait answers NOT_LEADER_OR_FOLLOWER.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { ErrorCode, encodeRecordBatch } from "@cirrus/kafka-protocol";
import { handleProduce } from "../../src/handlers/produce.ts";
import type { Partition } from "../../src/partitions/partition.ts";
import { PartitionRegistry } from "../../src/partitions/partition-registry.ts";
import { ProducerStateManager } from "../../src/producers/producer-state-manager.ts";
import { StreamCluster } from "../groups/stream-test-kit.ts";
import { standaloneServices } from "../helpers/standalone-services.ts";

const cluster = new StreamCluster();
after(() => cluster.close());

/** A producer-state manager whose loads start only once `release()` is called (or fail with `fail()`). */
class HeldLoads extends ProducerStateManager {
  release!: () => void;
  fail!: (error: Error) => void;
  readonly #held = new Promise<void>((resolve, reject) => {
    this.release = resolve;
    this.fail = reject;
  });
  loads = 0;

  override load(partition: Partition): Promise<void> {
    this.loads++;
    return this.#held.then(() => super.load(partition));
  }
}

const TOPIC_ID = "00000000000000000000000000000007";

async function servedPartition(gate: ProducerStateManager) {
  const storage = await cluster.openBroker(1);
  const streamId = await cluster.createStream();
  const partitions = new PartitionRegistry({ openStream: (id, epoch) => storage.openStream(id, epoch) });
  const result = await partitions.reconcile([
    { topic: "t", topicId: TOPIC_ID, partition: 0, leaderEpoch: 1, streamId },
  ]);
  assert.equal(result.opened, 1);
  const services = standaloneServices({ partitions, producers: gate });
  const context = {
    services,
    connection: { id: 1, remoteAddress: "test", closed: new AbortController().signal },
  } as Parameters<typeof handleProduce>[1];
  return { partitions, partition: partitions.byName("t", 0)!, context };
}

function produce(context: Parameters<typeof handleProduce>[1], baseSequence: number) {
  const records = encodeRecordBatch({
    producerId: 42n,
    producerEpoch: 0,
    baseSequence,
    records: [{ value: `a${baseSequence}` }, { value: `b${baseSequence}` }],
  });
  return handleProduce(
    {
      transactionalId: null,
      acks: -1,
      timeoutMs: 5_000,
      topicData: [{ name: "t", partitionData: [{ index: 0, records }] }],
    },
    context,
  ).then((answer) => answer!.responses[0]!.partitionResponses[0]!);
}

describe("produce while the producer state loads", () => {
  it("waits for the load and appends in arrival order instead of answering NOT_ENOUGH_REPLICAS", async () => {
    const gate = new HeldLoads();
    const { context } = await servedPartition(gate);
    const first = produce(context, 0);
    const second = produce(context, 2);
    let settled = false;
    void first.then(() => {
      settled = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(settled, false, "the produce waits while the state loads");
    gate.release();
    const [a, b] = await Promise.all([first, second]);
    assert.equal(a.errorCode, ErrorCode.NONE);
    assert.equal(b.errorCode, ErrorCode.NONE);
    assert.equal(a.baseOffset, 0n);
    assert.equal(b.baseOffset, 2n, "the second batch of the producer lands after the first");
    // The same batch again is a duplicate the loaded state recognises (idempotence kept across the wait).
    const again = await produce(context, 2);
    assert.equal(again.errorCode, ErrorCode.NONE);
    assert.equal(again.baseOffset, 2n);
  });

  it("answers the retriable NOT_ENOUGH_REPLICAS when the load fails", async () => {
    const gate = new HeldLoads();
    const { context } = await servedPartition(gate);
    const answer = produce(context, 0);
    gate.fail(new Error("object store down"));
    assert.equal((await answer).errorCode, ErrorCode.NOT_ENOUGH_REPLICAS);
  });

  it("answers NOT_LEADER_OR_FOLLOWER when the partition moved away during the wait", async () => {
    const gate = new HeldLoads();
    const { partitions, partition, context } = await servedPartition(gate);
    const answer = produce(context, 0);
    await partitions.closePartition(partition);
    gate.release();
    assert.equal((await answer).errorCode, ErrorCode.NOT_LEADER_OR_FOLLOWER);
  });
});
