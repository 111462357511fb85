// Abort markers on a compacted log (log-cleaner-aborts.ts), on real s3stream storage: a pass removes an
// aborted transaction's records and notes it; a pass delete.retention.ms later forgets the transaction in
// the live index, the checkpointer's state and every stored checkpoint, then removes the marker. read_committed
// readers never see the aborted records (they are gone) and are never told of a transaction whose marker is
// gone; a full scan, another owner and a reload all agree. Without the live index, or while it loads, or
// above a stored checkpoint, the marker stays.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Storage } from "@cirrus/s3stream";
import { decodeCheckpoint } from "../../src/partitions/checkpoint-codec.ts";
import { cleanPartition } from "../../src/partitions/log-cleaner.ts";
import type { Partition } from "../../src/partitions/partition.ts";
import { ProducerStateManager } from "../../src/producers/index.ts";
import { rebuildTxnIndex } from "../../src/producers/rebuild-txn-index.ts";
import {
  checkpoints,
  HOUR,
  LIMITS,
  NOW,
  openOn,
  openStorage,
  openWithProducerState,
  policy,
  put,
  readAll,
  states,
  transaction,
} from "./log-cleaner-kit.ts";

/** Flushes and moves the data into stream objects (what the cleaner rewrites). */
async function settleObjects(storage: Storage): Promise<void> {
  await storage.flush();
  await storage.compactNow();
}

/** The aborted transactions every holder of the index lists for the whole log, as [producer, marker]. */
async function listed(gate: ProducerStateManager, on: Partition) {
  const pairs = (list: readonly { producerId: bigint; lastOffset: number }[]) =>
    list.map((a) => [a.producerId, a.lastOffset]);
  const hw = on.highWatermark;
  const stored = [];
  for (const offset of await checkpoints.list(on.streamId)) {
    const txns = decodeCheckpoint(await checkpoints.get(on.streamId, offset)).txns;
    stored.push(pairs(txns?.aborted ?? []));
  }
  return {
    live: pairs(gate.transactions(on)?.abortedIn(0, hw) ?? []),
    state: pairs((await on.checkpoints.catchUp()).txns.abortedIn(0, hw)),
    scan: pairs((await rebuildTxnIndex(on, 1 << 20)).index.abortedIn(0, hw)),
    stored,
  };
}

describe("abort markers on a compacted log", () => {
  it("records first, the marker delete.retention.ms later, forgotten everywhere before it goes", async () => {
    const { storage, streamId, partition, gate } = await openWithProducerState(21);
    await put(partition, [["k", "before"]]);
    const abortAt = await transaction(gate, partition, 31n, "k", "aborted", false);
    const commitAt = await transaction(gate, partition, 32n, "c", "committed", true);
    await put(partition, [["z", "after"]]);
    await partition.checkpoints.checkpointNow(); // stored above both markers
    await settleObjects(storage);
    const hw = partition.highWatermark;

    const first = await cleanPartition(partition, storage, states, policy, NOW, LIMITS, gate);
    assert.ok(first.cleaned);
    assert.deepEqual(await readAll(partition), [
      [0, "k", "before"],
      [abortAt, "(marker)", null],
      [abortAt + 1, "c", "committed"],
      [commitAt, "(marker)", null],
      [5, "z", "after"],
    ]);
    assert.deepEqual((await states.get(streamId))?.abortsEmptied, { below: hw, atMs: NOW });
    assert.equal((await states.get(streamId))?.deleteHorizonMs, NOW + HOUR, "a pass is due then");
    const before = await listed(gate, partition);
    assert.deepEqual(before.live, [[31n, abortAt]], "still listed while its marker is there");

    const early = await cleanPartition(partition, storage, states, policy, NOW + HOUR - 1, LIMITS, gate);
    assert.equal(early.cleaned, false);

    const removed = await cleanPartition(partition, storage, states, policy, NOW + HOUR, LIMITS, gate);
    assert.ok(removed.cleaned);
    assert.equal(removed.why, "delete-horizon");
    assert.equal(removed.recordsRemoved, 1, "the abort marker's record");
    assert.deepEqual(await readAll(partition), [
      [0, "k", "before"],
      [abortAt, "(removed marker)", null],
      [abortAt + 1, "c", "committed"],
      [commitAt, "(marker)", null],
      [5, "z", "after"],
    ]);
    assert.deepEqual(await listed(gate, partition), { live: [], state: [], scan: [], stored: [[]] });
    assert.equal(gate.transactions(partition)?.lastStableOffset(hw), hw, "nothing left open");
    assert.equal((await states.get(streamId))?.abortsEmptied, undefined, "nothing more waits");

    // Another owner, from the rewritten checkpoint: the same.
    await partition.close();
    await storage.shutdown();
    const storageB = await openStorage(22);
    const onB = await openOn(storageB, streamId, 2);
    const gateB = new ProducerStateManager();
    await gateB.load(onB);
    assert.deepEqual(await listed(gateB, onB), {
      live: [],
      state: [],
      scan: [],
      stored: (await checkpoints.list(streamId)).map(() => []),
    });
    assert.equal(gateB.transactions(onB)?.lastStableOffset(hw), hw);
    await onB.close();
  });

  it("the marker stays without the live index, while it loads, and above a stored checkpoint", async () => {
    const { storage, streamId, partition, gate } = await openWithProducerState(23);
    const heldByCheckpoint = await partition.checkpoints.checkpointNow().then(async () => {
      // A checkpoint below the transaction: a reload from there folds the log past the marker.
      await put(partition, [["k", "0"]]);
      await partition.checkpoints.checkpointNow();
      return transaction(gate, partition, 41n, "k", "aborted", false);
    });
    await put(partition, [["z", "after"]]);
    await settleObjects(storage);
    assert.ok((await checkpoints.list(streamId)).some((o) => o <= heldByCheckpoint));

    await cleanPartition(partition, storage, states, policy, NOW, LIMITS, gate);
    const later = NOW + 2 * HOUR;
    assert.ok((await cleanPartition(partition, storage, states, policy, later, LIMITS, gate)).cleaned);
    const marker = (await readAll(partition)).find(([o]) => o === heldByCheckpoint);
    assert.deepEqual(marker, [heldByCheckpoint, "(marker)", null], "held below a stored checkpoint");
    assert.deepEqual((await listed(gate, partition)).live, [[41n, heldByCheckpoint]]);

    // Two more checkpoints (two are kept): every stored one is above the marker now.
    for (const key of ["y", "x"]) {
      await put(partition, [[key, "more"]]);
      await partition.checkpoints.checkpointNow();
    }
    assert.ok((await checkpoints.list(streamId)).every((o) => o > heldByCheckpoint));
    await settleObjects(storage);
    const markerNow = async () => (await readAll(partition)).find(([o]) => o === heldByCheckpoint)?.[1];
    // Without the live index (no ProducerStateManager): never, however late.
    const eager = { ...policy, minCleanableDirtyRatio: 0 };
    await cleanPartition(partition, storage, states, eager, later, LIMITS);
    await cleanPartition(partition, storage, states, eager, later + 2 * HOUR, LIMITS);
    assert.equal(await markerNow(), "(marker)", "without the live index");
    // With it, passes remove it (the first runs for new records, and notes the aborted transaction).
    await put(partition, [["w", "more"]]);
    await settleObjects(storage);
    await cleanPartition(partition, storage, states, eager, later + 4 * HOUR, LIMITS, gate);
    await cleanPartition(partition, storage, states, eager, later + 6 * HOUR, LIMITS, gate);
    assert.equal(await markerNow(), "(removed marker)");
    assert.deepEqual((await listed(gate, partition)).live, []);

    // While the live index loads: the load may hold a copy from before, so the marker stays.
    const loading = new ProducerStateManager();
    const load = loading.load(partition);
    assert.equal(loading.dropAborted(partition, []), false);
    await load;
    assert.equal(loading.dropAborted(partition, []), true);
    await partition.close();
  });
});
