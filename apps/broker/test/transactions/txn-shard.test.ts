import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ErrorCode } from "@cirrus/kafka-protocol";
import { ManualClock } from "../../src/groups/clock.ts";
import { TxnShard } from "../../src/transactions/txn-shard.ts";
import { TxnState } from "../../src/transactions/txn-state.ts";
import { MemoryTxnLog, RecordingMarkers, settle, shardKit } from "./txn-test-kit.ts";

const tp = (topic: string, partition: number) => ({ topic, partition });

async function begun(kit = shardKit(), id = "tx") {
  const init = await kit.shard.initProducerId(id, 60_000);
  assert.equal(init.errorCode, ErrorCode.NONE);
  return { kit, pid: init.producerId, epoch: init.producerEpoch };
}

describe("TxnShard: the transaction state machine", () => {
  it("InitProducerId for a new id: a fresh producer id at epoch 0, state Empty, stored", async () => {
    const kit = shardKit();
    const init = await kit.shard.initProducerId("tx", 60_000);
    assert.equal(init.errorCode, ErrorCode.NONE);
    assert.equal(init.producerEpoch, 0);
    assert.ok(init.producerId >= 0n);
    assert.equal(kit.shard.get("tx")?.state, TxnState.Empty);
    assert.equal(kit.log.records.length, 1);
  });

  it("Empty → Ongoing → PrepareCommit → CompleteCommit, markers written once with the producer's epoch", async () => {
    const { kit, pid, epoch } = await begun();
    assert.equal(await kit.shard.addPartitions("tx", pid, epoch, [tp("a", 1), tp("a", 0)]), ErrorCode.NONE);
    assert.equal(kit.shard.get("tx")?.state, TxnState.Ongoing);
    assert.deepEqual(kit.shard.get("tx")?.partitions, [tp("a", 0), tp("a", 1)]);
    assert.equal(await kit.shard.addPartitions("tx", pid, epoch, [tp("b", 0), tp("a", 0)]), ErrorCode.NONE);
    assert.deepEqual(kit.shard.get("tx")?.partitions, [tp("a", 0), tp("a", 1), tp("b", 0)]);
    assert.equal(await kit.shard.endTxn("tx", pid, epoch, true), ErrorCode.NONE);
    const states = kit.log.records.map((r) => r.value?.state);
    assert.ok(states.includes(TxnState.PrepareCommit));
    await settle();
    assert.equal(kit.shard.get("tx")?.state, TxnState.CompleteCommit);
    assert.deepEqual(kit.shard.get("tx")?.partitions, []);
    assert.equal(kit.markers.written.length, 1);
    const marker = kit.markers.written[0]!;
    assert.equal(marker.committed, true);
    assert.equal(marker.producerId, pid);
    assert.equal(marker.producerEpoch, epoch);
    assert.equal(marker.coordinatorEpoch, 3);
    assert.deepEqual(marker.partitions, [tp("a", 0), tp("a", 1), tp("b", 0)]);
    assert.deepEqual(
      kit.log.records.map((r) => r.value?.state),
      [TxnState.Empty, TxnState.Ongoing, TxnState.Ongoing, TxnState.PrepareCommit, TxnState.CompleteCommit],
    );
  });

  it("abort: PrepareAbort → CompleteAbort; a retried EndTxn answers NONE, the opposite one INVALID_TXN_STATE", async () => {
    const { kit, pid, epoch } = await begun();
    await kit.shard.addPartitions("tx", pid, epoch, [tp("a", 0)]);
    assert.equal(await kit.shard.endTxn("tx", pid, epoch, false), ErrorCode.NONE);
    await settle();
    assert.equal(kit.shard.get("tx")?.state, TxnState.CompleteAbort);
    assert.equal(kit.markers.written[0]?.committed, false);
    assert.equal(await kit.shard.endTxn("tx", pid, epoch, false), ErrorCode.NONE);
    assert.equal(await kit.shard.endTxn("tx", pid, epoch, true), ErrorCode.INVALID_TXN_STATE);
    // The next transaction starts from CompleteAbort.
    assert.equal(await kit.shard.addPartitions("tx", pid, epoch, [tp("c", 0)]), ErrorCode.NONE);
    assert.deepEqual(kit.shard.get("tx")?.partitions, [tp("c", 0)]);
  });

  it("EndTxn with nothing begun is INVALID_TXN_STATE; while markers are pending it is CONCURRENT_TRANSACTIONS", async () => {
    const { kit, pid, epoch } = await begun();
    assert.equal(await kit.shard.endTxn("tx", pid, epoch, true), ErrorCode.INVALID_TXN_STATE);
    await kit.shard.addPartitions("tx", pid, epoch, [tp("a", 0)]);
    kit.markers.failures = 1;
    assert.equal(await kit.shard.endTxn("tx", pid, epoch, true), ErrorCode.NONE);
    await settle();
    assert.equal(kit.shard.get("tx")?.state, TxnState.PrepareCommit);
    assert.equal(await kit.shard.endTxn("tx", pid, epoch, true), ErrorCode.CONCURRENT_TRANSACTIONS);
    assert.equal(
      await kit.shard.addPartitions("tx", pid, epoch, [tp("b", 0)]),
      ErrorCode.CONCURRENT_TRANSACTIONS,
    );
    assert.equal((await kit.shard.initProducerId("tx", 60_000)).errorCode, ErrorCode.CONCURRENT_TRANSACTIONS);
    // The failed marker write is retried after markerRetryMs.
    kit.clock.advance(100);
    await settle();
    assert.equal(kit.shard.get("tx")?.state, TxnState.CompleteCommit);
    assert.equal(kit.markers.attempts, 2);
    assert.equal(kit.errors.length, 1);
  });

  it("a second InitProducerId fences the first producer: epoch bumped, old epoch PRODUCER_FENCED", async () => {
    const { kit, pid, epoch } = await begun();
    const again = await kit.shard.initProducerId("tx", 60_000);
    assert.equal(again.errorCode, ErrorCode.NONE);
    assert.equal(again.producerId, pid);
    assert.equal(again.producerEpoch, epoch + 1);
    assert.equal(await kit.shard.addPartitions("tx", pid, epoch, [tp("a", 0)]), ErrorCode.PRODUCER_FENCED);
    assert.equal(await kit.shard.endTxn("tx", pid, epoch, true), ErrorCode.PRODUCER_FENCED);
    assert.equal(
      await kit.shard.addPartitions("tx", pid + 1n, epoch + 1, [tp("a", 0)]),
      ErrorCode.INVALID_PRODUCER_ID_MAPPING,
    );
    assert.equal(
      await kit.shard.addPartitions("unknown", pid, epoch, [tp("a", 0)]),
      ErrorCode.INVALID_PRODUCER_ID_MAPPING,
    );
    assert.equal(await kit.shard.addPartitions("tx", pid, epoch + 1, [tp("a", 0)]), ErrorCode.NONE);
  });

  it("InitProducerId while a transaction is open aborts it under a bumped epoch (zombie fencing), then succeeds", async () => {
    const { kit, pid, epoch } = await begun();
    await kit.shard.addPartitions("tx", pid, epoch, [tp("a", 0)]);
    const first = await kit.shard.initProducerId("tx", 60_000);
    assert.equal(first.errorCode, ErrorCode.CONCURRENT_TRANSACTIONS);
    await settle();
    assert.equal(kit.shard.get("tx")?.state, TxnState.CompleteAbort);
    assert.equal(kit.markers.written.length, 1);
    assert.equal(kit.markers.written[0]?.committed, false);
    assert.equal(
      kit.markers.written[0]?.producerEpoch,
      epoch + 1,
      "the abort marker carries the fencing epoch",
    );
    const retried = await kit.shard.initProducerId("tx", 60_000);
    assert.equal(retried.errorCode, ErrorCode.NONE);
    assert.equal(retried.producerEpoch, epoch + 2);
    assert.equal(await kit.shard.endTxn("tx", pid, epoch, false), ErrorCode.PRODUCER_FENCED);
  });

  it("a transaction older than its timeout is aborted with a bumped epoch; the late producer is fenced", async () => {
    const kit = shardKit();
    const init = await kit.shard.initProducerId("tx", 5_000);
    await kit.shard.addPartitions("tx", init.producerId, 0, [tp("a", 0)]);
    kit.clock.advance(4_000);
    await kit.shard.expire();
    assert.equal(kit.shard.get("tx")?.state, TxnState.Ongoing);
    kit.clock.advance(1_001);
    await kit.shard.expire();
    await settle();
    assert.equal(kit.shard.get("tx")?.state, TxnState.CompleteAbort);
    assert.equal(kit.shard.get("tx")?.producerEpoch, 1);
    assert.equal(kit.markers.written[0]?.committed, false);
    assert.equal(await kit.shard.endTxn("tx", init.producerId, 0, true), ErrorCode.PRODUCER_FENCED);
  });

  it("an idle id expires (tombstone) after idExpirationMs; an open one does not", async () => {
    const kit = shardKit({ idExpirationMs: 10_000, maxTimeoutMs: 60_000 });
    await kit.shard.initProducerId("idle", 50_000);
    const busy = await kit.shard.initProducerId("busy", 50_000);
    await kit.shard.addPartitions("busy", busy.producerId, 0, [tp("a", 0)]);
    kit.clock.advance(10_001);
    await kit.shard.expire();
    assert.equal(kit.shard.get("idle"), undefined);
    assert.equal(kit.shard.get("busy")?.state, TxnState.Ongoing);
    assert.deepEqual(kit.log.records.at(-1), { transactionalId: "idle", value: null });
  });

  it("an expired id starts fresh: its next InitProducerId gets a new producer id at epoch 0, the old one is unknown", async () => {
    const kit = shardKit({ idExpirationMs: 10_000 });
    const old = await kit.shard.initProducerId("tx", 5_000);
    await kit.shard.addPartitions("tx", old.producerId, 0, [tp("a", 0)]);
    assert.equal(await kit.shard.endTxn("tx", old.producerId, 0, true), ErrorCode.NONE);
    await settle();
    assert.equal(kit.shard.get("tx")?.state, TxnState.CompleteCommit);
    kit.clock.advance(10_000);
    await kit.shard.expire();
    assert.ok(kit.shard.get("tx"), "idle exactly the expiration time: kept");
    kit.clock.advance(1);
    await kit.shard.expire();
    assert.equal(kit.shard.get("tx"), undefined);
    assert.equal(
      await kit.shard.addPartitions("tx", old.producerId, 0, [tp("a", 0)]),
      ErrorCode.INVALID_PRODUCER_ID_MAPPING,
      "the producer that let its id expire is told its id mapping is gone",
    );
    const fresh = await kit.shard.initProducerId("tx", 5_000, {
      producerId: old.producerId,
      producerEpoch: 0,
    });
    assert.equal(fresh.errorCode, ErrorCode.NONE);
    assert.notEqual(fresh.producerId, old.producerId);
    assert.equal(fresh.producerEpoch, 0);
  });

  it("PrepareCommit / PrepareAbort are never expired, however long their markers take", async () => {
    const kit = shardKit({ idExpirationMs: 10_000 });
    const init = await kit.shard.initProducerId("tx", 5_000);
    await kit.shard.addPartitions("tx", init.producerId, 0, [tp("a", 0)]);
    kit.markers.failures = 1_000;
    assert.equal(await kit.shard.endTxn("tx", init.producerId, 0, false), ErrorCode.NONE);
    kit.clock.advance(1_000_000);
    await kit.shard.expire();
    assert.equal(kit.shard.get("tx")?.state, TxnState.PrepareAbort);
    assert.equal(kit.log.records.filter((r) => r.value === null).length, 0, "no tombstone");
    kit.shard.unload();
  });

  it("bad timeouts are INVALID_TRANSACTION_TIMEOUT; a failed log write changes nothing and is retriable", async () => {
    const kit = shardKit({ maxTimeoutMs: 60_000 });
    assert.equal((await kit.shard.initProducerId("tx", 0)).errorCode, ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    assert.equal(
      (await kit.shard.initProducerId("tx", 60_001)).errorCode,
      ErrorCode.INVALID_TRANSACTION_TIMEOUT,
    );
    kit.log.failNext = 1;
    assert.equal(
      (await kit.shard.initProducerId("tx", 1_000)).errorCode,
      ErrorCode.COORDINATOR_NOT_AVAILABLE,
    );
    assert.equal(kit.shard.get("tx"), undefined);
    const init = await kit.shard.initProducerId("tx", 1_000);
    assert.equal(init.errorCode, ErrorCode.NONE);
    kit.log.failNext = 1;
    assert.equal(
      await kit.shard.addPartitions("tx", init.producerId, 0, [tp("a", 0)]),
      ErrorCode.COORDINATOR_NOT_AVAILABLE,
    );
    assert.equal(kit.shard.get("tx")?.state, TxnState.Empty);
  });

  it("KIP-360: InitProducerId naming the current id/epoch bumps it, naming an old epoch is PRODUCER_FENCED", async () => {
    const { kit, pid, epoch } = await begun();
    const bumped = await kit.shard.initProducerId("tx", 60_000, { producerId: pid, producerEpoch: epoch });
    assert.equal(bumped.errorCode, ErrorCode.NONE);
    assert.equal(bumped.producerEpoch, epoch + 1);
    const retry = await kit.shard.initProducerId("tx", 60_000, { producerId: pid, producerEpoch: epoch });
    assert.deepEqual(retry, bumped, "a retry of the same bump answers the same epoch");
    const stale = await kit.shard.initProducerId("tx", 60_000, { producerId: pid, producerEpoch: epoch + 5 });
    assert.equal(stale.errorCode, ErrorCode.PRODUCER_FENCED);
  });

  it("an unloaded or not yet serving shard answers NOT_COORDINATOR", async () => {
    const { kit, pid, epoch } = await begun();
    kit.shard.unload();
    assert.equal(await kit.shard.addPartitions("tx", pid, epoch, [tp("a", 0)]), ErrorCode.NOT_COORDINATOR);
    assert.equal((await kit.shard.initProducerId("x", 1000)).errorCode, ErrorCode.NOT_COORDINATOR);
  });
});

describe("TxnShard: recovery from the transaction log", () => {
  it("a new owner replays the log: same state; a replayed PrepareCommit is completed with its markers", async () => {
    const { kit, pid, epoch } = await begun();
    await kit.shard.addPartitions("tx", pid, epoch, [tp("a", 0), tp("b", 2)]);
    kit.markers.failures = 1_000; // the old owner never manages to write the markers
    assert.equal(await kit.shard.endTxn("tx", pid, epoch, true), ErrorCode.NONE);
    await settle();
    kit.shard.unload();
    const open = await kit.shard.initProducerId("other", 60_000); // refused: unloaded
    assert.equal(open.errorCode, ErrorCode.NOT_COORDINATOR);

    const log = new MemoryTxnLog();
    log.records.push(...kit.log.records);
    const next = { clock: new ManualClock(), markers: new RecordingMarkers() };
    // Replay first, then serve, as the coordinator does.
    const moved = new TxnShard({
      partition: 0,
      coordinatorEpoch: 4,
      clock: next.clock,
      log,
      markers: next.markers,
      allocateProducerId: () => 1n,
      maxTimeoutMs: 900_000,
      idExpirationMs: 7 * 24 * 3600_000,
      markerRetryMs: 100,
      onBackgroundError: () => {},
    });
    for (const r of kit.log.records) moved.replay(r);
    assert.equal(moved.get("tx")?.state, TxnState.PrepareCommit);
    assert.equal(
      await moved.endTxn("tx", pid, epoch, true),
      ErrorCode.NOT_COORDINATOR,
      "not serving before replay ends",
    );
    moved.startServing();
    await settle();
    assert.equal(moved.get("tx")?.state, TxnState.CompleteCommit);
    assert.deepEqual(
      next.markers.written.map((m) => [m.committed, m.coordinatorEpoch, m.partitions]),
      [[true, 4, [tp("a", 0), tp("b", 2)]]],
    );
    assert.equal(
      await moved.endTxn("tx", pid, epoch, true),
      ErrorCode.NONE,
      "the client's retried commit succeeds",
    );
  });

  it("an expiry tombstone is replayed by the next owner: the id is gone there too and starts fresh", async () => {
    const kit = shardKit({ idExpirationMs: 10_000 });
    const old = await kit.shard.initProducerId("gone", 5_000);
    await kit.shard.initProducerId("kept", 5_000);
    kit.clock.advance(5_000);
    await kit.shard.initProducerId("kept", 5_000); // used again: its idle time restarts
    kit.clock.advance(5_001);
    await kit.shard.expire();
    assert.deepEqual(
      kit.log.records.filter((r) => r.value === null),
      [{ transactionalId: "gone", value: null }],
    );
    kit.shard.unload();
    const moved = shardKit({ clock: kit.clock, log: new MemoryTxnLog(), idExpirationMs: 10_000 });
    for (const r of kit.log.records) moved.shard.replay(r);
    assert.equal(moved.shard.get("gone"), undefined, "the tombstone deleted what the records before it said");
    assert.equal(moved.shard.get("kept")?.producerEpoch, 1);
    const fresh = await moved.shard.initProducerId("gone", 5_000);
    assert.equal(fresh.errorCode, ErrorCode.NONE);
    assert.notEqual(fresh.producerId, old.producerId);
    assert.equal(fresh.producerEpoch, 0);
  });

  it("an Ongoing transaction survives the move and still times out at the new owner", async () => {
    const kit = shardKit();
    const init = await kit.shard.initProducerId("tx", 5_000);
    await kit.shard.addPartitions("tx", init.producerId, 0, [tp("a", 0)]);
    const moved = shardKit({ clock: kit.clock, log: new MemoryTxnLog() });
    // A serving shard fed by replay behaves as a freshly loaded one.
    for (const r of kit.log.records) moved.shard.replay(r);
    assert.equal(moved.shard.get("tx")?.state, TxnState.Ongoing);
    kit.clock.advance(6_000);
    await moved.shard.expire();
    await settle();
    assert.equal(moved.shard.get("tx")?.state, TxnState.CompleteAbort);
    assert.equal(moved.markers.written[0]?.producerEpoch, 1);
  });
});
