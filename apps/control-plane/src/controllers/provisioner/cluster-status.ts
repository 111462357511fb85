import { and, eq, inArray } from "drizzle-orm";
import type { ClusterState, Condition } from "../../api-schemas/clusters.ts";
import type { Db } from "../../db/database.ts";
import { clusters } from "../../db/schema.ts";
import { condition } from "../../services/clusters.ts";

export interface ClusterStatus {
  state: ClusterState;
  /** The Ready condition's reason and message. */
  reason: string;
  message: string;
  /** Leave undefined to keep the current bootstrap. */
  bootstrap?: string | null;
}

/**
 * Records what the provisioner observed: state, Ready condition, bootstrap. Never touches a cluster
 * being deleted (deletion owns it from then on) and writes nothing when nothing changed, so a loop
 * that runs every second does not churn the row. Does not bump `version`: that number is for the
 * user's optimistic updates of the spec, which status changes must not invalidate.
 */
export async function recordClusterStatus(
  db: Db,
  clusterId: string,
  status: ClusterStatus,
  now: number,
): Promise<boolean> {
  const [row] = await db
    .select({ state: clusters.state, conditions: clusters.conditions, bootstrap: clusters.bootstrap })
    .from(clusters)
    .where(eq(clusters.id, clusterId));
  if (!row || row.state === "DELETING") return false;
  const conditions = row.conditions as Condition[];
  const ready = conditions.find((c) => c.type === "Ready");
  const readyStatus = status.state === "RUNNING" ? "True" : "False";
  const bootstrap = status.bootstrap === undefined ? row.bootstrap : status.bootstrap;
  const unchanged =
    row.state === status.state &&
    row.bootstrap === bootstrap &&
    ready?.status === readyStatus &&
    ready.reason === status.reason &&
    ready.message === status.message;
  if (unchanged) return false;
  const next = conditions.filter((c) => c.type !== "Ready");
  const transitioned = ready?.status !== readyStatus;
  next.push({
    ...condition("Ready", readyStatus, status.reason, status.message, now),
    lastTransitionAt: transitioned || !ready ? now : ready.lastTransitionAt,
  });
  const updated = await db
    .update(clusters)
    .set({ state: status.state, conditions: next, bootstrap, updatedAt: now })
    .where(
      and(
        eq(clusters.id, clusterId),
        inArray(clusters.state, ["CREATING", "UPDATING", "RUNNING", "DEGRADED", "FAILED"]),
      ),
    )
    .returning({ id: clusters.id });
  return updated.length > 0;
}
