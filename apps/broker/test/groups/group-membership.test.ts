import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ErrorCode } from "@cirrus/kafka-protocol";
import { GroupState } from "../../src/groups/consumer-group.ts";
import { INITIAL_DELAY_MS, joinMembers, joinRequest, makeShard, peek, settle } from "./group-test-kit.ts";

const state = (shard: ReturnType<typeof makeShard>["shard"], groupId = "g") =>
  shard.describe(groupId).groupState;

describe("JoinGroup", () => {
  it("v4+: a new member first gets MEMBER_ID_REQUIRED with its id, then joins with it", async () => {
    const { shard, clock } = makeShard();
    const first = await shard.membership.join(joinRequest({ requireKnownMemberId: true }));
    assert.equal(first.errorCode, ErrorCode.MEMBER_ID_REQUIRED);
    assert.match(first.memberId, /^client-[0-9a-f-]{36}$/);
    const join = shard.membership.join(joinRequest({ requireKnownMemberId: true, memberId: first.memberId }));
    assert.equal(await peek(join), "pending", "the initial rebalance delay holds the first join");
    assert.equal(state(shard), GroupState.PreparingRebalance);
    clock.advance(INITIAL_DELAY_MS);
    const joined = await join;
    assert.equal(joined.errorCode, ErrorCode.NONE);
    assert.equal(joined.generationId, 1);
    assert.equal(joined.leader, first.memberId);
    assert.equal(joined.protocolName, "range");
    assert.deepEqual(
      joined.members.map((m) => m.memberId),
      [first.memberId],
    );
    assert.equal(state(shard), GroupState.CompletingRebalance);
  });

  it("rejects session timeouts outside the configured range", async () => {
    const { shard } = makeShard({ minSessionTimeoutMs: 6000, maxSessionTimeoutMs: 60_000 });
    for (const sessionTimeoutMs of [5999, 60_001]) {
      const r = await shard.membership.join(joinRequest({ sessionTimeoutMs }));
      assert.equal(r.errorCode, ErrorCode.INVALID_SESSION_TIMEOUT);
    }
    assert.equal(shard.hasGroup("g"), false);
  });

  it("answers UNKNOWN_MEMBER_ID to an unknown member id", async () => {
    const { shard, clock } = makeShard();
    assert.equal((await shard.membership.join(joinRequest({ memberId: "nobody" }))).errorCode, 25);
    await joinMembers(shard, clock, 1);
    const r = await shard.membership.join(joinRequest({ memberId: "nobody" }));
    assert.equal(r.errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it("answers INCONSISTENT_GROUP_PROTOCOL for another protocol type or no shared protocol", async () => {
    const { shard, clock } = makeShard();
    await joinMembers(shard, clock, 1);
    const otherType = await shard.membership.join(joinRequest({ protocolType: "connect" }));
    assert.equal(otherType.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    const noShared = await shard.membership.join(
      joinRequest({ protocols: [{ name: "sticky", metadata: Buffer.alloc(0) }] }),
    );
    assert.equal(noShared.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    const empty = await shard.membership.join(joinRequest({ groupId: "other", protocols: [] }));
    assert.equal(empty.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    assert.equal(shard.hasGroup("other"), false, "a group that never got a member is forgotten");
  });

  it("answers GROUP_MAX_SIZE_REACHED beyond the group size limit", async () => {
    const { shard, clock } = makeShard({ maxGroupSize: 2 });
    await joinMembers(shard, clock, 2);
    const r = await shard.membership.join(joinRequest());
    assert.equal(r.errorCode, ErrorCode.GROUP_MAX_SIZE_REACHED);
  });

  it("selects the protocol most members prefer among those all support", async () => {
    const { shard, clock } = makeShard();
    const p = (...names: string[]) => names.map((name) => ({ name, metadata: Buffer.from(name) }));
    const joins = [
      shard.membership.join(joinRequest({ protocols: p("range", "roundrobin") })),
      shard.membership.join(joinRequest({ protocols: p("roundrobin", "range") })),
      shard.membership.join(joinRequest({ protocols: p("sticky", "roundrobin", "range") })),
    ];
    clock.advance(2 * INITIAL_DELAY_MS);
    const outcomes = await Promise.all(joins);
    for (const o of outcomes) assert.equal(o.protocolName, "roundrobin");
    const leader = outcomes.find((o) => o.members.length > 0)!;
    assert.deepEqual(
      leader.members.map((m) => m.metadata.toString()),
      ["roundrobin", "roundrobin", "roundrobin"],
      "the leader sees each member's metadata for the chosen protocol",
    );
  });

  it("extends the initial delay while members keep arriving, bounded by the rebalance timeout", async () => {
    const { shard, clock } = makeShard();
    const a = shard.membership.join(joinRequest({ rebalanceTimeoutMs: 7_000 }));
    clock.advance(2_000);
    const b = shard.membership.join(joinRequest());
    clock.advance(1_000);
    assert.equal(await peek(a), "pending", "a member arrived during the delay: wait once more");
    clock.advance(3_000);
    const [ra, rb] = await Promise.all([a, b]);
    assert.equal(ra.generationId, 1);
    assert.equal(rb.generationId, 1);
  });

  it("a follower rejoining a Stable group unchanged gets its answer again without a rebalance", async () => {
    const { shard, clock } = makeShard();
    const [a, b] = await joinMembers(shard, clock, 2);
    const leader = a!.members.length > 0 ? a! : b!;
    const follower = leader === a ? b! : a!;
    const syncs = [leader, follower].map((o) =>
      shard.membership.sync({
        groupId: "g",
        generationId: 1,
        memberId: o.memberId,
        groupInstanceId: null,
        protocolType: null,
        protocolName: null,
        assignments: [],
      }),
    );
    await Promise.all(syncs);
    assert.equal(state(shard), GroupState.Stable);
    const again = await shard.membership.join(joinRequest({ memberId: follower.memberId }));
    assert.equal(again.generationId, 1);
    assert.equal(state(shard), GroupState.Stable);
    const leaderRejoin = shard.membership.join(joinRequest({ memberId: leader.memberId }));
    assert.equal(state(shard), GroupState.PreparingRebalance, "a leader rejoining forces a rebalance");
    const followerRejoin = shard.membership.join(joinRequest({ memberId: follower.memberId }));
    assert.equal((await leaderRejoin).generationId, 2);
    assert.equal((await followerRejoin).generationId, 2);
  });

  it("a member rejoining during CompletingRebalance unchanged gets the same answer again", async () => {
    const { shard, clock } = makeShard();
    const [a] = await joinMembers(shard, clock, 1);
    const again = await shard.membership.join(joinRequest({ memberId: a!.memberId }));
    assert.deepEqual(again, a);
    assert.equal(state(shard), GroupState.CompletingRebalance);
  });

  it("drops a pending member id that never joins, so it does not block the rebalance forever", async () => {
    const { shard, clock } = makeShard();
    const [a] = await joinMembers(shard, clock, 1);
    await shard.membership.sync({
      groupId: "g",
      generationId: 1,
      memberId: a!.memberId,
      groupInstanceId: null,
      protocolType: null,
      protocolName: null,
      assignments: [],
    });
    const pending = await shard.membership.join(joinRequest({ requireKnownMemberId: true }));
    assert.equal(pending.errorCode, ErrorCode.MEMBER_ID_REQUIRED);
    const rejoin = shard.membership.join(joinRequest({ memberId: a!.memberId }));
    assert.equal(state(shard), GroupState.PreparingRebalance);
    clock.advance(9_999);
    assert.equal(await peek(rejoin), "pending");
    clock.advance(1);
    assert.equal((await rejoin).generationId, 2, "the pending id expired after its session timeout");
    const late = await shard.membership.join(joinRequest({ memberId: pending.memberId }));
    assert.equal(late.errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  });
});

describe("rebalance with three members", () => {
  it("joins, syncs the leader's assignment to everyone, then rebalances when one leaves", async () => {
    const { shard, clock, log } = makeShard();
    const joined = await joinMembers(shard, clock, 3);
    const leader = joined.find((o) => o.members.length === 3)!;
    assert.ok(leader, "exactly one member is told the member list");
    assert.equal(joined.filter((o) => o.members.length > 0).length, 1);
    for (const o of joined) {
      assert.equal(o.generationId, 1);
      assert.equal(o.leader, leader.memberId);
    }
    const followers = joined.filter((o) => o !== leader);
    const followerSyncs = followers.map((o) =>
      shard.membership.sync({
        groupId: "g",
        generationId: 1,
        memberId: o.memberId,
        groupInstanceId: null,
        protocolType: "consumer",
        protocolName: "range",
        assignments: [],
      }),
    );
    assert.equal(await peek(followerSyncs[0]!), "pending", "followers wait for the leader");
    const assignments = joined.map((o) => ({
      memberId: o.memberId,
      assignment: Buffer.from(`parts-of-${o.memberId}`),
    }));
    const leaderSync = await shard.membership.sync({
      groupId: "g",
      generationId: 1,
      memberId: leader.memberId,
      groupInstanceId: null,
      protocolType: "consumer",
      protocolName: "range",
      assignments,
    });
    assert.equal(leaderSync.assignment.toString(), `parts-of-${leader.memberId}`);
    const followerResults = await Promise.all(followerSyncs);
    followerResults.forEach((r, i) => {
      assert.equal(r.errorCode, ErrorCode.NONE);
      assert.equal(r.assignment.toString(), `parts-of-${followers[i]!.memberId}`);
    });
    assert.equal(state(shard), GroupState.Stable);
    const stored = log.records.at(-1)!;
    assert.equal(stored.kind, "group");
    assert.equal(stored.kind === "group" && stored.value?.members.length, 3, "the assignment is durable");

    assert.deepEqual(
      shard.membership.leave("g", [{ memberId: followers[0]!.memberId, groupInstanceId: null }]),
      [0],
    );
    assert.equal(state(shard), GroupState.PreparingRebalance);
    const hb = shard.membership.heartbeat({
      groupId: "g",
      generationId: 1,
      memberId: leader.memberId,
      groupInstanceId: null,
    });
    assert.equal(hb, ErrorCode.REBALANCE_IN_PROGRESS);
    const rejoins = [leader, followers[1]!].map((o) =>
      shard.membership.join(joinRequest({ memberId: o.memberId })),
    );
    const second = await Promise.all(rejoins);
    for (const o of second) assert.equal(o.generationId, 2);
    assert.equal(second.find((o) => o.members.length > 0)!.members.length, 2);
  });
});

describe("SyncGroup", () => {
  it("answers UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION, INCONSISTENT_GROUP_PROTOCOL and REBALANCE_IN_PROGRESS", async () => {
    const { shard, clock } = makeShard();
    const sync = (memberId: string, generationId: number, protocolName: string | null = null) =>
      shard.membership.sync({
        groupId: "g",
        generationId,
        memberId,
        groupInstanceId: null,
        protocolType: null,
        protocolName,
        assignments: [],
      });
    assert.equal((await sync("x", 1)).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
    const [a] = await joinMembers(shard, clock, 1);
    assert.equal((await sync("x", 1)).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
    assert.equal((await sync(a!.memberId, 7)).errorCode, ErrorCode.ILLEGAL_GENERATION);
    assert.equal((await sync(a!.memberId, 1, "roundrobin")).errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    const b = shard.membership.join(joinRequest());
    assert.equal(state(shard), GroupState.PreparingRebalance);
    assert.equal((await sync(a!.memberId, 1)).errorCode, ErrorCode.REBALANCE_IN_PROGRESS);
    shard.membership.join(joinRequest({ memberId: a!.memberId }));
    assert.equal((await b).generationId, 2);
  });

  it("a failed write of the assignment answers COORDINATOR_NOT_AVAILABLE and rebalances", async () => {
    const { shard, clock, log } = makeShard();
    const [a] = await joinMembers(shard, clock, 1);
    log.failAppends = true;
    const r = await shard.membership.sync({
      groupId: "g",
      generationId: 1,
      memberId: a!.memberId,
      groupInstanceId: null,
      protocolType: null,
      protocolName: null,
      assignments: [],
    });
    assert.equal(r.errorCode, ErrorCode.COORDINATOR_NOT_AVAILABLE);
    assert.equal(state(shard), GroupState.PreparingRebalance);
  });

  it("removes members that never sync within the rebalance timeout", async () => {
    const { shard, clock } = makeShard();
    const [leader, follower] = await joinMembers(shard, clock, 2, { rebalanceTimeoutMs: 8_000 });
    assert.equal(leader!.leader, leader!.memberId, "the first member to join leads");
    const syncFollower = shard.membership.sync({
      groupId: "g",
      generationId: 1,
      memberId: follower!.memberId,
      groupInstanceId: null,
      protocolType: null,
      protocolName: null,
      assignments: [],
    });
    // The leader heartbeats (its session stays alive) but never sends its assignment.
    clock.advance(5_000);
    assert.equal(
      shard.membership.heartbeat({
        groupId: "g",
        generationId: 1,
        memberId: leader!.memberId,
        groupInstanceId: null,
      }),
      0,
    );
    assert.equal(await peek(syncFollower), "pending");
    clock.advance(3_000);
    assert.equal((await syncFollower).errorCode, ErrorCode.REBALANCE_IN_PROGRESS);
    assert.deepEqual(
      shard.describe("g").members.map((m) => m.memberId),
      [follower!.memberId],
      "the leader that never synced was removed",
    );
    assert.equal(state(shard), GroupState.PreparingRebalance);
  });
});

describe("Heartbeat and session timeouts", () => {
  it("answers the classic errors by state", async () => {
    const { shard, clock } = makeShard();
    const hb = (memberId: string, generationId: number) =>
      shard.membership.heartbeat({ groupId: "g", generationId, memberId, groupInstanceId: null });
    assert.equal(hb("x", 0), ErrorCode.UNKNOWN_MEMBER_ID);
    const [a] = await joinMembers(shard, clock, 1);
    assert.equal(hb(a!.memberId, 1), ErrorCode.NONE, "CompletingRebalance accepts heartbeats");
    assert.equal(hb(a!.memberId, 0), ErrorCode.ILLEGAL_GENERATION);
    assert.equal(hb("x", 1), ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it("expires a member that stops heartbeating and rebalances the rest", async () => {
    const { shard, clock } = makeShard();
    const joined = await joinMembers(shard, clock, 2, { sessionTimeoutMs: 10_000 });
    const leader = joined.find((o) => o.members.length > 0)!;
    const other = joined.find((o) => o !== leader)!;
    const syncs = joined.map((o) =>
      shard.membership.sync({
        groupId: "g",
        generationId: 1,
        memberId: o.memberId,
        groupInstanceId: null,
        protocolType: null,
        protocolName: null,
        assignments: [],
      }),
    );
    await Promise.all(syncs);
    for (let t = 0; t < 4; t++) {
      clock.advance(4_000);
      assert.equal(
        shard.membership.heartbeat({
          groupId: "g",
          generationId: 1,
          memberId: leader.memberId,
          groupInstanceId: null,
        }),
        t < 2 ? 0 : 27,
      );
    }
    const members = shard.describe("g").members.map((m) => m.memberId);
    assert.deepEqual(members, [leader.memberId], `${other.memberId} expired after 10 s of silence`);
    assert.equal(state(shard), GroupState.PreparingRebalance);
    const rejoined = await shard.membership.join(joinRequest({ memberId: leader.memberId }));
    assert.equal(rejoined.generationId, 2);
  });

  it("a member that does not rejoin within the rebalance timeout is removed", async () => {
    const { shard, clock } = makeShard();
    const [a, b] = await joinMembers(shard, clock, 2, {
      rebalanceTimeoutMs: 20_000,
      sessionTimeoutMs: 30_000,
    });
    const syncs = [a!, b!].map((o) =>
      shard.membership.sync({
        groupId: "g",
        generationId: 1,
        memberId: o.memberId,
        groupInstanceId: null,
        protocolType: null,
        protocolName: null,
        assignments: [],
      }),
    );
    await Promise.all(syncs);
    const rejoinA = shard.membership.join(joinRequest({ memberId: a!.memberId, rebalanceTimeoutMs: 20_000 }));
    clock.advance(19_999);
    assert.equal(await peek(rejoinA), "pending");
    clock.advance(1);
    const r = await rejoinA;
    assert.equal(r.generationId, 2);
    assert.equal(r.leader, a!.memberId);
    assert.equal(
      shard.membership.heartbeat({
        groupId: "g",
        generationId: 1,
        memberId: b!.memberId,
        groupInstanceId: null,
      }),
      25,
    );
  });

  it("drops a new member whose join outlives the new-member join timeout", async () => {
    const { shard, clock } = makeShard({ newMemberJoinTimeoutMs: 5_000 });
    const [a] = await joinMembers(shard, clock, 1, { rebalanceTimeoutMs: 60_000, sessionTimeoutMs: 60_000 });
    await shard.membership.sync({
      groupId: "g",
      generationId: 1,
      memberId: a!.memberId,
      groupInstanceId: null,
      protocolType: null,
      protocolName: null,
      assignments: [],
    });
    const newcomer = shard.membership.join(joinRequest());
    clock.advance(5_000);
    assert.equal((await newcomer).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  });
});

describe("LeaveGroup and static members", () => {
  it("answers per member and empties the group when the last member leaves", async () => {
    const { shard, clock, log } = makeShard();
    const [a] = await joinMembers(shard, clock, 1);
    const errors = shard.membership.leave("g", [
      { memberId: a!.memberId, groupInstanceId: null },
      { memberId: "ghost", groupInstanceId: null },
    ]);
    assert.deepEqual(errors, [ErrorCode.NONE, ErrorCode.UNKNOWN_MEMBER_ID]);
    await settle();
    assert.equal(state(shard), GroupState.Empty);
    const last = log.records.at(-1)!;
    assert.ok(last.kind === "group" && last.value?.generationId === 2 && last.value.members.length === 0);
    assert.deepEqual(shard.membership.leave("nope", [{ memberId: "m", groupInstanceId: null }]), [25]);
  });

  it("a restarted static member takes over its instance id and fences the old member id", async () => {
    const { shard, clock } = makeShard();
    const [a] = await joinMembers(shard, clock, 1, { groupInstanceId: "i-1" });
    const replacement = shard.membership.join(joinRequest({ groupInstanceId: "i-1" }));
    clock.advance(INITIAL_DELAY_MS);
    const r = await replacement;
    assert.notEqual(r.memberId, a!.memberId);
    const fenced = shard.membership.heartbeat({
      groupId: "g",
      generationId: r.generationId,
      memberId: a!.memberId,
      groupInstanceId: "i-1",
    });
    assert.equal(fenced, ErrorCode.FENCED_INSTANCE_ID);
    assert.deepEqual(shard.membership.leave("g", [{ memberId: a!.memberId, groupInstanceId: "i-1" }]), [82]);
    assert.deepEqual(shard.membership.leave("g", [{ memberId: "", groupInstanceId: "i-1" }]), [0]);
  });
});

describe("unload", () => {
  it("answers every waiter NOT_COORDINATOR and stops every timer", async () => {
    const { shard, clock } = makeShard();
    const join = shard.membership.join(joinRequest());
    shard.unload();
    assert.equal((await join).errorCode, ErrorCode.NOT_COORDINATOR);
    assert.equal(clock.pending, 0);
    assert.equal(shard.isServing, false);
  });
});

describe("static membership (KIP-345)", () => {
  it("a static member restarting into a Stable group unchanged keeps its assignment without a rebalance", async () => {
    const { shard, clock, log } = makeShard();
    const joins = ["i-a", "i-b"].map((id) =>
      shard.membership.join(joinRequest({ groupInstanceId: id, clientId: id })),
    );
    clock.advance(2 * INITIAL_DELAY_MS);
    const [a, b] = await Promise.all(joins);
    const sync = (
      memberId: string,
      groupInstanceId: string,
      assignments: { memberId: string; assignment: Buffer }[] = [],
    ) =>
      shard.membership.sync({
        groupId: "g",
        generationId: 1,
        memberId,
        groupInstanceId,
        protocolType: null,
        protocolName: null,
        assignments,
      });
    await Promise.all([
      sync(a!.memberId, "i-a", [
        { memberId: a!.memberId, assignment: Buffer.from("A") },
        { memberId: b!.memberId, assignment: Buffer.from("B") },
      ]),
      sync(b!.memberId, "i-b"),
    ]);
    assert.equal(state(shard), GroupState.Stable);

    const restarted = await shard.membership.join(joinRequest({ groupInstanceId: "i-b", clientId: "i-b" }));
    assert.equal(restarted.errorCode, ErrorCode.NONE);
    assert.equal(restarted.generationId, 1, "same generation: no rebalance");
    assert.notEqual(restarted.memberId, b!.memberId);
    assert.deepEqual(restarted.members, []);
    assert.equal(state(shard), GroupState.Stable);
    const stored = log.records.at(-1)!;
    assert.ok(
      stored.kind === "group" && stored.value?.members.some((m) => m.memberId === restarted.memberId),
      "the new id is durable",
    );
    assert.equal((await sync(restarted.memberId, "i-b")).assignment.toString(), "B");
    const fenced = shard.membership.heartbeat({
      groupId: "g",
      generationId: 1,
      memberId: b!.memberId,
      groupInstanceId: "i-b",
    });
    assert.equal(fenced, ErrorCode.FENCED_INSTANCE_ID);

    // The leader restarting keeps leading.
    const leader = await shard.membership.join(joinRequest({ groupInstanceId: "i-a", clientId: "i-a" }));
    assert.equal(leader.leader, leader.memberId);
    assert.equal(state(shard), GroupState.Stable);

    // A changed subscription does rebalance.
    const changed = shard.membership.join(
      joinRequest({
        groupInstanceId: "i-b",
        clientId: "i-b",
        protocols: [{ name: "range", metadata: Buffer.from("other") }],
      }),
    );
    assert.equal(state(shard), GroupState.PreparingRebalance);
    shard.membership.join(joinRequest({ groupInstanceId: "i-a", memberId: leader.memberId }));
    assert.equal((await changed).generationId, 2);
  });

  it("a failed write of the new member id answers COORDINATOR_NOT_AVAILABLE and rebalances", async () => {
    const { shard, clock, log } = makeShard();
    const [a] = await joinMembers(shard, clock, 1, { groupInstanceId: "i-a" });
    await shard.membership.sync({
      groupId: "g",
      generationId: 1,
      memberId: a!.memberId,
      groupInstanceId: "i-a",
      protocolType: null,
      protocolName: null,
      assignments: [],
    });
    log.failAppends = true;
    const r = await shard.membership.join(joinRequest({ groupInstanceId: "i-a" }));
    assert.equal(r.errorCode, ErrorCode.COORDINATOR_NOT_AVAILABLE);
    assert.equal(state(shard), GroupState.PreparingRebalance);
  });
});
