// A move's source refuses writes to the partition it hands off (NOT_LEADER_OR_FOLLOWER) only once it knows the
// new leader (issue 14, the write-unavailable window): a client's Metadata right after the refusal, to that same
// broker, names the target. Had it refused at once, that Metadata would still name the source (the control plane
// announces the target only after it opened the stream), and clients would retry the source until their
// metadata aged out. The refusal (Produce v11) also names the target and its endpoint (KIP-951), so a Java client
// 3.7+ retries there without waiting for Metadata. Raw Produce (acks=1) and Metadata requests on one connection
// to the source.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { ApiKey, ErrorCode, encodeRecordBatch, type ResponseBodies } from "@cirrus/kafka-protocol";
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
          11,
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
        lastAnswer = answer;
        return answer.responses[0]!.partitionResponses[0]!.errorCode;
      };
      const partitionMetadata = async () => {
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
        return metadata.topics.find((t) => t.name === TOPIC)?.partitions[0];
      };
      let lastAnswer: ResponseBodies[typeof ApiKey.Produce] | undefined;
      // The source takes writes before the move (once it has opened the new topic's partition).
      await waitFor(
        "a write acknowledged by the source",
        async () => (await produce()) === ErrorCode.NONE || undefined,
        30_000,
      );
      // Java clients take a named leader only with a newer epoch than the one they hold (Metadata.updatePartitionLeadership).
      const epochBefore = (await partitionMetadata())!.leaderEpoch;
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
      const refused = lastAnswer!;
      const target = cluster.brokers.find((b) => b.brokerId === targetId)!;
      assert.equal(refused.responses[0]!.partitionResponses[0]!.currentLeader.leaderId, targetId);
      assert.deepEqual(
        refused.nodeEndpoints.map((n) => [n.nodeId, n.host, n.port]),
        [[targetId, target.host, target.port]],
        "the refusal carries the target's endpoint",
      );
      const namedEpoch = refused.responses[0]!.partitionResponses[0]!.currentLeader.leaderEpoch;
      const partition = await partitionMetadata();
      assert.equal(partition?.leaderId, targetId, "the Metadata right after the refusal names the target");
      assert.equal(namedEpoch, partition?.leaderEpoch, "the refusal names the target's epoch");
      assert.ok(namedEpoch > epochBefore, `epoch ${namedEpoch} after the move, ${epochBefore} before`);
    } finally {
      connection.close();
    }
  });
});
