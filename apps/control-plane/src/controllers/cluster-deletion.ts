import { and, eq, ne } from "drizzle-orm";
import { brokers, clusters, partitions, streams } from "../db/schema.ts";
import { inTransaction } from "../db/transaction.ts";
import { removeStreams } from "../objects/stream-removal.ts";
import type { AssignmentNotifier } from "../services/assignment-notifier.ts";
import { ClusterOperation } from "../services/clusters.ts";
import type { Operation } from "../services/operations.ts";
import {
  bumpVersions,
  finishClosedMoves,
  lockCluster,
  releasePartitionsOf,
} from "../services/partition-assigner.ts";
import {
  type ControllerContext,
  type OperationHandler,
  type OperationStepHandler,
  STEP_WAIT,
} from "./controller-runner.ts";

/** How long deletion waits for brokers to upload their tails and close their streams. */
export const DRAIN_TIMEOUT_MS = 30_000;

export interface ClusterDeletionOptions {
  notifier: AssignmentNotifier;
  /**
   * Deletes the cluster's provider resources (scaling group, volumes…): the provisioner supplies it.
   * Must be idempotent. Without one, the cluster has no provider resources to delete (brokers run
   * by hand against the internal API).
   */
  deprovision?: OperationStepHandler["run"];
}

/**
 * `cluster.delete`: drain the brokers (each uploads its WAL tail and closes its streams, bounded by
 * DRAIN_TIMEOUT_MS), stop them (their epochs are fenced), delete provider resources, purge the
 * streams if asked (their objects become unreferenced), remove the cluster's metadata. Without purge
 * the streams and objects rows stay: the data is kept.
 *
 * Input `{ purge, abandon }`. With `abandon`, provider resources the deletion cannot reach are forgotten
 * and listed in the operation's `leftBehind` (the provisioner's deprovision.ts); without it such a
 * deletion fails and leaves the cluster DELETING, and deleting it again starts a new operation
 * (services/clusters.ts deleteCluster).
 */
export function clusterDeletionHandler(options: ClusterDeletionOptions): OperationHandler<"cluster.delete"> {
  return {
    type: ClusterOperation.DELETE,
    steps: [
      {
        name: "drain-brokers",
        async run(ctx: ControllerContext, op: Operation) {
          const clusterId = op.clusterId!;
          const started = op.steps.find((s) => s.name === "drain-brokers")?.startedAt ?? ctx.now();
          const { waiting, changed } = await inTransaction(ctx.db, async (tx) => {
            if (!(await lockCluster(tx, clusterId))) return { waiting: 0, changed: [] };
            // Nothing is reassigned: the cluster is DELETING and every broker is DRAINING.
            const drained = await tx
              .update(brokers)
              .set({ state: "DRAINING" })
              .where(and(eq(brokers.clusterId, clusterId), eq(brokers.state, "ACTIVE")))
              .returning({ brokerId: brokers.brokerId });
            const leaders = await tx
              .selectDistinct({ brokerId: partitions.leaderBrokerId })
              .from(partitions)
              .where(and(eq(partitions.clusterId, clusterId), ne(partitions.leaderBrokerId, -1)));
            const changed = await releasePartitionsOf(
              tx,
              clusterId,
              leaders.map((l) => l.brokerId),
              true,
            );
            const waiting = await finishClosedMoves(tx, clusterId);
            if (drained.length > 0)
              await bumpVersions(
                tx,
                clusterId,
                drained.map((b) => b.brokerId),
              );
            return { waiting, changed: [...changed, ...drained.map((b) => b.brokerId)] };
          });
          await options.notifier.changed(clusterId, changed);
          if (waiting > 0 && ctx.now() - started < DRAIN_TIMEOUT_MS) return STEP_WAIT;
          if (waiting > 0) {
            ctx.log("cluster deletion: drain timed out, fencing anyway", { clusterId, waiting });
            await ctx.db
              .update(partitions)
              .set({ closingBrokerId: -1 })
              .where(and(eq(partitions.clusterId, clusterId), ne(partitions.closingBrokerId, -1)));
          }
          return undefined;
        },
      },
      {
        name: "fence-brokers",
        async run(ctx: ControllerContext, op: Operation) {
          const clusterId = op.clusterId!;
          const stopped = await inTransaction(ctx.db, async (tx) => {
            if (!(await lockCluster(tx, clusterId))) return [];
            const rows = await tx
              .update(brokers)
              .set({ state: "STOPPED", leaseUntil: 0 })
              .where(eq(brokers.clusterId, clusterId))
              .returning({ brokerId: brokers.brokerId });
            await bumpVersions(
              tx,
              clusterId,
              rows.map((r) => r.brokerId),
            );
            return rows.map((r) => r.brokerId);
          });
          await options.notifier.changed(clusterId, stopped);
        },
      },
      {
        name: "deprovision-resources",
        async run(ctx: ControllerContext, op: Operation) {
          return options.deprovision?.(ctx, op);
        },
      },
      {
        name: "release-streams",
        async run(ctx: ControllerContext, op: Operation) {
          if (op.input.purge !== true) return;
          const clusterId = op.clusterId!;
          await inTransaction(ctx.db, async (tx) => {
            const rows = await tx
              .select({ id: streams.id })
              .from(streams)
              .where(eq(streams.clusterId, clusterId));
            await removeStreams(
              tx,
              rows.map((r) => r.id),
              ctx.now(),
            );
          });
        },
      },
      {
        name: "remove-metadata",
        async run(ctx: ControllerContext, op: Operation) {
          // Cascades to brokers, topics, partitions and volumes.
          await ctx.db.delete(clusters).where(eq(clusters.id, op.clusterId!));
        },
      },
    ],
  };
}
