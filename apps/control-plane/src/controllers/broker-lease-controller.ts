import { and, eq, gte, inArray, lt, sql } from "drizzle-orm";
import type { Tx } from "../db/database.ts";
import { brokers, operations } from "../db/schema.ts";
import { inTransaction } from "../db/transaction.ts";
import type { AssignmentNotifier } from "../services/assignment-notifier.ts";
import type { OperationInput } from "../services/operation-catalog.ts";
import { createOperation, OperationStatus } from "../services/operations.ts";
import {
  assignLeaderlessPartitions,
  lockCluster,
  releasePartitionsOf,
} from "../services/partition-assigner.ts";
import type { Controller, ControllerContext } from "./controller-runner.ts";
import { walVolumeOf } from "./failover/wal-volume-of.ts";

/** Operation type the failover controller handles: recover a fenced broker's WAL volume, then reassign. */
export const FAILOVER_OPERATION = "broker.failover";

/**
 * Creates the `broker.failover` of a fenced broker's WAL volume unless one for that broker is still pending or
 * running (in the caller's transaction, with the fencing). Shared by lease expiry and unfinished deregistration.
 */
export async function startFailoverUnlessPending(
  tx: Tx,
  clusterId: string,
  input: OperationInput<"broker.failover">,
  createdBy: string,
): Promise<void> {
  const [pending] = await tx
    .select({ id: operations.id })
    .from(operations)
    .where(
      and(
        eq(operations.clusterId, clusterId),
        eq(operations.type, FAILOVER_OPERATION),
        sql`${operations.input}->>'brokerId' = ${String(input.brokerId)}`,
        inArray(operations.status, [OperationStatus.PENDING, OperationStatus.RUNNING]),
      ),
    );
  if (!pending) await createOperation(tx, { type: FAILOVER_OPERATION, clusterId, input, createdBy });
}

export interface BrokerLeaseOptions {
  /** The lease a heartbeat grants (config.leaseMs): what brokers get again after a gap in watching. */
  leaseMs: number;
  /** Told how many leases a pass after a gap renewed (metrics). */
  onRenewedAfterGap?: (brokers: number) => void;
}

/**
 * Fences brokers whose lease ran out (their heartbeats stopped): state FENCED, so their commits and
 * heartbeats are refused from now on. A fenced broker with a WAL volume keeps its partitions until a
 * `broker.failover` operation (created here, carried out by the failover controller) has replayed
 * that volume: reassigning earlier would lose acknowledged writes. One without a volume has nothing
 * to recover: its partitions are reassigned at once.
 *
 * A lease only runs out while the control plane is watching. After a gap in which this controller could not
 * run (first pass after a start or a leadership change, a paused or starved process, a database outage:
 * longer than half a lease since its last completed pass), heartbeats could not have been answered either, so
 * fencing on what the clock says would fence every broker of every cluster for the control plane's own
 * outage. Instead the leases that ran out during the gap are renewed for one lease from now; a broker that
 * really died is fenced one lease later. (Apache Kafka's controller does the same on activation: every broker
 * is treated as having just heartbeated.) Brokers whose lease expired before the gap are fenced as usual.
 */
export function brokerLeaseController(notifier: AssignmentNotifier, options: BrokerLeaseOptions): Controller {
  /** When the last pass completed: the control plane watched leases until then. */
  let watchedUntil: number | undefined;
  return {
    name: "broker-lease",
    async reconcile(ctx: ControllerContext): Promise<void> {
      const now = ctx.now();
      if (watchedUntil === undefined || now - watchedUntil > options.leaseMs / 2) {
        const renewed = await renewAfterGap(ctx, watchedUntil, options.leaseMs);
        options.onRenewedAfterGap?.(renewed);
        watchedUntil = ctx.now();
        return;
      }
      await fenceExpired(ctx, notifier);
      watchedUntil = ctx.now();
    },
  };
}

/** Renews, for one lease from now, the leased brokers whose lease ran out after `since` (all, without it). */
async function renewAfterGap(
  ctx: ControllerContext,
  since: number | undefined,
  leaseMs: number,
): Promise<number> {
  const now = ctx.now();
  const renewed = await ctx.db
    .update(brokers)
    .set({ leaseUntil: now + leaseMs })
    .where(
      and(
        inArray(brokers.state, ["ACTIVE", "DRAINING"]),
        lt(brokers.leaseUntil, now + leaseMs),
        ...(since === undefined ? [] : [gte(brokers.leaseUntil, since)]),
      ),
    )
    .returning({ clusterId: brokers.clusterId, brokerId: brokers.brokerId });
  ctx.log("broker leases renewed after a gap in watching them", {
    gapMs: since === undefined ? null : now - since,
    brokers: renewed.length,
  });
  return renewed.length;
}

async function fenceExpired(ctx: ControllerContext, notifier: AssignmentNotifier): Promise<void> {
  const expired = await ctx.db
    .select({ clusterId: brokers.clusterId })
    .from(brokers)
    .where(and(inArray(brokers.state, ["ACTIVE", "DRAINING"]), lt(brokers.leaseUntil, ctx.now())));
  for (const clusterId of new Set(expired.map((e) => e.clusterId))) {
    const changed = await inTransaction(ctx.db, async (tx) => {
      await lockCluster(tx, clusterId);
      const fenced = await tx
        .update(brokers)
        .set({ state: "FENCED" })
        .where(
          and(
            eq(brokers.clusterId, clusterId),
            inArray(brokers.state, ["ACTIVE", "DRAINING"]),
            lt(brokers.leaseUntil, ctx.now()),
          ),
        )
        .returning({
          brokerId: brokers.brokerId,
          epoch: brokers.epoch,
          volumeId: brokers.volumeId,
          instanceId: brokers.instanceId,
        });
      const withoutVolume: number[] = [];
      for (const b of fenced) {
        const volumeId = await walVolumeOf(tx, clusterId, b);
        if (volumeId === null) {
          withoutVolume.push(b.brokerId);
          continue;
        }
        await startFailoverUnlessPending(
          tx,
          clusterId,
          { brokerId: b.brokerId, epoch: b.epoch, volumeId },
          "broker-lease-controller",
        );
      }
      const released = await releasePartitionsOf(tx, clusterId, withoutVolume, false);
      const assigned = await assignLeaderlessPartitions(tx, clusterId);
      ctx.log("fenced brokers whose lease expired", {
        clusterId,
        brokers: fenced.map((b) => b.brokerId),
      });
      return [...fenced.map((b) => b.brokerId), ...released, ...assigned];
    });
    await notifier.changed(clusterId, changed);
  }
}
