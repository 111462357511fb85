// Metadata through the dispatcher and the real codec, against cluster metadata in memory, answered as Kafka's
// KafkaApis and KRaftMetadataCache answer it: internal topics flagged isInternal (v1+, the first version with
// the field) whether they exist or not, and a partition whose broker is not live LEADER_NOT_AVAILABLE with that
// broker as replica, ISR and offline replica (v0: only live replicas), the same lists DescribeTopicPartitions
// (API 75) answers.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ClusterMetadata } from "@cirrus/broker-api";
import { ApiKey, ErrorCode } from "@cirrus/kafka-protocol";
import { coreHandlers } from "../../src/handlers/registry.ts";
import { dispatchCall } from "../helpers/dispatch-call.ts";
import { standaloneServices } from "../helpers/standalone-services.ts";

const uuid = (n: number) => `00000000-0000-4000-8000-00000000000${n}`;
const partitions = (...leaders: number[]) =>
  leaders.map((leader, partition) => ({ partition, leaderBrokerId: leader, leaderEpoch: 4, streamId: 1 }));
/** Brokers 1 live, 3 fenced; alpha's partition 1 is on broker 3, its partition 2 not assigned yet. */
const metadata: ClusterMetadata = {
  clusterId: "c",
  version: 1,
  controllerBrokerId: 1,
  brokers: [
    { brokerId: 1, host: "h1", port: 9092, zone: "eu-1a", state: "ACTIVE" },
    { brokerId: 3, host: "h3", port: 9092, zone: "eu-1c", state: "FENCED" },
  ],
  topics: [
    { topicId: uuid(1), name: "alpha", configs: {}, partitions: partitions(1, 3, -1) },
    { topicId: uuid(2), name: "__consumer_offsets", configs: {}, partitions: partitions(1) },
  ],
};
const call = dispatchCall(coreHandlers, standaloneServices({ metadata: async () => metadata }));
const metadataOf = (version: number, topics: { name: string }[] | null) =>
  call(ApiKey.Metadata, version, { topics, allowAutoTopicCreation: false });

describe("Metadata", () => {
  it("flags internal topics isInternal among every topic (v1, v12), as admin listTopics filters by", async () => {
    for (const version of [1, 12]) {
      const answer = await metadataOf(version, null);
      assert.deepEqual(
        answer.topics.map((t) => [t.name, t.isInternal]),
        [
          ["alpha", false],
          ["__consumer_offsets", true],
        ],
        `v${version}`,
      );
    }
  });

  it("flags a named internal topic that does not exist as internal, an ordinary one not", async () => {
    const answer = await metadataOf(12, [{ name: "__transaction_state" }, { name: "beta" }]);
    assert.deepEqual(
      answer.topics.map((t) => [t.name, t.errorCode, t.isInternal]),
      [
        ["__transaction_state", ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, true],
        ["beta", ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, false],
      ],
    );
  });

  it("lists a partition's broker that is not live as replica, ISR and offline, LEADER_NOT_AVAILABLE", async () => {
    const answer = await metadataOf(12, [{ name: "alpha" }]);
    const [led, fenced, unassigned] = answer.topics[0]!.partitions;
    assert.deepEqual(led, {
      errorCode: ErrorCode.NONE,
      partitionIndex: 0,
      leaderId: 1,
      leaderEpoch: 4,
      replicaNodes: [1],
      isrNodes: [1],
      offlineReplicas: [],
    });
    assert.deepEqual(fenced, {
      errorCode: ErrorCode.LEADER_NOT_AVAILABLE,
      partitionIndex: 1,
      leaderId: -1,
      leaderEpoch: 4,
      replicaNodes: [3],
      isrNodes: [3],
      offlineReplicas: [3],
    });
    assert.deepEqual(unassigned, {
      errorCode: ErrorCode.LEADER_NOT_AVAILABLE,
      partitionIndex: 2,
      leaderId: -1,
      leaderEpoch: 4,
      replicaNodes: [],
      isrNodes: [],
      offlineReplicas: [],
    });
  });

  it("lists only live replicas at v0 (Kafka's errorUnavailableEndpoints)", async () => {
    const answer = await metadataOf(0, [{ name: "alpha" }]);
    assert.deepEqual(
      answer.topics[0]!.partitions.map((p) => [p.errorCode, p.leaderId, p.replicaNodes, p.isrNodes]),
      [
        [ErrorCode.NONE, 1, [1], [1]],
        [ErrorCode.LEADER_NOT_AVAILABLE, -1, [], []],
        [ErrorCode.LEADER_NOT_AVAILABLE, -1, [], []],
      ],
    );
  });

  it("answers the same leader and replica lists as DescribeTopicPartitions", async () => {
    const lists = (p: {
      leaderId: number;
      replicaNodes: number[];
      isrNodes: number[];
      offlineReplicas: number[];
    }) => [p.leaderId, p.replicaNodes, p.isrNodes, p.offlineReplicas];
    const viaMetadata = await metadataOf(12, null);
    const viaDescribe = await call(ApiKey.DescribeTopicPartitions, 0, {
      topics: [],
      responsePartitionLimit: 2000,
      cursor: null,
    });
    const byTopic = (topics: { name: string | null; partitions: Parameters<typeof lists>[0][] }[]) =>
      Object.fromEntries(topics.map((t) => [t.name, t.partitions.map(lists)]));
    assert.deepEqual(byTopic(viaMetadata.topics), byTopic(viaDescribe.topics));
    assert.deepEqual(
      viaDescribe.topics.map((t) => [t.name, t.isInternal]),
      viaMetadata.topics.map((t) => [t.name, t.isInternal]).reverse(),
    );
  });
});
