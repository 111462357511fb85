import { eq } from "drizzle-orm";
import { brokers, clusters, streams } from "../db/schema.ts";
import { inTransaction } from "../db/transaction.ts";
import { removeStreams } from "../objects/stream-removal.ts";
import type { AssignmentNotifier } from "../services/assignment-notifier.ts";
import { ClusterOperation } from "../services/clusters.ts";
import type { Operation } from "../services/operations.ts";
import { bumpVersions, lockCluster } from "../services/partition-assigner.ts";
import type { ControllerContext, OperationHandler, OperationStepHandler } from "./controller-runner.ts";

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
 * `cluster.delete`: stop the brokers (their epochs are fenced), delete provider resources, purge the
 * streams if asked (their objects become unreferenced), remove the cluster's metadata. Without purge
 * the streams and objects rows stay: the data is kept.
 */
export function clusterDeletionHandler(options: ClusterDeletionOptions): OperationHandler {
  return {
    type: ClusterOperation.DELETE,
    steps: [
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
