// KIP-951: a Produce (v10+) or Fetch (v16+) partition refused with NOT_LEADER_OR_FOLLOWER names the broker that
// leads it now (currentLeader) and the response that broker's endpoint (nodeEndpoints), through the real codec —
// but only when another live broker is known to lead it: never this broker, a fenced one or a guess.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import type { ClusterMetadata } from "@cirrus/broker-api";
import { ApiKey, ErrorCode, encodeRecordBatch } from "@cirrus/kafka-protocol";
import { viewOf } from "../../src/cluster/metadata-cache.ts";
import { handleProduce } from "../../src/handlers/produce.ts";
import { coreHandlers } from "../../src/handlers/registry.ts";
import { toWireTopicId } from "../../src/handlers/topic-ids.ts";
import { PartitionRegistry } from "../../src/partitions/partition-registry.ts";
import { StreamCluster } from "../groups/stream-test-kit.ts";
import { dispatchCall } from "../helpers/dispatch-call.ts";
import { standaloneServices } from "../helpers/standalone-services.ts";

const TOPIC_ID = "6a1f3c2e-0b1d-4c5e-9f00-1234567890ab";

/** Broker 1 (this one) serves nothing; t-0 is led by broker `leader` at epoch 7. */
function cluster(leader: number, leaderState: "ACTIVE" | "FENCED" = "ACTIVE"): ClusterMetadata {
  return {
    clusterId: "c",
    version: 2,
    controllerBrokerId: 1,
    brokers: [
      { brokerId: 1, host: "b1.local", port: 9092, zone: "az-a", state: "ACTIVE" },
      { brokerId: 2, host: "b2.local", port: 9093, zone: "az-b", state: leaderState },
    ],
    topics: [
      {
        topicId: TOPIC_ID,
        name: "t",
        configs: {},
        partitions: [
          { partition: 0, leaderBrokerId: leader, leaderEpoch: 7, streamId: 10 },
          { partition: 1, leaderBrokerId: -1, leaderEpoch: 0, streamId: 11 },
        ],
      },
    ],
  };
}

function call(metadata: ClusterMetadata) {
  const services = standaloneServices({
    metadata: async () => metadata,
    cachedMetadata: () => viewOf(metadata),
  });
  return dispatchCall(coreHandlers, services);
}

const records = () => encodeRecordBatch({ records: [{ value: "v" }] });

function produceBody(partitions: number[]) {
  return {
    transactionalId: null,
    acks: -1,
    timeoutMs: 5_000,
    topicData: [{ name: "t", partitionData: partitions.map((index) => ({ index, records: records() })) }],
  };
}

function fetchBody(partitions: number[]) {
  return {
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 1,
    forgottenTopicsData: [],
    topics: [
      {
        topic: "t",
        topicId: toWireTopicId(TOPIC_ID),
        partitions: partitions.map((partition) => ({
          partition,
          currentLeaderEpoch: -1,
          fetchOffset: 0n,
          lastFetchedEpoch: -1,
          logStartOffset: -1n,
          partitionMaxBytes: 1 << 20,
        })),
      },
    ],
  };
}

const B2 = { nodeId: 2, host: "b2.local", port: 9093, rack: "az-b" };

describe("KIP-951 leader hints", () => {
  it("Produce v10+ names the new leader and its endpoint on NOT_LEADER_OR_FOLLOWER", async () => {
    for (const version of [10, 11]) {
      const answer = await call(cluster(2))(ApiKey.Produce, version, produceBody([0, 1]));
      const [p0, p1] = answer.responses[0]!.partitionResponses;
      assert.equal(p0!.errorCode, ErrorCode.NOT_LEADER_OR_FOLLOWER);
      assert.deepEqual(p0!.currentLeader, { leaderId: 2, leaderEpoch: 7 });
      // t-1 has no leader: refused the same way, but no leader is named (the decoder's default).
      assert.equal(p1!.errorCode, ErrorCode.NOT_LEADER_OR_FOLLOWER);
      assert.deepEqual(p1!.currentLeader, { leaderId: -1, leaderEpoch: -1 });
      assert.deepEqual(answer.nodeEndpoints, [B2]);
    }
  });

  it("Produce below v10 is answered as before (the handler adds nothing)", async () => {
    const metadata = cluster(2);
    const services = standaloneServices({
      metadata: async () => metadata,
      cachedMetadata: () => viewOf(metadata),
    });
    const context = {
      apiVersion: 9,
      services,
      connection: { id: 1, remoteAddress: "test", closed: new AbortController().signal },
    } as Parameters<typeof handleProduce>[1];
    const answer = (await handleProduce(produceBody([0]), context))!;
    assert.equal(answer.responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.NOT_LEADER_OR_FOLLOWER);
    assert.equal("currentLeader" in answer.responses[0]!.partitionResponses[0]!, false);
    assert.equal("nodeEndpoints" in answer, false);
  });

  it("names no leader that is this broker, a fenced broker, or when no metadata is cached", async () => {
    const none = { leaderId: -1, leaderEpoch: -1 };
    for (const metadata of [cluster(1), cluster(2, "FENCED")]) {
      const answer = await call(metadata)(ApiKey.Produce, 11, produceBody([0]));
      assert.equal(answer.responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.NOT_LEADER_OR_FOLLOWER);
      assert.deepEqual(answer.responses[0]!.partitionResponses[0]!.currentLeader, none);
      assert.deepEqual(answer.nodeEndpoints, []);
    }
    const services = standaloneServices({
      metadata: async () => cluster(2),
      cachedMetadata: () => undefined,
    });
    const answer = await dispatchCall(coreHandlers, services)(ApiKey.Produce, 11, produceBody([0]));
    assert.deepEqual(answer.responses[0]!.partitionResponses[0]!.currentLeader, none);
    assert.deepEqual(answer.nodeEndpoints, []);
  });

  it("Fetch v16 (by topic id) names the new leader and its endpoint; v15 does not", async () => {
    const v16 = await call(cluster(2))(ApiKey.Fetch, 16, fetchBody([0, 1]));
    const [p0, p1] = v16.responses[0]!.partitions;
    assert.equal(p0!.errorCode, ErrorCode.NOT_LEADER_OR_FOLLOWER);
    assert.deepEqual(p0!.currentLeader, { leaderId: 2, leaderEpoch: 7 });
    assert.deepEqual(p1!.currentLeader, { leaderId: -1, leaderEpoch: -1 });
    assert.deepEqual(v16.nodeEndpoints, [B2]);
    const v15 = await call(cluster(2))(ApiKey.Fetch, 15, fetchBody([0]));
    assert.equal(v15.responses[0]!.partitions[0]!.errorCode, ErrorCode.NOT_LEADER_OR_FOLLOWER);
    // currentLeader exists from v12 in the schema, but Kafka fills it only from v16 (with nodeEndpoints).
    assert.deepEqual(v15.responses[0]!.partitions[0]!.currentLeader, { leaderId: -1, leaderEpoch: -1 });
  });

  it("a Produce v11 or Fetch v16 that nothing refused reads no cached metadata (no hint work)", async () => {
    const streams = new StreamCluster();
    after(() => streams.close());
    const storage = await streams.openBroker(1);
    const streamId = await streams.createStream();
    const partitions = new PartitionRegistry({ openStream: (id, epoch) => storage.openStream(id, epoch) });
    await partitions.reconcile([{ topic: "t", topicId: TOPIC_ID, partition: 0, leaderEpoch: 1, streamId }]);
    let peeks = 0;
    const services = standaloneServices({
      partitions,
      metadata: async () => cluster(1),
      cachedMetadata: () => {
        peeks++;
        return viewOf(cluster(1));
      },
    });
    const answer = dispatchCall(coreHandlers, services);
    const produced = await answer(ApiKey.Produce, 11, produceBody([0]));
    assert.equal(produced.responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.NONE);
    const fetched = await answer(ApiKey.Fetch, 16, fetchBody([0]));
    assert.equal(fetched.responses[0]!.partitions[0]!.errorCode, ErrorCode.NONE);
    assert.equal(fetched.responses[0]!.partitions[0]!.highWatermark, 1n);
    // Each read of the cached view may start a control-plane refresh (MetadataCache.peek): none on success.
    assert.equal(peeks, 0);
  });
});
