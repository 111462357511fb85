import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ErrorCode } from "@cirrus/kafka-protocol";
import { ManualClock } from "../../src/groups/clock.ts";
import { defaultGroupConfig } from "../../src/groups/group-context.ts";
import { GroupShard } from "../../src/groups/group-shard.ts";
import { joinMembers, MemoryGroupLog, makeShard, standaloneCommit } from "./group-test-kit.ts";

/** A ConsumerProtocolSubscription v0: version, topics, user data (null). */
function subscription(...topics: string[]): Buffer {
  const parts = [Buffer.from([0, 0]), Buffer.alloc(4)];
  parts[1]!.writeInt32BE(topics.length);
  for (const t of topics) {
    const b = Buffer.from(t);
    const len = Buffer.alloc(2);
    len.writeInt16BE(b.length);
    parts.push(len, b);
  }
  parts.push(Buffer.from([0xff, 0xff, 0xff, 0xff]));
  return Buffer.concat(parts);
}

function replayed(log: MemoryGroupLog): GroupShard {
  const shard = new GroupShard({
    partition: 0,
    clock: new ManualClock(),
    config: defaultGroupConfig,
    log: new MemoryGroupLog(),
    onBackgroundError: () => {},
  });
  for (const record of log.records) shard.replay(record);
  shard.startServing();
  return shard;
}

async function stableGroup(metadata: Buffer, protocolType = "consumer") {
  const kit = makeShard();
  const [joined] = await joinMembers(kit.shard, kit.clock, 1, {
    protocolType,
    protocols: [{ name: "range", metadata }],
  });
  const memberId = joined!.memberId;
  await kit.shard.membership.sync({
    groupId: "g",
    generationId: 1,
    memberId,
    groupInstanceId: null,
    protocolType,
    protocolName: "range",
    assignments: [{ memberId, assignment: Buffer.alloc(0) }],
  } as never);
  for (const topic of ["t", "other"])
    await kit.shard.offsets.commit({
      groupId: "g",
      generationId: 1,
      memberId,
      groupInstanceId: null,
      topics: [
        {
          name: topic,
          partitions: [
            { partitionIndex: 0, committedOffset: 5n, committedLeaderEpoch: -1, committedMetadata: null },
          ],
        },
      ],
    });
  return kit;
}

describe("DeleteGroups", () => {
  it("deletes an Empty group and its offsets through tombstones a replay agrees with", async () => {
    const { shard, log } = makeShard();
    await shard.offsets.commit(standaloneCommit({ partition: 0, offset: 3n }));
    await shard.offsets.commit(standaloneCommit({ partition: 1, offset: 4n }));
    await shard.offsets.commit(standaloneCommit({ groupId: "kept", offset: 9n }));
    assert.equal(await shard.deleteGroup("g"), ErrorCode.NONE);
    assert.equal(shard.hasGroup("g"), false);
    assert.deepEqual(
      log.records.slice(-3).map((r) => [r.kind, r.groupId, r.value]),
      [
        ["offset", "g", null],
        ["offset", "g", null],
        ["group", "g", null],
      ],
    );
    assert.equal(await shard.deleteGroup("g"), ErrorCode.GROUP_ID_NOT_FOUND, "already gone");
    const moved = replayed(log);
    assert.equal(moved.hasGroup("g"), false, "the new coordinator does not resurrect it");
    assert.equal(
      moved.offsets.fetch("g", [{ name: "t", partitionIndexes: [0] }])[0]!.partitions[0]!.committedOffset,
      -1n,
    );
    assert.equal(moved.offsets.fetch("kept", null)[0]!.partitions[0]!.committedOffset, 9n);
  });

  it("refuses unknown groups, groups with members and groups with a commit in flight", async () => {
    const { shard } = await stableGroup(subscription("t"));
    assert.equal(await shard.deleteGroup("nobody"), ErrorCode.GROUP_ID_NOT_FOUND);
    assert.equal(await shard.deleteGroup("g"), ErrorCode.NON_EMPTY_GROUP);
    assert.equal(shard.inspect("g")?.state, "Stable");

    const idle = makeShard();
    await idle.shard.offsets.commit(standaloneCommit({}));
    const slow = new Promise<void>(() => {});
    const append = idle.log.append.bind(idle.log);
    idle.log.append = () => slow;
    void idle.shard.offsets.commit(standaloneCommit({ partition: 2 }));
    assert.equal(await idle.shard.deleteGroup("g"), ErrorCode.NON_EMPTY_GROUP, "a commit is being written");
    idle.log.append = append;
  });

  it("keeps the group when the tombstones cannot be written", async () => {
    const { shard, log } = makeShard();
    await shard.offsets.commit(standaloneCommit({ offset: 7n }));
    log.failAppends = true;
    assert.equal(await shard.deleteGroup("g"), ErrorCode.COORDINATOR_NOT_AVAILABLE);
    assert.equal(shard.offsets.fetch("g", null)[0]!.partitions[0]!.committedOffset, 7n);
    shard.unload();
    assert.equal(await shard.deleteGroup("g"), ErrorCode.GROUP_ID_NOT_FOUND, "unloaded: holds no groups");
  });
});

describe("OffsetDelete", () => {
  it("deletes the named offsets of an Empty group, durably, and leaves the rest", async () => {
    const { shard, log } = makeShard();
    await shard.offsets.commit(standaloneCommit({ partition: 0, offset: 3n }));
    await shard.offsets.commit(standaloneCommit({ partition: 1, offset: 4n }));
    const result = await shard.deleteOffsets("g", [{ name: "t", partitionIndexes: [0, 5] }]);
    assert.deepEqual(result, {
      errorCode: ErrorCode.NONE,
      topics: [
        {
          name: "t",
          partitions: [
            { partitionIndex: 0, errorCode: ErrorCode.NONE },
            { partitionIndex: 5, errorCode: ErrorCode.NONE },
          ],
        },
      ],
    });
    const left = (s: GroupShard) =>
      s.offsets.fetch("g", null).flatMap((t) => t.partitions.map((p) => p.partitionIndex));
    assert.deepEqual(left(shard), [1]);
    assert.deepEqual(left(replayed(log)), [1], "the tombstone survives a coordinator move");
    assert.equal(shard.hasGroup("g"), true, "the group itself stays");
    assert.deepEqual(await shard.deleteOffsets("nobody", []), {
      errorCode: ErrorCode.GROUP_ID_NOT_FOUND,
      topics: [],
    });
  });

  it("refuses topics a live member subscribes to and deletes the others", async () => {
    const { shard, log } = await stableGroup(subscription("t", "x"));
    const result = await shard.deleteOffsets("g", [
      { name: "t", partitionIndexes: [0] },
      { name: "other", partitionIndexes: [0] },
    ]);
    assert.deepEqual(
      result.topics.map((t) => [t.name, t.partitions.map((p) => p.errorCode)]),
      [
        ["t", [ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC]],
        ["other", [ErrorCode.NONE]],
      ],
    );
    assert.deepEqual(
      shard.offsets.fetch("g", null).map((t) => t.name),
      ["t"],
    );
    assert.deepEqual(
      replayed(log)
        .offsets.fetch("g", null)
        .map((t) => t.name),
      ["t"],
    );
  });

  it("deletes nothing under a member whose subscription cannot be read, nor in a non-consumer group with members", async () => {
    const unreadable = await stableGroup(Buffer.from([0, 0, 0x7f]));
    const r1 = await unreadable.shard.deleteOffsets("g", [{ name: "other", partitionIndexes: [0] }]);
    assert.equal(r1.topics[0]!.partitions[0]!.errorCode, ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC);
    const connect = await stableGroup(subscription(), "connect");
    const r2 = await connect.shard.deleteOffsets("g", [{ name: "other", partitionIndexes: [0] }]);
    assert.deepEqual(r2, { errorCode: ErrorCode.NON_EMPTY_GROUP, topics: [] });
  });

  it("answers a coordinator error and keeps the offsets when the tombstones cannot be written", async () => {
    const { shard, log } = makeShard();
    await shard.offsets.commit(standaloneCommit({ offset: 3n }));
    log.failAppends = true;
    const result = await shard.deleteOffsets("g", [{ name: "t", partitionIndexes: [0] }]);
    assert.deepEqual(result, { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, topics: [] });
    assert.equal(shard.offsets.fetch("g", null)[0]!.partitions[0]!.committedOffset, 3n);
  });
});
