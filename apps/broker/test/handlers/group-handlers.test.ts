import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ApiKey, ErrorCode } from "@cirrus/kafka-protocol";
import { OFFSETS_TOPIC } from "../../src/groups/group-coordinator.ts";
import { startHandlerBroker } from "./group-handlers-kit.ts";

// biome-ignore lint/suspicious/noExplicitAny: decoded bodies are checked field by field
type Any = Record<string, any>;

describe("group handlers over the codec", () => {
  let broker: Awaited<ReturnType<typeof startHandlerBroker>>;
  before(async () => {
    broker = await startHandlerBroker();
  });
  after(() => broker.close());

  it("FindCoordinator creates the offsets topic, then points at its partition's leader (v0–6)", async () => {
    const first = await broker.call<Any>(ApiKey.FindCoordinator, 3, { key: "g", keyType: 0 });
    assert.equal(first.errorCode, ErrorCode.NONE, "created on the spot and immediately led in this stand-in");
    assert.ok(broker.admin.topics.has(OFFSETS_TOPIC));
    for (const version of [0, 1, 2, 3]) {
      const r = await broker.call<Any>(ApiKey.FindCoordinator, version, { key: "g", keyType: 0 });
      assert.deepEqual([r.errorCode, r.nodeId, r.host, r.port], [0, 1, "127.0.0.1", 19092], `v${version}`);
    }
    for (const version of [4, 5, 6]) {
      const r = await broker.call<Any>(ApiKey.FindCoordinator, version, {
        keyType: 0,
        coordinatorKeys: ["a", "b"],
      });
      assert.deepEqual(
        r.coordinators.map((c: Any) => [c.key, c.nodeId, c.errorCode]),
        [
          ["a", 1, 0],
          ["b", 1, 0],
        ],
      );
    }
    // Transaction keys: the leader of the id's __transaction_state partition, created on first use.
    const txn = await broker.call<Any>(ApiKey.FindCoordinator, 3, { key: "tx", keyType: 1 });
    assert.deepEqual([txn.errorCode, txn.nodeId], [0, 1]);
    assert.ok(broker.admin.topics.has("__transaction_state"));
    const share = await broker.call<Any>(ApiKey.FindCoordinator, 3, { key: "s", keyType: 2 });
    assert.equal(share.errorCode, ErrorCode.INVALID_REQUEST);
  });

  it("answers NOT_COORDINATOR when led elsewhere, COORDINATOR_LOAD_IN_PROGRESS until open and loaded, then serves", async () => {
    const heartbeat = { groupId: "g", generationId: 1, memberId: "m", groupInstanceId: null };
    broker.setBrokerId(2);
    const elsewhere = await broker.call<Any>(ApiKey.Heartbeat, 4, heartbeat);
    assert.equal(elsewhere.errorCode, ErrorCode.NOT_COORDINATOR);
    broker.setBrokerId(1);
    const assigned = await broker.call<Any>(ApiKey.Heartbeat, 4, heartbeat);
    assert.equal(assigned.errorCode, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, "led here, not open yet");
    await broker.openOffsetsPartition();
    const loading = await broker.call<Any>(ApiKey.Heartbeat, 4, {
      groupId: "g",
      generationId: 1,
      memberId: "m",
      groupInstanceId: null,
    });
    assert.equal(loading.errorCode, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    const { groupServicesOf } = await import("../../src/handlers/group-services.ts");
    assert.equal(await groupServicesOf(broker.services).coordinator.whenLoaded(0), true);
    const served = await broker.call<Any>(ApiKey.Heartbeat, 4, {
      groupId: "g",
      generationId: 1,
      memberId: "m",
      groupInstanceId: null,
    });
    assert.equal(served.errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it("runs a consumer group through join, sync, heartbeat, commit, fetch, describe, list and leave", async () => {
    const protocols = [{ name: "range", metadata: Buffer.from([0, 1, 2]) }];
    const join = (memberId: string, version = 9) =>
      broker.call<Any>(ApiKey.JoinGroup, version, {
        groupId: "orders",
        sessionTimeoutMs: 10_000,
        rebalanceTimeoutMs: 20_000,
        memberId,
        groupInstanceId: null,
        protocolType: "consumer",
        protocols,
        reason: null,
      });
    const required = await join("");
    assert.equal(required.errorCode, ErrorCode.MEMBER_ID_REQUIRED);
    assert.match(required.memberId, /^test-client-/);
    const joined = await join(required.memberId);
    assert.deepEqual(
      [joined.errorCode, joined.generationId, joined.leader, joined.protocolName],
      [0, 1, required.memberId, "range"],
    );
    assert.deepEqual(
      joined.members.map((m: Any) => [m.memberId, [...m.metadata]]),
      [[required.memberId, [0, 1, 2]]],
    );
    const memberId = required.memberId;
    const sync = await broker.call<Any>(ApiKey.SyncGroup, 5, {
      groupId: "orders",
      generationId: 1,
      memberId,
      groupInstanceId: null,
      protocolType: "consumer",
      protocolName: "range",
      assignments: [{ memberId, assignment: Buffer.from("all") }],
    });
    assert.deepEqual([sync.errorCode, sync.protocolName, sync.assignment.toString()], [0, "range", "all"]);
    for (const version of [0, 1, 2, 3, 4]) {
      const hb = await broker.call<Any>(ApiKey.Heartbeat, version, {
        groupId: "orders",
        generationId: 1,
        memberId,
        groupInstanceId: null,
      });
      assert.equal(hb.errorCode, ErrorCode.NONE, `Heartbeat v${version}`);
    }
    await broker.admin.createTopic({ name: "t", partitions: 2 });
    const commit = await broker.call<Any>(ApiKey.OffsetCommit, 8, {
      groupId: "orders",
      generationIdOrMemberEpoch: 1,
      memberId,
      groupInstanceId: null,
      topics: [
        {
          name: "t",
          partitions: [
            { partitionIndex: 0, committedOffset: 99n, committedLeaderEpoch: 4, committedMetadata: "x" },
            { partitionIndex: 7, committedOffset: 1n, committedLeaderEpoch: 4, committedMetadata: "x" },
          ],
        },
        {
          name: "no-such-topic",
          partitions: [
            { partitionIndex: 0, committedOffset: 1n, committedLeaderEpoch: -1, committedMetadata: null },
          ],
        },
      ],
    });
    assert.deepEqual(
      commit.topics.map((t: Any) => [t.name, t.partitions.map((p: Any) => [p.partitionIndex, p.errorCode])]),
      [
        [
          "t",
          [
            [0, ErrorCode.NONE],
            [7, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
          ],
        ],
        ["no-such-topic", [[0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]]],
      ],
    );
    const stale = await broker.call<Any>(ApiKey.OffsetCommit, 2, {
      groupId: "orders",
      generationIdOrMemberEpoch: 0,
      memberId,
      retentionTimeMs: -1n,
      topics: [
        { name: "t", partitions: [{ partitionIndex: 0, committedOffset: 1n, committedMetadata: null }] },
      ],
    });
    assert.equal(stale.topics[0].partitions[0].errorCode, ErrorCode.ILLEGAL_GENERATION);

    const v1 = await broker.call<Any>(ApiKey.OffsetFetch, 1, {
      groupId: "orders",
      topics: [{ name: "t", partitionIndexes: [0, 1] }],
    });
    assert.deepEqual(
      v1.topics[0].partitions.map((p: Any) => p.committedOffset),
      [99n, -1n],
    );
    const v5 = await broker.call<Any>(ApiKey.OffsetFetch, 5, {
      groupId: "orders",
      topics: null,
      requireStable: false,
    });
    assert.deepEqual([v5.errorCode, v5.topics[0].partitions[0].committedLeaderEpoch], [0, 4]);
    const v8 = await broker.call<Any>(ApiKey.OffsetFetch, 8, {
      groups: [
        { groupId: "orders", topics: null },
        { groupId: "nobody", topics: [{ name: "t", partitionIndexes: [0] }] },
      ],
      requireStable: false,
    });
    assert.deepEqual(
      v8.groups.map((g: Any) => [g.groupId, g.errorCode, g.topics[0]?.partitions[0]?.committedOffset]),
      [
        ["orders", 0, 99n],
        ["nobody", 0, -1n],
      ],
    );

    const described = await broker.call<Any>(ApiKey.DescribeGroups, 5, {
      groups: ["orders", "ghost", ""],
      includeAuthorizedOperations: false,
    });
    assert.deepEqual(
      described.groups.map((g: Any) => [g.groupId, g.errorCode, g.groupState]),
      [
        ["orders", 0, "Stable"],
        ["ghost", 0, "Dead"],
        ["", ErrorCode.INVALID_GROUP_ID, ""],
      ],
    );
    assert.equal(described.groups[0].members[0].memberAssignment.toString(), "all");
    assert.equal(described.groups[0].members[0].clientHost, "/127.0.0.1");
    const listed = await broker.call<Any>(ApiKey.ListGroups, 4, { statesFilter: ["stable"] });
    assert.deepEqual(
      listed.groups.map((g: Any) => [g.groupId, g.groupState, g.protocolType]),
      [["orders", "Stable", "consumer"]],
    );
    const none = await broker.call<Any>(ApiKey.ListGroups, 4, { statesFilter: ["Empty"] });
    assert.deepEqual(none.groups, []);
    const listedV0 = await broker.call<Any>(ApiKey.ListGroups, 0, {});
    assert.equal(listedV0.groups.length, 1);

    const leave = await broker.call<Any>(ApiKey.LeaveGroup, 5, {
      groupId: "orders",
      members: [
        { memberId, groupInstanceId: null, reason: null },
        { memberId: "ghost", groupInstanceId: null, reason: null },
      ],
    });
    assert.deepEqual(
      [leave.errorCode, leave.members.map((m: Any) => m.errorCode)],
      [0, [0, ErrorCode.UNKNOWN_MEMBER_ID]],
    );
    const leaveV0 = await broker.call<Any>(ApiKey.LeaveGroup, 0, { groupId: "orders", memberId });
    assert.equal(leaveV0.errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it("JoinGroup v0–3 joins without MEMBER_ID_REQUIRED; empty group ids are INVALID_GROUP_ID", async () => {
    for (const version of [0, 1, 2, 3, 5, 7]) {
      const r = await broker.call<Any>(ApiKey.JoinGroup, version, {
        groupId: `old-${version}`,
        sessionTimeoutMs: 10_000,
        rebalanceTimeoutMs: 10_000,
        memberId: "",
        groupInstanceId: null,
        protocolType: "consumer",
        protocols: [{ name: "range", metadata: Buffer.alloc(0) }],
      });
      const expected = version >= 4 ? ErrorCode.MEMBER_ID_REQUIRED : ErrorCode.NONE;
      assert.equal(r.errorCode, expected, `JoinGroup v${version}`);
    }
    const bad = await broker.call<Any>(ApiKey.JoinGroup, 5, {
      groupId: "",
      sessionTimeoutMs: 10_000,
      rebalanceTimeoutMs: 10_000,
      memberId: "",
      groupInstanceId: null,
      protocolType: "consumer",
      protocols: [],
    });
    assert.equal(bad.errorCode, ErrorCode.INVALID_GROUP_ID);
  });
});

describe("InitProducerId", () => {
  it("hands out distinct producer ids at epoch 0, sends transactional ids to their coordinator, waits for registration", async () => {
    const broker = await startHandlerBroker();
    try {
      const ids = new Set<bigint>();
      for (const version of [0, 1, 2, 3, 4, 5]) {
        const r = await broker.call<Any>(ApiKey.InitProducerId, version, {
          transactionalId: null,
          transactionTimeoutMs: 60_000,
          producerId: -1n,
          producerEpoch: -1,
        });
        assert.deepEqual([r.errorCode, r.producerEpoch], [0, 0]);
        ids.add(r.producerId);
      }
      assert.equal(ids.size, 6);
      const txn = await broker.call<Any>(ApiKey.InitProducerId, 4, {
        transactionalId: "tx",
        transactionTimeoutMs: 60_000,
        producerId: -1n,
        producerEpoch: -1,
      });
      // A transactional id goes to its transaction coordinator: none here until __transaction_state exists.
      assert.equal(txn.errorCode, ErrorCode.COORDINATOR_NOT_AVAILABLE);
      broker.setBrokerId(-1);
      const early = await broker.call<Any>(ApiKey.InitProducerId, 4, {
        transactionalId: null,
        transactionTimeoutMs: 60_000,
        producerId: -1n,
        producerEpoch: -1,
      });
      assert.equal(early.errorCode, ErrorCode.COORDINATOR_NOT_AVAILABLE);
    } finally {
      await broker.close();
    }
  });
});
