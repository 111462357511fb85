// A produce to a partition this broker is handing off (a move's source, after it stopped serving it) is refused
// only once the new leader is known here, so that the client's Metadata right after the refusal names the new
// leader instead of this broker again. Bounded: a successor that is never announced still gets the refusal.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ErrorCode, encodeRecordBatch } from "@cirrus/kafka-protocol";
import type { BrokerServices } from "../../src/handlers/handler.ts";
import { HANDOFF_HOLD_MS, handleProduce } from "../../src/handlers/produce.ts";
import { standaloneServices } from "../helpers/standalone-services.ts";

function produce(services: BrokerServices) {
  const context = {
    services,
    connection: { id: 1, remoteAddress: "test", closed: new AbortController().signal },
  } as Parameters<typeof handleProduce>[1];
  return handleProduce(
    {
      transactionalId: null,
      acks: -1,
      timeoutMs: 5_000,
      topicData: [
        {
          name: "t",
          partitionData: [{ index: 0, records: encodeRecordBatch({ records: [{ value: "v" }] }) }],
        },
      ],
    },
    context,
  ).then((answer) => answer!.responses[0]!.partitionResponses[0]!);
}

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
});
