import { eq, sql } from "drizzle-orm";
import type { Tx } from "../db/database.ts";
import { operations } from "../db/schema.ts";
import { inTransaction } from "../db/transaction.ts";
import type { AssignmentNotifier } from "../services/assignment-notifier.ts";
import {
  DEFAULT_MOVE_LIMITS,
  type MoveLimits,
  movesWithinLimits,
  queuedMoves,
} from "../services/move-limits.ts";
import { moveOutcomesOf } from "../services/move-timings.ts";
import type { Operation } from "../services/operations.ts";
import {
  assignLeaderlessPartitions,
  finishClosedMoves,
  lockCluster,
} from "../services/partition-assigner.ts";
import {
  type PartitionMove,
  REBALANCE_OPERATION,
  recordMoveProgress,
  releaseMoves,
} from "../services/rebalance.ts";
import { type ControllerContext, type OperationHandler, STEP_WAIT } from "./controller-runner.ts";

/** The operation's moves as stored now (a queued move may have been cancelled since the pass read `op`). */
async function movesOf(tx: Tx, op: Operation): Promise<PartitionMove[]> {
  const [row] = await tx
    .select({ moves: sql<PartitionMove[] | null>`${operations.input}->'moves'` })
    .from(operations)
    .where(eq(operations.id, op.id));
  return row?.moves ?? [];
}

/** Some of the operation's moves were rolled back: it did not do what it was asked, and says so. */
class MovesRolledBackError extends Error {
  readonly code = "MOVES_ROLLED_BACK";
  readonly retriable = false;
}

/**
 * `cluster.rebalance`: carries out a plan's moves the way a drain does (close first, then reassign), at most
 * `limits` in flight at once: the rest are released as earlier ones finish. Progress and `movesFinished` in
 * the operation follow the moves as they land (the plan, with its reasons, is in its input). It ends once
 * every released move is settled: opened by its target, or rolled back (services/move-rollback.ts); any
 * rollback fails it with MOVES_ROLLED_BACK naming the moves and why.
 */
export function rebalanceHandler(
  notifier: AssignmentNotifier,
  limits: MoveLimits = DEFAULT_MOVE_LIMITS,
): OperationHandler<"cluster.rebalance"> {
  const releaseWithinLimits = async (tx: Tx, op: Operation, queued: PartitionMove[]) =>
    releaseMoves(tx, op.clusterId!, await movesWithinLimits(tx, op.clusterId!, queued, limits), op.id);
  return {
    type: REBALANCE_OPERATION,
    steps: [
      {
        name: "release-partitions",
        async run(ctx: ControllerContext, op: Operation) {
          const changed = await inTransaction(ctx.db, async (tx) => {
            await lockCluster(tx, op.clusterId!);
            return releaseWithinLimits(tx, op, await queuedMoves(tx, op.id, await movesOf(tx, op)));
          });
          await notifier.changed(op.clusterId!, changed);
          return undefined;
        },
      },
      {
        name: "wait-for-close",
        async run(ctx: ControllerContext, op: Operation) {
          const { waiting, changed, rolledBack, total } = await inTransaction(ctx.db, async (tx) => {
            await lockCluster(tx, op.clusterId!);
            const moves = await movesOf(tx, op);
            await finishClosedMoves(tx, op.clusterId!);
            const assigned = await assignLeaderlessPartitions(tx, op.clusterId!);
            const released = await releaseWithinLimits(tx, op, await queuedMoves(tx, op.id, moves));
            const outcomes = await moveOutcomesOf(tx, op.id);
            const waiting = outcomes.unsettled + (await queuedMoves(tx, op.id, moves)).length;
            await recordMoveProgress(tx, op, Math.max(0, moves.length - waiting));
            return {
              waiting,
              changed: [...assigned, ...released],
              rolledBack: outcomes.rolledBack,
              total: moves.length,
            };
          });
          await notifier.changed(op.clusterId!, changed);
          if (waiting > 0) return STEP_WAIT;
          if (rolledBack.length > 0) {
            const list = rolledBack
              .slice(0, 5)
              .map((m) => `${topicName(op, m.topicId)}-${m.partition}: ${m.failure}`)
              .join("; ");
            const more = rolledBack.length > 5 ? ` (and ${rolledBack.length - 5} more)` : "";
            throw new MovesRolledBackError(
              `${rolledBack.length} of ${total} moves rolled back: ${list}${more}`,
            );
          }
          return undefined;
        },
      },
    ],
  };
}

/** A topic's name as the operation's moves name it (the id when the move is no longer listed). */
function topicName(op: Operation, topicId: string): string {
  const moves = (op.input.moves ?? []) as PartitionMove[];
  return moves.find((m) => m.topicId === topicId)?.topic ?? topicId;
}
