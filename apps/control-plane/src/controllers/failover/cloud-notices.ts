import type { CloudProvider, InterruptionNotice } from "@cirrus/cloud";
import { and, asc, eq, inArray, isNull, sql } from "drizzle-orm";
import type { ClusterSpec } from "../../api-schemas/clusters.ts";
import type { Db } from "../../db/database.ts";
import { brokers, cloudNotices, clusters, operations } from "../../db/schema.ts";
import { BrokerOperation, startBrokerOperation } from "../../services/broker-views.ts";
import { OperationStatus } from "../../services/operations.ts";
import type { ControllerContext } from "../controller-runner.ts";
import { clusterIdOfFleet } from "../provisioner/cluster-fleet.ts";

/** A lifecycle hook waits up to its heartbeat timeout (120 s for brokers): heartbeat well inside it. */
export const LIFECYCLE_HEARTBEAT_MS = 30_000;

export interface NoticeOptions {
  /** Drain on a rebalance recommendation too (off by default: it is only a risk, often a false one). */
  actOnRebalance?: boolean;
  /** The provider of a cluster's spec. */
  providerFor(spec: ClusterSpec): CloudProvider;
}

type NoticeRow = typeof cloudNotices.$inferSelect;

/** Stores notices as rows (a notice id seen before is ignored): what arrived survives a restart. */
export async function recordNotices(
  db: Db,
  notices: readonly InterruptionNotice[],
  now: number,
): Promise<void> {
  if (notices.length === 0) return;
  await db
    .insert(cloudNotices)
    .values(
      notices.map((n) => ({
        id: n.id,
        kind: n.kind,
        fleet: n.fleet,
        instanceId: n.instanceId,
        deadline: n.deadline ?? null,
        lifecycle: n.lifecycle ?? null,
        receivedAt: now,
      })),
    )
    .onConflictDoNothing();
}

/**
 * Acts on every notice not yet handled, oldest first. spot-reclaim: a `broker.drain` of the broker on
 * that instance. lifecycle-terminate: the same drain, with the lifecycle action heartbeated while it runs
 * and completed (CONTINUE) once it ended, so the instance is let go as soon as its WAL is handed back (or
 * at once when no broker runs there). rebalance-recommendation: recorded, acted on only with
 * `actOnRebalance`. A notice is marked handled once, in the database.
 */
export async function handleNotices(ctx: ControllerContext, options: NoticeOptions): Promise<void> {
  const open = await ctx.db
    .select()
    .from(cloudNotices)
    .where(isNull(cloudNotices.handledAt))
    .orderBy(asc(cloudNotices.receivedAt));
  for (const notice of open) {
    try {
      await handleOne(ctx, options, notice);
    } catch (error) {
      ctx.log("cloud notice: not handled yet", { id: notice.id, kind: notice.kind, error: String(error) });
    }
  }
}

async function handleOne(ctx: ControllerContext, options: NoticeOptions, notice: NoticeRow): Promise<void> {
  if (notice.kind === "rebalance-recommendation" && !options.actOnRebalance)
    return done(ctx, notice, "ignored (actOnRebalance is off)");
  if (notice.kind !== "lifecycle-terminate") {
    if (notice.drainOperationId) return done(ctx, notice, "drained");
    const drain = await drainFor(ctx, notice);
    return done(ctx, notice, drain ? "drain started" : "no active broker on the instance");
  }
  const lifecycle = notice.lifecycle as { hookName: string; token: string };
  const [broker] = await ctx.db
    .select({ clusterId: brokers.clusterId, brokerId: brokers.brokerId, state: brokers.state })
    .from(brokers)
    .where(and(eq(brokers.instanceId, notice.instanceId), inArray(brokers.state, ["ACTIVE", "DRAINING"])));
  const [cluster] = broker
    ? await ctx.db.select({ spec: clusters.spec }).from(clusters).where(eq(clusters.id, broker.clusterId))
    : [];
  const provider = cluster ? options.providerFor(cluster.spec as ClusterSpec) : undefined;
  const ref = { fleet: notice.fleet, instanceId: notice.instanceId, ...lifecycle };
  if (!broker || !provider) {
    // Nothing to hand back here; the instance's provider is found through any cluster on that fleet.
    const fallback = await providerOfFleet(ctx, options, notice.fleet);
    if (fallback) await fallback.completeLifecycleAction(ref, "CONTINUE");
    return done(ctx, notice, "completed (no broker to drain)");
  }
  let drainId = notice.drainOperationId;
  if (!drainId) {
    drainId = (await drainFor(ctx, notice)) ?? null;
    if (drainId)
      await ctx.db
        .update(cloudNotices)
        .set({ drainOperationId: drainId })
        .where(eq(cloudNotices.id, notice.id));
  }
  const [drain] = drainId
    ? await ctx.db.select({ status: operations.status }).from(operations).where(eq(operations.id, drainId))
    : [];
  const running =
    drain && (drain.status === OperationStatus.PENDING || drain.status === OperationStatus.RUNNING);
  if (running) {
    if (ctx.now() - (notice.heartbeatAt ?? notice.receivedAt) >= LIFECYCLE_HEARTBEAT_MS) {
      await provider.recordLifecycleHeartbeat(ref);
      await ctx.db.update(cloudNotices).set({ heartbeatAt: ctx.now() }).where(eq(cloudNotices.id, notice.id));
    }
    return;
  }
  await provider.completeLifecycleAction(ref, "CONTINUE");
  await done(ctx, notice, `completed after drain ${drain?.status ?? "not started"}`);
}

async function done(ctx: ControllerContext, notice: NoticeRow, outcome: string): Promise<void> {
  await ctx.db
    .update(cloudNotices)
    .set({ handledAt: ctx.now(), outcome })
    .where(eq(cloudNotices.id, notice.id));
  ctx.log("cloud notice handled", {
    id: notice.id,
    kind: notice.kind,
    instanceId: notice.instanceId,
    outcome,
  });
}

async function providerOfFleet(
  ctx: ControllerContext,
  options: NoticeOptions,
  fleet: string,
): Promise<CloudProvider | undefined> {
  const clusterId = clusterIdOfFleet(fleet);
  if (!clusterId) return undefined;
  const [cluster] = await ctx.db
    .select({ spec: clusters.spec })
    .from(clusters)
    .where(eq(clusters.id, clusterId));
  return cluster ? options.providerFor(cluster.spec as ClusterSpec) : undefined;
}

/**
 * Finds the unfinished drain (or replace) of the broker on the notice's instance, or starts a
 * `broker.drain` of it if it is ACTIVE; the operation's id, if any.
 */
async function drainFor(ctx: ControllerContext, notice: NoticeRow): Promise<string | undefined> {
  const [found] = await ctx.db
    .select({ clusterId: brokers.clusterId, brokerId: brokers.brokerId, state: brokers.state })
    .from(brokers)
    .where(and(eq(brokers.instanceId, notice.instanceId), inArray(brokers.state, ["ACTIVE", "DRAINING"])));
  if (!found) return undefined;
  const broker = { clusterId: found.clusterId, brokerId: found.brokerId };
  const [pending] = await ctx.db
    .select({ id: operations.id })
    .from(operations)
    .where(
      and(
        eq(operations.clusterId, broker.clusterId),
        inArray(operations.type, [BrokerOperation.DRAIN, BrokerOperation.REPLACE]),
        sql`${operations.input}->>'brokerId' = ${String(broker.brokerId)}`,
        inArray(operations.status, [OperationStatus.PENDING, OperationStatus.RUNNING]),
      ),
    );
  if (pending) return pending.id;
  if (found.state !== "ACTIVE") return undefined;
  try {
    const op = await startBrokerOperation(
      ctx.db,
      broker.clusterId,
      broker.brokerId,
      BrokerOperation.DRAIN,
      "spot-notice",
    );
    ctx.log("cloud notice: draining broker", {
      ...broker,
      kind: notice.kind,
      instanceId: notice.instanceId,
      deadline: notice.deadline,
      operation: op.id,
    });
    return op.id;
  } catch (error) {
    // The broker left ACTIVE meanwhile (fenced, deregistered): lease expiry / failover covers it.
    ctx.log("cloud notice: drain not started", { ...broker, error: String(error) });
    return undefined;
  }
}
