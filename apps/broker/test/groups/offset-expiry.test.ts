import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { GroupShard } from "../../src/groups/group-shard.ts";
import { joinMembers, makeShard, standaloneCommit } from "./group-test-kit.ts";
import { compactingConfig, offsetsPartition, serveShard, stateOfPartition } from "./offsets-log-kit.ts";
import { StreamCluster } from "./stream-test-kit.ts";

const cluster = new StreamCluster();
after(() => cluster.close());

const DAY = 86_400_000;
const commit = (groupId: string, offset: bigint) => standaloneCommit({ groupId, offset });

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

  it("compaction keeps the commit timestamps (expiry is unchanged) and drops the tombstones of expired groups", async () => {
    const config = { ...compactingConfig, offsetsRetentionMs: 7 * DAY };
    const moved = await offsetsPartition(cluster);
    const a = await serveShard(moved.partition, config);
    const multi = (groupId: string, offset: bigint) => ({
      ...commit(groupId, offset),
      topics: [
        {
          name: "t",
          partitions: [0, 1, 2].map((p) => ({
            partitionIndex: p,
            committedOffset: offset,
            committedLeaderEpoch: -1,
            committedMetadata: null,
          })),
        },
      ],
    });
    await a.shard.offsets.commit(multi("old", 1n));
    for (let i = 0; i < 20; i++) await a.shard.offsets.commit(commit("busy", BigInt(i)));
    a.clock.advance(3 * DAY);
    await a.shard.offsets.commit(commit("busy", 99n));
    await a.shard.offsets.commit(commit("recent", 6n));
    const first = await a.compactor.compact();
    assert.equal(first.copied, 5, "old ×3, busy, recent");

    // A new owner replays the compacted log; "old" is still 7 days from its last commit, not from the copy.
    a.unload();
    const b = await serveShard(await moved.moveTo(), config, a.clock);
    a.clock.advance(4 * DAY - 1);
    assert.deepEqual(await b.shard.expireIdleGroups(), [], "not yet: the copies did not refresh activity");
    a.clock.advance(2);
    assert.deepEqual(await b.shard.expireIdleGroups(), ["old"]);
    assert.equal(b.index.liveKeys, 2);

    const second = await b.compactor.compact();
    assert.equal(second.droppedTombstones, 4, "3 offsets and the group");
    assert.equal(second.copied, 2);
    const replay = await stateOfPartition(moved.partition);
    assert.equal(replay.records, 2, "nothing of the expired group remains in the log");
    b.unload();
    const c = await serveShard(await moved.moveTo(), config, a.clock);
    assert.equal(c.shard.hasGroup("old"), false);
    assert.equal(c.shard.offsets.fetch("busy", null)[0]!.partitions[0]!.committedOffset, 99n);
    a.clock.advance(7 * DAY);
    assert.deepEqual((await c.shard.expireIdleGroups()).sort(), ["busy", "recent"]);
    c.unload();
  });
});
