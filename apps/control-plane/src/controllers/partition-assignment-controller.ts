import { eq, ne, or } from "drizzle-orm";
import { partitions } from "../db/schema.ts";
import type { AssignmentNotifier } from "../services/assignment-notifier.ts";
import { completeClosedMoves } from "../services/partition-assigner.ts";
import type { Controller, ControllerContext } from "./controller-runner.ts";

/**
 * Safety net behind the API paths that assign partitions: finishes moves whose previous leader closed
 * its stream and gives leaderless partitions a leader, for every cluster that has such partitions
 * (e.g. a topic created while no broker was up).
 */
export function partitionAssignmentController(notifier: AssignmentNotifier): Controller {
  return {
    name: "partition-assignment",
    async reconcile(ctx: ControllerContext): Promise<void> {
      const pending = await ctx.db
        .selectDistinct({ clusterId: partitions.clusterId })
        .from(partitions)
        .where(or(eq(partitions.leaderBrokerId, -1), ne(partitions.closingBrokerId, -1)));
      for (const { clusterId } of pending) {
        const changed = await completeClosedMoves(ctx.db, clusterId);
        await notifier.changed(clusterId, changed);
      }
    },
  };
}
