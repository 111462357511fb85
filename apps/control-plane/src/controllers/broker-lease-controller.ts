import { and, eq, inArray, lt, sql } from "drizzle-orm";
import { brokers, operations } from "../db/schema.ts";
import { inTransaction } from "../db/transaction.ts";
import type { AssignmentNotifier } from "../services/assignment-notifier.ts";
import { createOperation, OperationStatus } from "../services/operations.ts";
import {
  assignLeaderlessPartitions,
  lockCluster,
  releasePartitionsOf,
} from "../services/partition-assigner.ts";
import type { Controller, ControllerContext } from "./controller-runner.ts";

/** Operation type the failover controller handles: recover a fenced broker's WAL volume, then reassign. */
export const FAILOVER_OPERATION = "broker.failover";
export const FAILOVER_STEPS = ["attach-volume", "replay-wal", "reassign-partitions"];

/**
 * Fences brokers whose lease ran out (their heartbeats stopped): state FENCED, so their commits and
 * heartbeats are refused from now on. A fenced broker with a WAL volume keeps its partitions until a
 * `broker.failover` operation (created here, carried out by the failover controller) has replayed
 * that volume: reassigning earlier would lose acknowledged writes. One without a volume has nothing
 * to recover: its partitions are reassigned at once.
 */
export function brokerLeaseController(notifier: AssignmentNotifier): Controller {
  return {
    name: "broker-lease",
    async reconcile(ctx: ControllerContext): Promise<void> {
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
            .returning({ brokerId: brokers.brokerId, epoch: brokers.epoch, volumeId: brokers.volumeId });
          const withoutVolume = fenced.filter((b) => b.volumeId === null).map((b) => b.brokerId);
          for (const b of fenced.filter((b) => b.volumeId !== null)) {
            const [pending] = await tx
              .select({ id: operations.id })
              .from(operations)
              .where(
                and(
                  eq(operations.clusterId, clusterId),
                  eq(operations.type, FAILOVER_OPERATION),
                  sql`${operations.input}->>'brokerId' = ${String(b.brokerId)}`,
                  inArray(operations.status, [OperationStatus.PENDING, OperationStatus.RUNNING]),
                ),
              );
            if (pending) continue;
            await createOperation(tx, {
              type: FAILOVER_OPERATION,
              clusterId,
              input: { brokerId: b.brokerId, epoch: b.epoch, volumeId: b.volumeId },
              steps: FAILOVER_STEPS,
              createdBy: "broker-lease-controller",
            });
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
    },
  };
}
