import { eq, ne, or } from "drizzle-orm";
import { partitions } from "../db/schema.ts";
import { inTransaction } from "../db/transaction.ts";
import type { AssignmentNotifier } from "../services/assignment-notifier.ts";
import { DEFAULT_MOVE_LIMITS, type MoveLimits } from "../services/move-limits.ts";
import {
  clustersWithStalledMoves,
  DEFAULT_MOVE_OPEN_TIMEOUT_MS,
  rollBackStalledMoves,
} from "../services/move-rollback.ts";
import { completeClosedMoves, lockCluster } from "../services/partition-assigner.ts";
import type { Controller, ControllerContext } from "./controller-runner.ts";

export interface PartitionAssignmentOptions {
  /** The move limits a drain's next wave is released within (see services/drain-waves.ts). */
  moveLimits?: MoveLimits;
  /** A move's target that has not opened the partition this long after its assignment is rolled back. */
  moveOpenTimeoutMs?: number;
}

/**
 * Safety net behind the API paths that assign partitions: finishes moves whose previous leader closed
 * its stream and gives leaderless partitions a leader, for every cluster that has such partitions
 * (e.g. a topic created while no broker was up); and rolls back the moves whose target did not open the
 * partition within the open timeout (services/move-rollback.ts), for every move executor alike.
 */
export function partitionAssignmentController(
  notifier: AssignmentNotifier,
  options: PartitionAssignmentOptions = {},
): Controller {
  const openTimeoutMs = options.moveOpenTimeoutMs ?? DEFAULT_MOVE_OPEN_TIMEOUT_MS;
  const moveLimits = options.moveLimits ?? DEFAULT_MOVE_LIMITS;
  return {
    name: "partition-assignment",
    async reconcile(ctx: ControllerContext): Promise<void> {
      const pending = await ctx.db
        .selectDistinct({ clusterId: partitions.clusterId })
        .from(partitions)
        .where(or(eq(partitions.leaderBrokerId, -1), ne(partitions.closingBrokerId, -1)));
      for (const { clusterId } of pending) {
        const changed = await completeClosedMoves(ctx.db, clusterId, moveLimits);
        await notifier.changed(clusterId, changed);
      }
      const now = ctx.now();
      for (const clusterId of await clustersWithStalledMoves(ctx.db, now - openTimeoutMs)) {
        const changed = await inTransaction(ctx.db, async (tx) => {
          const cluster = await lockCluster(tx, clusterId);
          if (!cluster || cluster.state === "DELETING") return [];
          return rollBackStalledMoves(tx, clusterId, openTimeoutMs, now);
        });
        await notifier.changed(clusterId, changed);
      }
    },
  };
}
