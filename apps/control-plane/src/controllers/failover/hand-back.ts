import { and, eq, sql } from "drizzle-orm";
import type { Db } from "../../db/database.ts";
import { brokers, streams } from "../../db/schema.ts";
import { inTransaction } from "../../db/transaction.ts";
import { ApiError } from "../../errors.ts";
import {
  assignLeaderlessPartitions,
  bumpVersions,
  lockCluster,
  releasePartitionsOf,
} from "../../services/partition-assigner.ts";
import { startFailoverUnlessPending } from "../broker-lease-controller.ts";
import { walVolumeOf } from "./wal-volume-of.ts";

export interface DeregisterResult {
  /** STOPPED: every stream was handed back; FENCED: some were still open, a failover recovers its WAL. */
  state: "STOPPED" | "FENCED";
  /** Brokers whose assignments changed (to notify after commit). */
  changed: number[];
}

/**
 * Graceful hand-back, called by a broker at the end of its shutdown (WAL tail uploaded, streams closed):
 * the incarnation (brokerId, epoch) stops at once (state STOPPED, lease 0, so nothing it sends is
 * accepted any more) and its partitions go to the ACTIVE brokers with new leader epochs, without waiting
 * for the lease to expire. If it still holds OPENED streams (its shutdown did not finish the upload) and
 * has a WAL volume, it is FENCED instead and a `broker.failover` recovers the WAL first (its partitions
 * stay until then: reassigning earlier would lose acknowledged records).
 *
 * Idempotent: a repeat for an incarnation already STOPPED/FENCED returns its state with nothing changed.
 * Errors: BROKER_NOT_FOUND (no such broker), BROKER_FENCED (another epoch is current).
 */
export async function deregisterBroker(
  db: Db,
  clusterId: string,
  brokerId: number,
  epoch: number,
): Promise<DeregisterResult> {
  return inTransaction(db, async (tx) => {
    await lockCluster(tx, clusterId);
    const [broker] = await tx
      .select({
        epoch: brokers.epoch,
        state: brokers.state,
        volumeId: brokers.volumeId,
        instanceId: brokers.instanceId,
      })
      .from(brokers)
      .where(and(eq(brokers.clusterId, clusterId), eq(brokers.brokerId, brokerId)));
    if (!broker) throw new ApiError("BROKER_NOT_FOUND", `broker ${brokerId} is not registered`);
    if (broker.epoch !== epoch) {
      throw new ApiError(
        "BROKER_FENCED",
        `broker ${brokerId} epoch ${epoch} is fenced by epoch ${broker.epoch}`,
      );
    }
    if (broker.state === "STOPPED" || broker.state === "FENCED") {
      return { state: broker.state, changed: [] };
    }
    const [open] = await tx
      .select({ count: sql<number>`count(*)::int` })
      .from(streams)
      .where(
        and(
          eq(streams.clusterId, clusterId),
          eq(streams.nodeId, brokerId),
          eq(streams.state, "OPENED"),
          eq(streams.deleted, false),
        ),
      );
    const volumeId = await walVolumeOf(tx, clusterId, broker);
    const unfinished = Number(open?.count ?? 0) > 0 && volumeId !== null;
    const state = unfinished ? "FENCED" : "STOPPED";
    await tx
      .update(brokers)
      .set({ state, leaseUntil: 0 })
      .where(and(eq(brokers.clusterId, clusterId), eq(brokers.brokerId, brokerId)));
    let released: number[] = [];
    if (volumeId !== null && unfinished) {
      await startFailoverUnlessPending(tx, clusterId, { brokerId, epoch, volumeId }, "broker-deregister");
    } else {
      released = await releasePartitionsOf(tx, clusterId, [brokerId], false);
    }
    const assigned = await assignLeaderlessPartitions(tx, clusterId);
    await bumpVersions(tx, clusterId, [brokerId]); // the bootstrap list drops it
    return { state, changed: [brokerId, ...released, ...assigned] };
  });
}
