// Metadata through the dispatcher and the real codec, against cluster metadata in memory, answered as Kafka's
// KafkaApis and KRaftMetadataCache answer it: internal topics flagged isInternal (v1+, the first version with
// the field) whether they exist or not, and a partition whose broker is not live LEADER_NOT_AVAILABLE with that
// broker as replica, ISR and offline replica (v0: only live replicas), the same lists DescribeTopicPartitions
// (API 75) answers.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ApiKey, ErrorCode } from "@cirrus/kafka-protocol";
import { coreHandlers } from "../../src/handlers/registry.ts";
import { metadata } from "../helpers/cluster-metadata-fixture.ts";
import { dispatchCall } from "../helpers/dispatch-call.ts";
import { standaloneServices } from "../helpers/standalone-services.ts";

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
          ["beta", false],
          ["alpha", false],
          ["gamma", false],
          ["__consumer_offsets", true],
        ],
        `v${version}`,
      );
    }
  });

  it("flags a named internal topic that does not exist as internal, an ordinary one not", async () => {
    const answer = await metadataOf(12, [{ name: "__transaction_state" }, { name: "delta" }]);
    assert.deepEqual(
      answer.topics.map((t) => [t.name, t.errorCode, t.isInternal]),
      [
        ["__transaction_state", ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, true],
        ["delta", ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, false],
      ],
    );
  });

  it("lists a partition's broker that is not live as replica, ISR and offline, LEADER_NOT_AVAILABLE", async () => {
    const answer = await metadataOf(12, [{ name: "beta" }]);
    const [led, , , fenced, unassigned] = answer.topics[0]!.partitions;
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
      partitionIndex: 3,
      leaderId: -1,
      leaderEpoch: 4,
      replicaNodes: [3],
      isrNodes: [3],
      offlineReplicas: [3],
    });
    assert.deepEqual(unassigned, {
      errorCode: ErrorCode.LEADER_NOT_AVAILABLE,
      partitionIndex: 4,
      leaderId: -1,
      leaderEpoch: 4,
      replicaNodes: [],
      isrNodes: [],
      offlineReplicas: [],
    });
  });

  it("lists only live replicas at v0 (Kafka's errorUnavailableEndpoints)", async () => {
    const answer = await metadataOf(0, [{ name: "beta" }]);
    assert.deepEqual(
      answer.topics[0]!.partitions.map((p) => [p.errorCode, p.leaderId, p.replicaNodes, p.isrNodes]),
      [
        [ErrorCode.NONE, 1, [1], [1]],
        [ErrorCode.NONE, 2, [2], [2]],
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
    const flags = (topics: { name: string | null; isInternal: boolean }[]) =>
      Object.fromEntries(topics.map((t) => [t.name, t.isInternal]));
    assert.deepEqual(flags(viaMetadata.topics), flags(viaDescribe.topics));
  });
});
