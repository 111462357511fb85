import type { Tx } from "../db/database.ts";
import { inTransaction } from "../db/transaction.ts";
import type { AssignmentNotifier } from "../services/assignment-notifier.ts";
import {
  DEFAULT_MOVE_LIMITS,
  type MoveLimits,
  movesWithinLimits,
  pendingMoves,
} from "../services/move-limits.ts";
import type { Operation } from "../services/operations.ts";
import {
  assignLeaderlessPartitions,
  finishClosedMoves,
  lockCluster,
} from "../services/partition-assigner.ts";
import {
  movesStillClosing,
  type PartitionMove,
  REBALANCE_OPERATION,
  recordMoveProgress,
  releaseMoves,
} from "../services/rebalance.ts";
import { type ControllerContext, type OperationHandler, STEP_WAIT } from "./controller-runner.ts";

const movesOf = (op: Operation) => (op.input.moves ?? []) as PartitionMove[];

/**
 * `cluster.rebalance`: carries out a plan's moves the way a drain does (close first, then reassign), at most
 * `limits` in flight at once: the rest are released as earlier ones finish. Progress and `movesFinished` in
 * the operation follow the moves as they land (the plan, with its reasons, is in its input).
 */
export function rebalanceHandler(
  notifier: AssignmentNotifier,
  limits: MoveLimits = DEFAULT_MOVE_LIMITS,
): OperationHandler<"cluster.rebalance"> {
  const releaseWithinLimits = async (tx: Tx, op: Operation) =>
    releaseMoves(tx, op.clusterId!, await movesWithinLimits(tx, op.clusterId!, movesOf(op), limits), op.id);
  return {
    type: REBALANCE_OPERATION,
    steps: [
      {
        name: "release-partitions",
        async run(ctx: ControllerContext, op: Operation) {
          const changed = await inTransaction(ctx.db, async (tx) => {
            await lockCluster(tx, op.clusterId!);
            return releaseWithinLimits(tx, op);
          });
          await notifier.changed(op.clusterId!, changed);
          return undefined;
        },
      },
      {
        name: "wait-for-close",
        async run(ctx: ControllerContext, op: Operation) {
          const { waiting, changed } = await inTransaction(ctx.db, async (tx) => {
            await lockCluster(tx, op.clusterId!);
            await finishClosedMoves(tx, op.clusterId!);
            const assigned = await assignLeaderlessPartitions(tx, op.clusterId!);
            const released = await releaseWithinLimits(tx, op);
            const waiting =
              (await movesStillClosing(tx, movesOf(op))) + (await pendingMoves(tx, movesOf(op))).length;
            await recordMoveProgress(tx, op, movesOf(op).length - waiting);
            return { waiting, changed: [...assigned, ...released] };
          });
          await notifier.changed(op.clusterId!, changed);
          return waiting > 0 ? STEP_WAIT : undefined;
        },
      },
    ],
  };
}
