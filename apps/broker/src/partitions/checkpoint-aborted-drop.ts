// Forgetting aborted transactions in the checkpoints already stored: before the log cleaner removes an abort
// marker, every place that could list its transaction to a read_committed fetch must forget it, stored
// checkpoints included, or an owner loading one of them would list a transaction whose marker the consumer
// never meets (log-cleaner-records.ts). Each checkpoint is rewritten in place, with only its aborted list
// changed; one written meanwhile comes from the state, which forgot them first (PartitionCheckpointer).
import type { AbortedTxn } from "../producers/partition-txn-index.ts";
import { TxnLogState } from "../producers/txn-log-state.ts";
import { decodeCheckpoint, encodeCheckpoint } from "./checkpoint-codec.ts";
import type { CheckpointStore } from "./checkpoint-store.ts";

/**
 * Rewrites every stored checkpoint of `streamId` that lists one of `entries` without it. Rejects when the
 * store fails or a checkpoint cannot be decoded (the caller then keeps the markers: some checkpoints may
 * already be rewritten, which is safe while the markers stay, as the transactions' records are gone).
 */
export async function dropAbortedFromStored(
  store: CheckpointStore,
  streamId: number,
  entries: readonly AbortedTxn[],
): Promise<void> {
  for (const offset of await store.list(streamId)) {
    const checkpoint = decodeCheckpoint(await store.get(streamId, offset));
    // A checkpoint without transactions makes its loader scan the log, where the removed markers are gone.
    if (!checkpoint.txns) continue;
    const txns = TxnLogState.fromSnapshot(checkpoint.txns);
    txns.dropAborted(entries);
    const snapshot = txns.snapshot();
    if (snapshot.aborted.length === checkpoint.txns.aborted.length) continue;
    await store.put(streamId, offset, encodeCheckpoint({ ...checkpoint, txns: snapshot }));
  }
}
