// Rebalancing: the balancer's plan for a cluster from its own records (preview), started as a
// `cluster.rebalance` operation (execute), whose moves go through the one move path (release with a named
// target, the source closes, the assigner gives the partition to the target).
import { and, eq, inArray, sql } from "drizzle-orm";
import type { RebalancePlanView } from "../api-schemas/rebalance.ts";
import { planBalance } from "../balancer/plan-balance.ts";
import { DEFAULT_BALANCER_OPTIONS } from "../balancer/plan-types.ts";
import type { Config } from "../config.ts";
import { type Db, type DbOrTx, rowsOf, type Tx } from "../db/database.ts";
import { operations } from "../db/schema.ts";
import { inTransaction } from "../db/transaction.ts";
import { ApiError } from "../errors.ts";
import { loadBalancerInputs, REBALANCE_OPERATION_TYPE } from "./balancer-inputs.ts";
import {
  type BalancerConfig,
  type BrokerCapacity,
  balancerSettings,
  brokerCapacityByType,
} from "./balancer-settings.ts";
import { getCluster } from "./clusters.ts";
import { recordMovesRequested } from "./move-timings.ts";
import { createOperation, type Operation, OperationStatus } from "./operations.ts";
import { bumpVersions, lockCluster } from "./partition-assigner.ts";

/** A move as an operation stores it (older rows have no goal, reason or traffic). */
export interface PartitionMove {
  topicId: string;
  topic: string;
  partition: number;
  from: number;
  to: number;
  goal?: string;
  reason?: string;
}

export const REBALANCE_OPERATION = REBALANCE_OPERATION_TYPE;

/** What planning needs besides the database: the configuration (defaults) and the clock. */
export interface RebalanceContext {
  config: BalancerConfig & Pick<Config, "leaseMs">;
  now: number;
  /** The brokers' capacity from the cluster's provider (composition.ts); else the config's default. */
  capacityOf?: BrokerCapacity;
}

/**
 * The balancer's plan for the cluster now (writes nothing): every move with its goal and reason, every
 * broker's load before and after, each goal's outcome. NOT_FOUND for an unknown cluster.
 */
export async function planRebalance(
  db: DbOrTx,
  clusterId: string,
  context: RebalanceContext,
  request: { maxMoves?: number } = {},
): Promise<RebalancePlanView> {
  const cluster = await getCluster(db, clusterId);
  const settings = balancerSettings(context.config, cluster.spec, context.capacityOf);
  const inputs = await loadBalancerInputs(
    db,
    clusterId,
    context.now,
    settings,
    context.config.leaseMs,
    brokerCapacityByType(cluster.spec, context.capacityOf),
  );
  const maxMoves = request.maxMoves ?? DEFAULT_BALANCER_OPTIONS.maxMoves;
  const plan = planBalance(inputs.brokers, inputs.partitions, {
    now: context.now,
    cooldownMs: settings.cooldownMs,
    bandFraction: settings.bandFraction,
    capacityThreshold: settings.capacityThreshold,
    usageThresholdBytesPerSec: settings.usageThresholdBytesPerSec,
    maxMoves,
  });
  return {
    clusterId,
    plannedAt: context.now,
    settings: {
      bandFraction: settings.bandFraction,
      capacityThreshold: settings.capacityThreshold,
      cooldownMs: settings.cooldownMs,
      brokerNetworkBytesPerSec: settings.brokerNetworkBytesPerSec,
      usageThresholdBytesPerSec: settings.usageThresholdBytesPerSec,
      maxMoves,
    },
    ...plan,
  };
}

/**
 * Plans and starts the moves as a `cluster.rebalance` operation whose input holds the whole plan (moves with
 * reasons, before/after loads, goals). INVALID_STATE when there is nothing to move (the plan's goals say
 * why), CONFLICT while another rebalance of the cluster has not finished.
 */
export async function startRebalance(
  db: Db,
  clusterId: string,
  createdBy: string,
  context: RebalanceContext,
  request: { maxMoves?: number } = {},
): Promise<{ operation: Operation; plan: RebalancePlanView }> {
  return inTransaction(db, async (tx) => {
    const cluster = await lockCluster(tx, clusterId);
    if (!cluster) throw new ApiError("NOT_FOUND", `cluster ${clusterId} not found`);
    const [running] = await tx
      .select({ id: operations.id })
      .from(operations)
      .where(
        and(
          eq(operations.clusterId, clusterId),
          eq(operations.type, REBALANCE_OPERATION),
          inArray(operations.status, [OperationStatus.PENDING, OperationStatus.RUNNING]),
        ),
      )
      .limit(1);
    if (running)
      throw new ApiError("CONFLICT", `a rebalance of this cluster is still running: operation ${running.id}`);
    const plan = await planRebalance(tx, clusterId, context, request);
    if (plan.moves.length === 0) {
      const unmet = plan.goals.filter((g) => !g.metAfter).map((g) => `${g.goal}: ${g.detail}`);
      throw new ApiError(
        "INVALID_STATE",
        unmet.length === 0 ? "the cluster is already balanced" : `nothing to move: ${unmet.join("; ")}`,
      );
    }
    const { moves, before, after, goals, settings, plannedAt } = plan;
    const operation = await createOperation(tx, {
      type: REBALANCE_OPERATION,
      clusterId,
      input: { moves, before, after, goals, settings, plannedAt, movesFinished: 0 },
      createdBy,
    });
    return { operation, plan };
  });
}

/**
 * Releases the planned partitions still led by their planned source, each waiting for the source to
 * close its stream; then each goes to its planned target (stored with the partition, honoured by the
 * assigner while that broker is ACTIVE; otherwise the least loaded ACTIVE broker). With an `operationId`,
 * each release is recorded as that operation's move (move-timings.ts). Returns the brokers whose
 * assignments changed.
 */
export async function releaseMoves(
  tx: Tx,
  clusterId: string,
  moves: PartitionMove[],
  operationId?: string,
): Promise<number[]> {
  if (moves.length === 0) return [];
  const values = moves.map((m) => sql`(${m.topicId}, ${m.partition}::int, ${m.from}::int, ${m.to}::int)`);
  const released = rowsOf<{ topic_id: string; partition: number }>(
    await tx.execute(sql`update partitions p set leader_broker_id = -1, closing_broker_id = v.source,
        target_broker_id = v.target
      from (values ${sql.join(values, sql`, `)}) as v(topic_id, partition, source, target)
      where p.topic_id = v.topic_id and p.partition = v.partition and p.leader_broker_id = v.source
      returning p.topic_id, p.partition`),
  );
  const releasedKeys = new Set(released.map((r) => `${r.topic_id}/${r.partition}`));
  const requested = moves.filter((m) => releasedKeys.has(`${m.topicId}/${m.partition}`));
  const changed = new Set(requested.map((m) => m.from));
  if (operationId !== undefined) await recordMovesRequested(tx, operationId, clusterId, requested);
  if (changed.size > 0) await bumpVersions(tx, clusterId, changed);
  return [...changed];
}

/** Records how many of the operation's moves are done: progress from the release (½) to the last close (1). */
export async function recordMoveProgress(db: DbOrTx, op: Operation, finished: number): Promise<void> {
  const total = Math.max(1, (op.input.moves as unknown[] | undefined)?.length ?? 0);
  op.progress = 0.5 + (0.5 * finished) / total;
  op.input.movesFinished = finished;
  await db
    .update(operations)
    .set({
      progress: op.progress,
      input: sql`jsonb_set(${operations.input}, '{movesFinished}', to_jsonb(${finished}::int))`,
      updatedAt: Date.now(),
    })
    .where(eq(operations.id, op.id));
}
