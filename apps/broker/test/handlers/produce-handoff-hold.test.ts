// A produce to a partition this broker is handing off (a move's source, after it stopped serving it) is refused
// only once the new leader is known here, so that the client's Metadata right after the refusal names the new
// leader instead of this broker again. Bounded: a successor that is never announced still gets the refusal.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { ErrorCode, encodeRecordBatch } from "@cirrus/kafka-protocol";
import type { BrokerServices } from "../../src/handlers/handler.ts";
import { HANDOFF_HOLD_MS, handleProduce } from "../../src/handlers/produce.ts";
import { PartitionRegistry } from "../../src/partitions/partition-registry.ts";
import { StreamCluster } from "../groups/stream-test-kit.ts";
import { standaloneServices } from "../helpers/standalone-services.ts";

/** A produce of one record to each of t's `partitions` (default: t-0); resolves with their answers. */
function produceAll(services: BrokerServices, partitions = [0]) {
  const context = {
    services,
    connection: { id: 1, remoteAddress: "test", closed: new AbortController().signal },
  } as Parameters<typeof handleProduce>[1];
  const partitionData = partitions.map((index) => ({
    index,
    records: encodeRecordBatch({ records: [{ value: "v" }] }),
  }));
  return handleProduce(
    { transactionalId: null, acks: -1, timeoutMs: 5_000, topicData: [{ name: "t", partitionData }] },
    context,
  ).then((answer) => answer!.responses[0]!.partitionResponses);
}

const produce = (services: BrokerServices) => produceAll(services).then((answers) => answers[0]!);

describe("produce to a partition being handed off", () => {
  it("answers NOT_LEADER_OR_FOLLOWER once the successor is known, not before", async () => {
    let known: () => void = () => {};
    const successor = new Promise<void>((resolve) => {
      known = resolve;
    });
    const asked: string[] = [];
    const services = standaloneServices({
      handoffOf: (topic, partition) => {
        asked.push(`${topic}-${partition}`);
        return successor;
      },
    });
    let answered = false;
    const answer = produce(services).then((a) => {
      answered = true;
      return a;
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(answered, false, "held while the successor is unknown");
    known();
    assert.equal((await answer).errorCode, ErrorCode.NOT_LEADER_OR_FOLLOWER);
    assert.deepEqual(asked, ["t-0"]);
  });

  it("refuses after HANDOFF_HOLD_MS when the successor is never announced", async () => {
    const services = standaloneServices({ handoffOf: () => new Promise<void>(() => {}) });
    const startedAt = performance.now();
    const answer = await produce(services);
    assert.equal(answer.errorCode, ErrorCode.NOT_LEADER_OR_FOLLOWER);
    assert.ok(performance.now() - startedAt >= HANDOFF_HOLD_MS - 5);
  });

  it("holds only the handed-off partition: the request's other partitions are appended at once", async () => {
    const streams = new StreamCluster();
    after(() => streams.close());
    const storage = await streams.openBroker(1);
    const streamId = await streams.createStream();
    const partitions = new PartitionRegistry({ openStream: (id, epoch) => storage.openStream(id, epoch) });
    await partitions.reconcile([{ topic: "t", topicId: "t-id", partition: 1, leaderEpoch: 1, streamId }]);
    let known: () => void = () => {};
    const successor = new Promise<void>((resolve) => {
      known = resolve;
    });
    const services = standaloneServices({
      partitions,
      handoffOf: (_topic, partition) => (partition === 0 ? successor : undefined),
    });
    const answer = produceAll(services, [0, 1]);
    // No timing: the append of t-1 is started (its offset taken) before handleProduce returns, hold or not.
    assert.equal(partitions.byName("t", 1)!.nextOffset, 1, "t-1 appended while t-0 is held");
    known();
    const [p0, p1] = await answer;
    assert.equal(p0!.errorCode, ErrorCode.NOT_LEADER_OR_FOLLOWER);
    assert.equal(p1!.errorCode, ErrorCode.NONE);
    assert.equal(p1!.baseOffset, 0n);
  });
});
