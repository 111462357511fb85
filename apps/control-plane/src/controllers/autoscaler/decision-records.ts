import { and, desc, eq } from "drizzle-orm";
import type { DbOrTx } from "../../db/database.ts";
import { operations } from "../../db/schema.ts";
import { OperationStatus } from "../../services/operations.ts";
import { SCALE_HOLD_OPERATION, ScaleOperation } from "./capacity-operations.ts";
import type { ScalingDecision } from "./scaling-decision.ts";

/** When the cluster last scaled out and in (epoch ms): the later of creation and finish of the latest operation. */
export async function lastScalings(
  db: DbOrTx,
  clusterId: string,
): Promise<{ lastScaleOutAt: number | undefined; lastScaleInAt: number | undefined }> {
  const latest = async (type: string) => {
    const [row] = await db
      .select({ createdAt: operations.createdAt, finishedAt: operations.finishedAt })
      .from(operations)
      .where(and(eq(operations.clusterId, clusterId), eq(operations.type, type)))
      .orderBy(desc(operations.createdAt))
      .limit(1);
    return row ? Math.max(row.createdAt, row.finishedAt ?? row.createdAt) : undefined;
  };
  return { lastScaleOutAt: await latest(ScaleOperation.OUT), lastScaleInAt: await latest(ScaleOperation.IN) };
}

/**
 * Writes a hold the metrics asked to act on (wanted ≠ none), or watermarks that leave no band, as a finished `cluster.scale-hold` operation:
 * what was wanted, why not, the figures. Written once, in its final state (no runner picks it up).
 */
export async function recordHold(
  db: DbOrTx,
  clusterId: string,
  decision: Extract<ScalingDecision, { action: "hold" }>,
  now: number,
): Promise<void> {
  await db.insert(operations).values({
    id: crypto.randomUUID(),
    clusterId,
    type: SCALE_HOLD_OPERATION,
    status: OperationStatus.SUCCEEDED,
    input: {
      wanted: decision.wanted,
      reason: decision.reason,
      message: decision.message,
      evidence: decision.evidence ?? null,
    },
    steps: [
      {
        name: decision.reason,
        status: OperationStatus.SUCCEEDED,
        startedAt: now,
        finishedAt: now,
        error: null,
      },
    ],
    progress: 1,
    createdBy: "autoscaler",
    createdAt: now,
    updatedAt: now,
    finishedAt: now,
  });
}
