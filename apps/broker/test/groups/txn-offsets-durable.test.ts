// TxnOffsetCommit staging is durable: the offsets a transaction commits are in the offsets log (a
// transactional batch of the producer, as Kafka writes them into __consumer_offsets) before the request is
// answered, and the producer's marker is written there too. A coordinator move (or restart) between
// TxnOffsetCommit and the marker replays them as pending: OffsetFetch(require_stable) still answers
// UNSTABLE_OFFSET_COMMIT, the commit marker then makes them current, an abort drops them, and compaction of
// the offsets log never trims a record still waiting for its marker. Real s3stream storage, real moves.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { ErrorCode } from "@cirrus/kafka-protocol";
import type { GroupShard } from "../../src/groups/group-shard.ts";
import { partitionsCommit, standaloneCommit } from "./group-test-kit.ts";
import { offsetsPartition, serveShard } from "./offsets-log-kit.ts";
import { StreamCluster } from "./stream-test-kit.ts";

const cluster = new StreamCluster();
after(() => cluster.close());

const producer = { producerId: 7n, producerEpoch: 3 };
const end = (committed: boolean) => ({ ...producer, committed, coordinatorEpoch: 1 });
const wanted = [{ name: "t", partitionIndexes: [0, 1] }];

/** [offset, error] per partition of t-0 and t-1 of group g. */
function fetched(shard: GroupShard, requireStable: boolean): [bigint, number][] {
  return shard.offsets
    .fetch("g", wanted, requireStable)[0]!
    .partitions.map((p) => [p.committedOffset, p.errorCode]);
}

const UNSTABLE = ErrorCode.UNSTABLE_OFFSET_COMMIT;

/** A partition with g's plain commit of t-0 at 10 and the producer's open transaction committing 20/21. */
async function openTransactionThenMove() {
  const moved = await offsetsPartition(cluster);
  const first = await serveShard(moved.partition);
  assert.deepEqual(
    (await first.shard.offsets.commit(standaloneCommit({ offset: 10n })))[0]!.partitions[0]!.errorCode,
    ErrorCode.NONE,
  );
  const staged = await first.shard.offsets.stageTxn(producer, partitionsCommit([20n, 21n]));
  assert.deepEqual(
    staged[0]!.partitions.map((p) => p.errorCode),
    [ErrorCode.NONE, ErrorCode.NONE],
  );
  assert.deepEqual(fetched(first.shard, true), [
    [-1n, UNSTABLE],
    [-1n, UNSTABLE],
  ]);
  // The coordinator goes away before the marker: its memory is gone, the log is all that is left.
  first.unload();
  const second = await serveShard(await moved.moveTo());
  return { moved, second };
}

describe("durable TxnOffsetCommit staging", () => {
  it("a move between TxnOffsetCommit and the commit marker keeps the transaction's offsets", async () => {
    const { moved, second } = await openTransactionThenMove();
    assert.equal(second.shard.offsets.hasPendingTxn(producer.producerId), true, "replayed as pending");
    assert.deepEqual(fetched(second.shard, true), [
      [-1n, UNSTABLE],
      [-1n, UNSTABLE],
    ]);
    assert.deepEqual(fetched(second.shard, false), [
      [10n, ErrorCode.NONE],
      [-1n, ErrorCode.NONE],
    ]);

    assert.equal(await second.shard.offsets.completeTxn(end(true)), ErrorCode.NONE);
    assert.deepEqual(fetched(second.shard, true), [
      [20n, ErrorCode.NONE],
      [21n, ErrorCode.NONE],
    ]);
    assert.equal(second.shard.offsets.fetch("g", wanted)[0]!.partitions[1]!.metadata, "txn-1");
    // The marker is in the log: the next owner replays committed offsets, nothing pending.
    second.unload();
    const third = await serveShard(await moved.moveTo());
    assert.equal(third.shard.offsets.hasPendingTxn(producer.producerId), false);
    assert.deepEqual(fetched(third.shard, true), [
      [20n, ErrorCode.NONE],
      [21n, ErrorCode.NONE],
    ]);
    // A retried marker for a transaction that already ended changes nothing.
    assert.equal(await third.shard.offsets.completeTxn(end(false)), ErrorCode.NONE);
    assert.deepEqual(fetched(third.shard, true)[0], [20n, ErrorCode.NONE]);
    third.unload();
  });

  it("a move between TxnOffsetCommit and the abort marker drops the transaction's offsets", async () => {
    const { moved, second } = await openTransactionThenMove();
    assert.equal(await second.shard.offsets.completeTxn(end(false)), ErrorCode.NONE);
    const kept: [bigint, number][] = [
      [10n, ErrorCode.NONE],
      [-1n, ErrorCode.NONE],
    ];
    assert.deepEqual(fetched(second.shard, true), kept);
    second.unload();
    const third = await serveShard(await moved.moveTo());
    assert.equal(third.shard.offsets.hasPendingTxn(producer.producerId), false);
    assert.deepEqual(fetched(third.shard, true), kept);
    third.unload();
  });

  it("offsets-log compaction never trims a transactional record before its marker, and keeps what it committed", async () => {
    const moved = await offsetsPartition(cluster);
    const first = await serveShard(moved.partition);
    for (let i = 0; i < 20; i++)
      await first.shard.offsets.commit(standaloneCommit({ groupId: "other", offset: BigInt(i) }));
    const txnAt = moved.partition.nextOffset;
    await first.shard.offsets.stageTxn(producer, partitionsCommit([30n, 31n]));
    for (let i = 0; i < 20; i++)
      await first.shard.offsets.commit(standaloneCommit({ groupId: "other", offset: BigInt(100 + i) }));
    assert.equal(first.index.firstOpenTxnOffset, txnAt);

    const held = await first.compactor.compact();
    assert.equal(held.trimmedTo, txnAt, "trimmed up to the open transaction, not past it");
    assert.equal(moved.partition.logStartOffset, txnAt);
    assert.equal(first.compactor.compactIfDue(), undefined, "an open transaction at the log start holds it");

    first.unload();
    const second = await serveShard(await moved.moveTo());
    assert.deepEqual(fetched(second.shard, true), [
      [-1n, UNSTABLE],
      [-1n, UNSTABLE],
    ]);
    assert.equal(second.shard.offsets.fetch("other", null)[0]!.partitions[0]!.committedOffset, 119n);
    assert.equal(await second.shard.offsets.completeTxn(end(true)), ErrorCode.NONE);
    assert.equal(second.index.firstOpenTxnOffset, undefined);

    const released = await second.compactor.compact();
    assert.equal(released.trimmedTo, moved.partition.highWatermark - released.copied);
    assert.ok(released.trimmedTo > txnAt, "the marker released the log");
    second.unload();
    const third = await serveShard(await moved.moveTo());
    assert.equal(third.shard.offsets.hasPendingTxn(producer.producerId), false);
    assert.deepEqual(fetched(third.shard, true), [
      [30n, ErrorCode.NONE],
      [31n, ErrorCode.NONE],
    ]);
    assert.equal(third.shard.offsets.fetch("other", null)[0]!.partitions[0]!.committedOffset, 119n);
    third.unload();
  });

  it("a failed write answers a retriable error: nothing staged, or the offsets stay pending for the retried marker", async () => {
    const moved = await offsetsPartition(cluster);
    const served = await serveShard(moved.partition);
    const { log } = served;
    const append = log.append.bind(log);
    log.append = () => Promise.reject(new Error("WAL I/O error (test)"));
    const refused = await served.shard.offsets.stageTxn(producer, partitionsCommit([5n, 6n]));
    assert.deepEqual(
      refused[0]!.partitions.map((p) => p.errorCode),
      [ErrorCode.COORDINATOR_NOT_AVAILABLE, ErrorCode.COORDINATOR_NOT_AVAILABLE],
    );
    assert.equal(served.shard.offsets.hasPendingTxn(producer.producerId), false);
    log.append = append;
    await served.shard.offsets.stageTxn(producer, partitionsCommit([5n, 6n]));

    const appendMarker = log.appendTxnMarker.bind(log);
    log.appendTxnMarker = () => Promise.reject(new Error("WAL I/O error (test)"));
    assert.equal(await served.shard.offsets.completeTxn(end(true)), ErrorCode.COORDINATOR_NOT_AVAILABLE);
    assert.deepEqual(fetched(served.shard, true)[0], [-1n, UNSTABLE], "still pending");
    log.appendTxnMarker = appendMarker;
    assert.equal(await served.shard.offsets.completeTxn(end(true)), ErrorCode.NONE);
    assert.deepEqual(fetched(served.shard, true)[0], [5n, ErrorCode.NONE]);
    served.unload();
  });

  it("a TxnOffsetCommit while the producer's marker is being written is refused with CONCURRENT_TRANSACTIONS", async () => {
    const moved = await offsetsPartition(cluster);
    const served = await serveShard(moved.partition);
    await served.shard.offsets.stageTxn(producer, partitionsCommit([1n, 2n]));
    const ending = served.shard.offsets.completeTxn(end(true));
    const during = await served.shard.offsets.stageTxn(producer, partitionsCommit([3n, 4n]));
    assert.deepEqual(
      during[0]!.partitions.map((p) => p.errorCode),
      [ErrorCode.CONCURRENT_TRANSACTIONS, ErrorCode.CONCURRENT_TRANSACTIONS],
    );
    assert.equal(await ending, ErrorCode.NONE);
    assert.deepEqual(fetched(served.shard, true)[0], [1n, ErrorCode.NONE]);
    served.unload();
  });

  it("a zombie's late TxnOffsetCommit and a superseded marker (older epochs) are refused, also after a move", async () => {
    const moved = await offsetsPartition(cluster);
    const first = await serveShard(moved.partition);
    const zombie = { producerId: 7n, producerEpoch: 3 };
    const current = { producerId: 7n, producerEpoch: 4 };
    await first.shard.offsets.stageTxn(zombie, partitionsCommit([1n, 2n]));
    // The coordinator aborted the zombie's transaction under the bumped epoch (InitProducerId, or its timeout).
    const abort = { ...current, committed: false, coordinatorEpoch: 1 };
    assert.equal(await first.shard.offsets.completeTxn(abort), ErrorCode.NONE);
    const late = await first.shard.offsets.stageTxn(zombie, partitionsCommit([3n, 4n]));
    assert.deepEqual(
      late[0]!.partitions.map((p) => p.errorCode),
      [ErrorCode.INVALID_PRODUCER_EPOCH, ErrorCode.INVALID_PRODUCER_EPOCH],
    );
    assert.equal(
      first.shard.offsets.hasPendingTxn(7n),
      false,
      "nothing of the zombie waits for the new marker",
    );
    await first.shard.offsets.stageTxn(current, partitionsCommit([7n, 8n]));

    first.unload();
    const second = await serveShard(await moved.moveTo());
    const lateAgain = await second.shard.offsets.stageTxn(zombie, partitionsCommit([3n, 4n]));
    assert.equal(lateAgain[0]!.partitions[0]!.errorCode, ErrorCode.INVALID_PRODUCER_EPOCH, "epochs replayed");
    const stale = { ...zombie, committed: true, coordinatorEpoch: 1 };
    assert.equal(await second.shard.offsets.completeTxn(stale), ErrorCode.INVALID_PRODUCER_EPOCH);
    assert.deepEqual(fetched(second.shard, true)[0], [-1n, UNSTABLE], "the stale marker completed nothing");
    assert.equal(
      await second.shard.offsets.completeTxn({ ...current, committed: true, coordinatorEpoch: 1 }),
      ErrorCode.NONE,
    );
    assert.deepEqual(fetched(second.shard, true), [
      [7n, ErrorCode.NONE],
      [8n, ErrorCode.NONE],
    ]);
    second.unload();
  });
});
