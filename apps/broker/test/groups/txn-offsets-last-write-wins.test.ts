// Last write wins for a group's offsets, in the order of the offsets log, as in Kafka's GroupMetadata
// (completePendingTxnOffsetCommit): a transaction's offset becomes current on its commit marker only if no plain
// OffsetCommit of that partition was written after its TxnOffsetCommit. Live, after a move (replay) between
// the writes and the marker, after a move once the marker is written, and across an offsets-log compaction
// run while the transaction is open. Real s3stream storage, real moves.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { ErrorCode } from "@cirrus/kafka-protocol";
import type { GroupShard } from "../../src/groups/group-shard.ts";
import { partitionsCommit, standaloneCommit } from "./group-test-kit.ts";
import { offsetsPartition, serveShard } from "./offsets-log-kit.ts";
import { StreamCluster } from "./stream-test-kit.ts";

const cluster = new StreamCluster();
after(() => cluster.close());

const producer = { producerId: 9n, producerEpoch: 1 };
const other = { producerId: 10n, producerEpoch: 1 };
const commitMarker = (p = producer) => ({ ...p, committed: true, coordinatorEpoch: 1 });

/** The committed offsets of g's t-0 and t-1. */
function committed(shard: GroupShard): bigint[] {
  return shard.offsets
    .fetch("g", [{ name: "t", partitionIndexes: [0, 1] }])[0]!
    .partitions.map((p) => p.committedOffset);
}

async function ok(errors: Promise<{ partitions: { errorCode: number }[] }[]>): Promise<void> {
  for (const t of await errors) for (const p of t.partitions) assert.equal(p.errorCode, ErrorCode.NONE);
}

describe("a plain OffsetCommit after a TxnOffsetCommit", () => {
  it("wins over the transaction's offset on its commit marker, and still after a move", async () => {
    const moved = await offsetsPartition(cluster);
    const first = await serveShard(moved.partition);
    await ok(first.shard.offsets.stageTxn(producer, partitionsCommit([20n, 21n])));
    await ok(first.shard.offsets.commit(standaloneCommit({ partition: 0, offset: 30n })));
    assert.equal(await first.shard.offsets.completeTxn(commitMarker()), ErrorCode.NONE);
    assert.deepEqual(committed(first.shard), [30n, 21n], "t-0 written last by the plain commit");
    first.unload();
    const second = await serveShard(await moved.moveTo());
    assert.deepEqual(committed(second.shard), [30n, 21n], "the replay decides as the live shard did");
    second.unload();
  });

  it("wins when the move comes between the writes and the marker", async () => {
    const moved = await offsetsPartition(cluster);
    const first = await serveShard(moved.partition);
    await ok(first.shard.offsets.stageTxn(producer, partitionsCommit([20n, 21n])));
    await ok(first.shard.offsets.commit(standaloneCommit({ partition: 0, offset: 30n })));
    first.unload();
    const second = await serveShard(await moved.moveTo());
    assert.equal(await second.shard.offsets.completeTxn(commitMarker()), ErrorCode.NONE);
    assert.deepEqual(committed(second.shard), [30n, 21n]);
    second.unload();
    const third = await serveShard(await moved.moveTo());
    assert.deepEqual(committed(third.shard), [30n, 21n]);
    third.unload();
  });

  it("loses to a TxnOffsetCommit written after it (the transaction's offset is the last write)", async () => {
    const moved = await offsetsPartition(cluster);
    const first = await serveShard(moved.partition);
    await ok(first.shard.offsets.stageTxn(producer, partitionsCommit([20n, 21n])));
    await ok(first.shard.offsets.commit(standaloneCommit({ partition: 0, offset: 30n })));
    await ok(first.shard.offsets.stageTxn(producer, partitionsCommit([40n, 41n])));
    assert.equal(await first.shard.offsets.completeTxn(commitMarker()), ErrorCode.NONE);
    assert.deepEqual(committed(first.shard), [40n, 41n]);
    first.unload();
    const second = await serveShard(await moved.moveTo());
    assert.deepEqual(committed(second.shard), [40n, 41n]);
    second.unload();
  });

  it("between two transactions, the later TxnOffsetCommit wins whichever marker comes first", async () => {
    const moved = await offsetsPartition(cluster);
    const first = await serveShard(moved.partition);
    await ok(first.shard.offsets.stageTxn(producer, partitionsCommit([20n, 21n])));
    await ok(first.shard.offsets.stageTxn(other, partitionsCommit([50n, 51n])));
    assert.equal(await first.shard.offsets.completeTxn(commitMarker(other)), ErrorCode.NONE);
    assert.equal(await first.shard.offsets.completeTxn(commitMarker(producer)), ErrorCode.NONE);
    assert.deepEqual(committed(first.shard), [50n, 51n]);
    first.unload();
    const second = await serveShard(await moved.moveTo());
    assert.deepEqual(committed(second.shard), [50n, 51n]);
    second.unload();
  });

  it("keeps the write order only while a transaction has the partition staged, live and on replay", async () => {
    const moved = await offsetsPartition(cluster);
    const first = await serveShard(moved.partition);
    const offsets = first.shard.offsets;
    for (let i = 0; i < 20; i++)
      await ok(offsets.commit(standaloneCommit({ groupId: `plain-${i}`, partition: 0, offset: BigInt(i) })));
    assert.equal(offsets.trackedWrites, 0, "no transaction open: plain commits leave nothing behind");
    await ok(offsets.stageTxn(producer, partitionsCommit([20n, 21n])));
    await ok(offsets.stageTxn(other, partitionsCommit([50n, 51n])));
    await ok(offsets.commit(standaloneCommit({ partition: 0, offset: 30n })));
    await ok(offsets.commit(standaloneCommit({ groupId: "plain-0", partition: 0, offset: 99n })));
    assert.equal(offsets.trackedWrites, 1, "only g's t-0, which the open transactions staged");
    assert.equal(await offsets.completeTxn(commitMarker(other)), ErrorCode.NONE);
    assert.equal(offsets.trackedWrites, 2, "still staged by the first transaction: t-0, and t-1 claimed");
    assert.equal(await offsets.completeTxn(commitMarker(producer)), ErrorCode.NONE);
    assert.equal(offsets.trackedWrites, 0, "no transaction left: nothing tracked");
    assert.deepEqual(
      committed(first.shard),
      [30n, 51n],
      "t-0 written last by the plain commit, t-1 by the later transaction",
    );
    first.unload();
    const second = await serveShard(await moved.moveTo());
    assert.equal(second.shard.offsets.trackedWrites, 0, "a replay leaves nothing tracked either");
    assert.deepEqual(committed(second.shard), [30n, 51n]);
    second.unload();
  });

  it("compaction while the transaction is open keeps the log order: a copy is not a later write", async () => {
    const moved = await offsetsPartition(cluster);
    const first = await serveShard(moved.partition);
    await ok(first.shard.offsets.commit(standaloneCommit({ partition: 0, offset: 10n })));
    for (let i = 0; i < 10; i++)
      await ok(first.shard.offsets.commit(standaloneCommit({ groupId: "h", offset: BigInt(i) })));
    await ok(first.shard.offsets.stageTxn(producer, partitionsCommit([20n, 21n])));
    const run = await first.compactor.compact();
    assert.ok(run.copied >= 1, "the other group's latest commit was copied");
    assert.equal(
      run.trimmedTo,
      0,
      "the trim stops at g's t-0 commit, left in place for the open transaction",
    );
    first.unload();
    const second = await serveShard(await moved.moveTo());
    assert.deepEqual(committed(second.shard), [10n, -1n], "pending, not current, before the marker");
    assert.equal(await second.shard.offsets.completeTxn(commitMarker()), ErrorCode.NONE);
    assert.deepEqual(committed(second.shard), [20n, 21n], "the transaction wrote after the plain commit");
    assert.equal(second.shard.offsets.fetch("h", null)[0]!.partitions[0]!.committedOffset, 9n);
    second.unload();
    const third = await serveShard(await moved.moveTo());
    assert.deepEqual(committed(third.shard), [20n, 21n]);
    third.unload();
  });
});
