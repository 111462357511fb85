import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { GroupShard } from "../../src/groups/group-shard.ts";
import { joinMembers, makeShard } from "./group-test-kit.ts";

const DAY = 86_400_000;
const commit = (groupId: string, offset: bigint) => ({
  groupId,
  generationId: -1,
  memberId: "",
  groupInstanceId: null,
  topics: [
    {
      name: "t",
      partitions: [
        { partitionIndex: 0, committedOffset: offset, committedLeaderEpoch: -1, committedMetadata: null },
      ],
    },
  ],
});

describe("offsets retention", () => {
  it("deletes Empty groups idle beyond the retention, durably, and keeps the others", async () => {
    const { shard, clock, log } = makeShard({ offsetsRetentionMs: 7 * DAY });
    await shard.offsets.commit(commit("old", 5n));
    clock.advance(3 * DAY);
    await shard.offsets.commit(commit("recent", 6n));
    await joinMembers(shard, clock, 1, { groupId: "live" });
    clock.advance(4 * DAY + 1);
    assert.deepEqual(await shard.expireIdleGroups(), ["old"]);
    assert.equal(shard.hasGroup("old"), false);
    assert.equal(
      shard.offsets.fetch("old", [{ name: "t", partitionIndexes: [0] }])[0]!.partitions[0]!.committedOffset,
      -1n,
    );
    assert.ok(shard.hasGroup("recent") && shard.hasGroup("live"));

    const replayed = new GroupShard({
      partition: 0,
      clock,
      config: { ...(await import("../../src/groups/group-context.ts")).defaultGroupConfig },
      log,
      onBackgroundError: () => {},
    });
    for (const record of log.records) replayed.replay(record);
    replayed.startServing();
    assert.equal(replayed.hasGroup("old"), false, "the tombstones make a replay agree");
    assert.equal(replayed.offsets.fetch("recent", null)[0]!.partitions[0]!.committedOffset, 6n);
    clock.advance(7 * DAY);
    // "live" lost its member to the session timeout long ago: it is an idle Empty group by now too.
    assert.deepEqual(
      (await replayed.expireIdleGroups()).sort(),
      ["live", "recent"],
      "replayed groups keep their stored timestamps",
    );
    replayed.unload();
  });

  it("a failed tombstone write removes nothing", async () => {
    const { shard, clock, log } = makeShard({ offsetsRetentionMs: DAY });
    await shard.offsets.commit(commit("old", 5n));
    clock.advance(2 * DAY);
    log.failAppends = true;
    await assert.rejects(shard.expireIdleGroups());
    assert.equal(shard.hasGroup("old"), true);
    log.failAppends = false;
    assert.deepEqual(await shard.expireIdleGroups(), ["old"]);
  });

  it("an offset committed again while its tombstone is written survives", async () => {
    const { shard, clock } = makeShard({ offsetsRetentionMs: DAY });
    await shard.offsets.commit(commit("g", 5n));
    clock.advance(2 * DAY);
    const expiring = shard.expireIdleGroups();
    await shard.offsets.commit(commit("g", 9n));
    assert.deepEqual(await expiring, []);
    assert.equal(shard.offsets.fetch("g", null)[0]!.partitions[0]!.committedOffset, 9n);
  });
});
