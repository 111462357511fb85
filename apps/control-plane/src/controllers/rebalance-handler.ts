import { inTransaction } from "../db/transaction.ts";
import type { AssignmentNotifier } from "../services/assignment-notifier.ts";
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
 * `cluster.rebalance`: carries out a plan's moves the way a drain does (close first, then reassign), through
 * the one move path (releaseMoves names each move's target); progress and `movesFinished` follow the closes.
 */
export function rebalanceHandler(notifier: AssignmentNotifier): OperationHandler<"cluster.rebalance"> {
  return {
    type: REBALANCE_OPERATION,
    steps: [
      {
        name: "release-partitions",
        async run(ctx: ControllerContext, op: Operation) {
          const changed = await inTransaction(ctx.db, async (tx) => {
            await lockCluster(tx, op.clusterId!);
            return releaseMoves(tx, op.clusterId!, movesOf(op));
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
            const changed = await assignLeaderlessPartitions(tx, op.clusterId!);
            const waiting = await movesStillClosing(tx, movesOf(op));
            // Progress in the operation as the moves land (the plan and its reasons are in its input).
            await recordMoveProgress(tx, op, movesOf(op).length - waiting);
            return { waiting, changed };
          });
          await notifier.changed(op.clusterId!, changed);
          return waiting > 0 ? STEP_WAIT : undefined;
        },
      },
    ],
  };
}
