import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import type { ClusterMetadata } from "@cirrus/broker-api";
import { ErrorCode } from "@cirrus/kafka-protocol";
import { ManualClock } from "../../src/groups/clock.ts";
import { defaultGroupConfig } from "../../src/groups/group-context.ts";
import {
  GroupCoordinator,
  javaStringHash,
  OFFSETS_TOPIC,
  offsetsPartitionFor,
} from "../../src/groups/group-coordinator.ts";
import type { GroupShard } from "../../src/groups/group-shard.ts";
import type { Partition } from "../../src/partitions/partition.ts";
import { joinRequest } from "./group-test-kit.ts";
import { StreamCluster } from "./stream-test-kit.ts";

const cluster = new StreamCluster();
after(() => cluster.close());

const metadata = (partitions: number): ClusterMetadata => ({
  clusterId: "c",
  version: 1,
  controllerBrokerId: 1,
  brokers: [],
  topics: [
    {
      topicId: "00000000000000000000000000000002",
      name: OFFSETS_TOPIC,
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

/** A broker's view: which offsets partitions are open here. */
class FakeRegistry {
  readonly open = new Map<number, Partition>();
  byName(topic: string, partition: number): Partition | undefined {
    return topic === OFFSETS_TOPIC ? this.open.get(partition) : undefined;
  }
}

function coordinatorOn(registry: FakeRegistry, clock: ManualClock): GroupCoordinator {
  return new GroupCoordinator(
    { partitions: registry, metadata: async () => metadata(1) },
    { clock, config: { ...defaultGroupConfig, initialRebalanceDelayMs: 0 } },
  );
}

async function shardOf(coordinator: GroupCoordinator, groupId: string): Promise<GroupShard> {
  await coordinator.whenLoaded(0);
  const shard = await coordinator.shardFor(groupId);
  assert.ok(typeof shard !== "number", `expected a shard, got error ${shard}`);
  return shard;
}

describe("offsets partition routing", () => {
  it("hashes group ids like Kafka (Java String.hashCode, abs, modulo)", () => {
    assert.equal(javaStringHash("hello"), 99162322);
    assert.equal(javaStringHash("polygenelubricants"), -2147483648);
    assert.equal(offsetsPartitionFor("hello", 50), 22);
    assert.equal(offsetsPartitionFor("polygenelubricants", 50), 0);
    assert.equal(javaStringHash("émoji-🙂"), javaStringHash("émoji-🙂"));
  });
});

describe("GroupCoordinator", () => {
  it("answers COORDINATOR_NOT_AVAILABLE without the offsets topic and NOT_COORDINATOR when not owner", async () => {
    const none = new GroupCoordinator({ partitions: new FakeRegistry(), metadata: async () => metadata(0) });
    assert.equal(await none.shardFor("g"), ErrorCode.COORDINATOR_NOT_AVAILABLE);
    const elsewhere = new GroupCoordinator({
      partitions: new FakeRegistry(),
      metadata: async () => metadata(1),
    });
    assert.equal(await elsewhere.shardFor("g"), ErrorCode.NOT_COORDINATOR);
  });

  it("moves a stable group with its offsets to another broker by replaying the stream", async () => {
    const streamId = await cluster.createStream();
    const clock = new ManualClock();
    const brokerA = await cluster.openBroker(1);
    const registryA = new FakeRegistry();
    registryA.open.set(0, await cluster.openPartition(brokerA, streamId, 1, OFFSETS_TOPIC, 0));
    const coordA = coordinatorOn(registryA, clock);
    assert.equal(await coordA.shardFor("g"), ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    const shardA = await shardOf(coordA, "g");

    const joins = [0, 1, 2].map((i) => shardA.membership.join(joinRequest({ clientId: `c${i}` })));
    // With no initial delay the first member completes a generation alone; the others join the next one.
    const first = await joins[0]!;
    const rejoin = shardA.membership.join(joinRequest({ memberId: first.memberId, clientId: "c0" }));
    const joined = [await rejoin, await joins[1]!, await joins[2]!];
    const generation = joined[0]!.generationId;
    const leader = joined.find((o) => o.members.length === 3)!;
    const syncs = joined.map((o) =>
      shardA.membership.sync({
        groupId: "g",
        generationId: generation,
        memberId: o.memberId,
        groupInstanceId: null,
        protocolType: null,
        protocolName: null,
        assignments:
          o === leader
            ? joined.map((m) => ({ memberId: m.memberId, assignment: Buffer.from(m.memberId) }))
            : [],
      }),
    );
    for (const s of await Promise.all(syncs)) assert.equal(s.errorCode, ErrorCode.NONE);
    const commit = await shardA.offsets.commit({
      groupId: "g",
      generationId: generation,
      memberId: leader.memberId,
      groupInstanceId: null,
      topics: [
        {
          name: "orders",
          partitions: [
            { partitionIndex: 3, committedOffset: 4242n, committedLeaderEpoch: 7, committedMetadata: "m" },
          ],
        },
      ],
    });
    assert.equal(commit[0]!.partitions[0]!.errorCode, ErrorCode.NONE);

    // The control plane moves the partition: A closes it (tail uploaded), B opens it at a newer epoch.
    const onA = registryA.open.get(0)!;
    registryA.open.delete(0);
    await onA.close();
    assert.equal(await coordA.shardFor("g"), ErrorCode.NOT_COORDINATOR);
    assert.equal(
      shardA.membership.heartbeat({
        groupId: "g",
        generationId: generation,
        memberId: leader.memberId,
        groupInstanceId: null,
      }),
      ErrorCode.UNKNOWN_MEMBER_ID,
      "the unloaded shard forgot its groups",
    );

    const brokerB = await cluster.openBroker(2);
    const registryB = new FakeRegistry();
    registryB.open.set(0, await cluster.openPartition(brokerB, streamId, 2, OFFSETS_TOPIC, 0));
    const coordB = coordinatorOn(registryB, clock);
    const shardB = await shardOf(coordB, "g");
    const described = shardB.describe("g");
    assert.equal(described.groupState, "Stable");
    assert.deepEqual(
      described.members.map((m) => [m.memberId, m.memberAssignment.toString()]).sort(),
      joined.map((m) => [m.memberId, m.memberId]).sort(),
    );
    for (const m of joined) {
      const hb = shardB.membership.heartbeat({
        groupId: "g",
        generationId: generation,
        memberId: m.memberId,
        groupInstanceId: null,
      });
      assert.equal(hb, ErrorCode.NONE, "members keep their generation across the move");
    }
    const fetched = shardB.offsets.fetch("g", [{ name: "orders", partitionIndexes: [3, 4] }]);
    assert.deepEqual(
      fetched[0]!.partitions.map((p) => [p.committedOffset, p.committedLeaderEpoch, p.metadata]),
      [
        [4242n, 7, "m"],
        [-1n, -1, ""],
      ],
    );
    const sync = await shardB.membership.sync({
      groupId: "g",
      generationId: generation,
      memberId: joined[1]!.memberId,
      groupInstanceId: null,
      protocolType: null,
      protocolName: null,
      assignments: [],
    });
    assert.equal(sync.assignment.toString(), joined[1]!.memberId);
    clock.advance(defaultGroupConfig.maxSessionTimeoutMs);
    assert.equal(
      shardB.describe("g").members.length,
      0,
      "members that stop heartbeating still expire after the move",
    );
    coordA.close();
    coordB.close();
  });

  it("compacts a mostly superseded offsets log on the sweep, without stopping service, so a move replays only live keys", async () => {
    const streamId = await cluster.createStream();
    const clock = new ManualClock();
    const brokerA = await cluster.openBroker(1);
    const registryA = new FakeRegistry();
    registryA.open.set(0, await cluster.openPartition(brokerA, streamId, 1, OFFSETS_TOPIC, 0));
    const errors: unknown[] = [];
    const config = {
      ...defaultGroupConfig,
      offsetsCompactionMinRecords: 100,
      offsetsCompactionMinSupersededPercent: 50,
      offsetsCompactionBatchRecords: 2,
    };
    const coordA = new GroupCoordinator(
      { partitions: registryA, metadata: async () => metadata(1) },
      { clock, config, onBackgroundError: (e) => errors.push(e) },
    );
    const shardA = await shardOf(coordA, "g");
    const commit = (partition: number, offset: bigint) =>
      shardA.offsets.commit({
        groupId: "g",
        generationId: -1,
        memberId: "",
        groupInstanceId: null,
        topics: [
          {
            name: "orders",
            partitions: [
              {
                partitionIndex: partition,
                committedOffset: offset,
                committedLeaderEpoch: 1,
                committedMetadata: "",
              },
            ],
          },
        ],
      });
    for (let i = 0; i < 200; i++) await commit(i % 5, BigInt(i));
    const onA = registryA.open.get(0)!;
    assert.equal(onA.logStartOffset, 0);
    await coordA.sweep();
    // The sweep does not wait for the run; the shard answers while it copies (2 records per batch).
    const during = await commit(0, 1000n);
    assert.equal(during[0]!.partitions[0]!.errorCode, ErrorCode.NONE);
    const result = await coordA.compactNow(0);
    assert.ok(result && result.copied <= 5);
    assert.ok(onA.logStartOffset >= 200, `trimmed to ${onA.logStartOffset}`);
    assert.deepEqual(errors, []);

    registryA.open.delete(0);
    await onA.close();
    const brokerB = await cluster.openBroker(2);
    const registryB = new FakeRegistry();
    const onB = await cluster.openPartition(brokerB, streamId, 2, OFFSETS_TOPIC, 0);
    registryB.open.set(0, onB);
    assert.ok(
      onB.highWatermark - onB.logStartOffset <= 6,
      "the new owner replays the live keys (and the racing commit)",
    );
    const coordB = coordinatorOn(registryB, clock);
    const shardB = await shardOf(coordB, "g");
    const fetched = shardB.offsets.fetch("g", [{ name: "orders", partitionIndexes: [0, 1, 2, 3, 4] }]);
    assert.deepEqual(
      fetched[0]!.partitions.map((p) => p.committedOffset),
      [1000n, 196n, 197n, 198n, 199n],
    );
    assert.equal(await coordB.compactNow(5), undefined, "no such partition here");
    coordA.close();
    coordB.close();
  });

  it("the sweep forgets transactional producers idle beyond producerIdleExpiryMs; a move replays them as just seen", async () => {
    const streamId = await cluster.createStream();
    const clock = new ManualClock();
    const config = {
      ...defaultGroupConfig,
      initialRebalanceDelayMs: 0,
      producerIdleExpiryMs: 60_000,
      offsetsRetentionCheckIntervalMs: 1_000,
    };
    const registryA = new FakeRegistry();
    const onA = await cluster.openPartition(await cluster.openBroker(1), streamId, 1, OFFSETS_TOPIC, 0);
    registryA.open.set(0, onA);
    const coordA = new GroupCoordinator(
      { partitions: registryA, metadata: async () => metadata(1) },
      { clock, config },
    );
    const shardA = await shardOf(coordA, "g");
    const producer = { producerId: 77n, producerEpoch: 2 };
    const request = {
      groupId: "g",
      generationId: -1,
      memberId: "",
      groupInstanceId: null,
      topics: [
        {
          name: "t",
          partitions: [
            { partitionIndex: 0, committedOffset: 5n, committedLeaderEpoch: -1, committedMetadata: null },
          ],
        },
      ],
    };
    await shardA.offsets.stageTxn(producer, request);
    assert.equal(
      await shardA.offsets.completeTxn({ ...producer, committed: true, coordinatorEpoch: 1 }),
      ErrorCode.NONE,
    );
    assert.equal(shardA.offsets.trackedProducers, 1);

    // Moved before it expires: the new owner replays the producer as seen at the load.
    registryA.open.delete(0);
    await onA.close();
    coordA.close();
    clock.advance(59_000);
    const registryB = new FakeRegistry();
    registryB.open.set(
      0,
      await cluster.openPartition(await cluster.openBroker(2), streamId, 2, OFFSETS_TOPIC, 0),
    );
    const coordB = new GroupCoordinator(
      { partitions: registryB, metadata: async () => metadata(1) },
      { clock, config },
    );
    const shardB = await shardOf(coordB, "g");
    assert.equal(shardB.offsets.trackedProducers, 1, "replayed");
    clock.advance(2_000);
    await coordB.sweep();
    assert.equal(shardB.offsets.trackedProducers, 1, "idle since the load, not since the first owner saw it");
    clock.advance(60_000);
    await coordB.sweep();
    assert.equal(shardB.offsets.trackedProducers, 0, "the sweep forgot it");
    coordB.close();
  });
});
