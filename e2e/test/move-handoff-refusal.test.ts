// A move's source refuses writes to the partition it hands off (NOT_LEADER_OR_FOLLOWER) only once it knows the
// new leader (issue 14, the write-unavailable window): a client's Metadata right after the refusal, to that same
// broker, names the target. Had it refused at once, that Metadata would still name the source (the control plane
// announces the target only after it opened the stream), and clients would retry the source until their
// metadata aged out. Raw Produce (v9, acks=1) and Metadata requests on one connection to the source.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { ApiKey, ErrorCode, encodeRecordBatch } from "@cirrus/kafka-protocol";
import { KafkaClientConnection } from "@cirrus/kafka-protocol/client";
import { createTopicViaApi, partitionLeaders } from "../harness/clients/cluster-topics.ts";
import { type StartedCluster, startCluster, waitFor } from "../harness/cluster.ts";

const TOPIC = "move-handoff-refusal";
const TIMEOUT_MS = 10_000;

let cluster: StartedCluster;

before(async () => {
  cluster = await startCluster({ brokers: 2, env: { AUTO_REBALANCE_SETTLE_MS: "3600000" } });
  await createTopicViaApi(cluster, TOPIC, 1);
});
after(async () => {
  const { orphans } = await cluster.stop();
  assert.equal(orphans, 0);
});

describe("a move's source refusing writes", { timeout: 120_000 }, () => {
  test("refuses once the target is known: its next Metadata names the target", async () => {
    const [sourceId] = await partitionLeaders(cluster, TOPIC);
    const source = cluster.brokers.find((b) => b.brokerId === sourceId)!;
    const targetId = cluster.brokers.find((b) => b.brokerId !== sourceId)!.brokerId;
    const connection = await KafkaClientConnection.open(source.host, source.port, {
      clientId: "cirrus-e2e-handoff-refusal",
      connectTimeoutMs: TIMEOUT_MS,
    });
    try {
      const produce = async () => {
        const answer = await connection.request(
          ApiKey.Produce,
          9,
          {
            transactionalId: null,
            acks: 1,
            timeoutMs: TIMEOUT_MS,
            topicData: [
              {
                name: TOPIC,
                partitionData: [{ index: 0, records: encodeRecordBatch({ records: [{ value: "v" }] }) }],
              },
            ],
          },
          TIMEOUT_MS,
        );
        return answer.responses[0]!.partitionResponses[0]!.errorCode;
      };
      // The source takes writes before the move (once it has opened the new topic's partition).
      await waitFor(
        "a write acknowledged by the source",
        async () => (await produce()) === ErrorCode.NONE || undefined,
        30_000,
      );
      const moved = await cluster.api<{ id: string }>(
        "POST",
        `/v1/clusters/${cluster.clusterId}/partitions/moves`,
        { moves: [{ topic: TOPIC, partition: 0, to: targetId }] },
      );
      assert.equal(moved.status, 202, JSON.stringify(moved.body));
      let refusal: number | undefined;
      await waitFor(
        "the source refusing the partition",
        async () => {
          const code = await produce();
          if (code !== ErrorCode.NONE) refusal = code;
          return refusal !== undefined || undefined;
        },
        30_000,
      );
      assert.equal(refusal, ErrorCode.NOT_LEADER_OR_FOLLOWER);
      const metadata = await connection.request(
        ApiKey.Metadata,
        9,
        {
          topics: [{ name: TOPIC }],
          allowAutoTopicCreation: false,
          includeClusterAuthorizedOperations: false,
          includeTopicAuthorizedOperations: false,
        },
        TIMEOUT_MS,
      );
      const leader = metadata.topics.find((t) => t.name === TOPIC)?.partitions[0]?.leaderId;
      assert.equal(leader, targetId, "the Metadata right after the refusal names the target");
    } finally {
      connection.close();
    }
  });
});
