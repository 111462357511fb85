import type { CloudProvider, InterruptionNotice, NoticeSubscription } from "@cirrus/cloud";
import { and, eq, inArray, sql } from "drizzle-orm";
import type { ClusterSpec } from "../../api-schemas/clusters.ts";
import { brokers, clusters, operations } from "../../db/schema.ts";
import { BrokerOperation, startBrokerOperation } from "../../services/broker-views.ts";
import { OperationStatus } from "../../services/operations.ts";
import type { Controller, ControllerContext } from "../controller-runner.ts";
import type { ProviderRegistry } from "../provisioner/provider-registry.ts";

/** Notices kept while waiting for the next pass; older ones are dropped (their deadline is long past). */
const MAX_QUEUED = 1024;

export interface SpotNoticeController extends Controller {
  /** Ends every subscription (the providers close them too). */
  close(): void;
}

/**
 * Spot interruption notices → `broker.drain` of the broker on that instance (a graceful hand-back
 * before the cloud kills it). Subscribes to the interruption notices of every provider that runs a
 * cluster (on its first pass, then as new providers appear); each notice is handled on the next pass,
 * once: a broker that is not ACTIVE, or already has an unfinished drain or replace, is left alone.
 * If the kill comes before the drain finished, the lease expires and `broker.failover` recovers the
 * WAL (moves started by the drain wait for it, see finishClosedMoves).
 */
export function spotNoticeController(providers: ProviderRegistry): SpotNoticeController {
  const subscriptions = new Map<CloudProvider, NoticeSubscription>();
  const queue: InterruptionNotice[] = [];

  function follow(provider: CloudProvider): void {
    if (subscriptions.has(provider)) return;
    const subscription = provider.interruptions();
    subscriptions.set(provider, subscription);
    void (async () => {
      try {
        for await (const notice of subscription) {
          if (notice.kind !== "spot-reclaim") continue;
          queue.push(notice);
          if (queue.length > MAX_QUEUED) queue.shift();
        }
      } catch {
        // A closed provider ends the stream; a new subscription is made if it is built again.
      }
      subscriptions.delete(provider);
    })();
  }

  return {
    name: "spot-notices",
    async reconcile(ctx: ControllerContext): Promise<void> {
      const live = await ctx.db
        .select({ spec: clusters.spec })
        .from(clusters)
        .where(inArray(clusters.state, ["CREATING", "UPDATING", "RUNNING", "DEGRADED"]));
      for (const { spec } of live) {
        try {
          follow(providers.providerFor(spec as ClusterSpec));
        } catch (error) {
          ctx.log("spot notices: provider unavailable", { error: String(error) });
        }
      }
      for (const notice of queue.splice(0)) await drainFor(ctx, notice);
    },
    close(): void {
      for (const subscription of subscriptions.values()) subscription.close();
      subscriptions.clear();
    },
  };
}

async function drainFor(ctx: ControllerContext, notice: InterruptionNotice): Promise<void> {
  const [broker] = await ctx.db
    .select({ clusterId: brokers.clusterId, brokerId: brokers.brokerId })
    .from(brokers)
    .where(and(eq(brokers.instanceId, notice.instanceId), eq(brokers.state, "ACTIVE")));
  if (!broker) return;
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
  if (pending) return;
  try {
    const op = await startBrokerOperation(
      ctx.db,
      broker.clusterId,
      broker.brokerId,
      BrokerOperation.DRAIN,
      "spot-notice",
    );
    ctx.log("spot notice: draining broker", {
      ...broker,
      instanceId: notice.instanceId,
      deadline: notice.deadline,
      operation: op.id,
    });
  } catch (error) {
    // The broker left ACTIVE meanwhile (fenced, deregistered): lease expiry / failover covers it.
    ctx.log("spot notice: drain not started", { ...broker, error: String(error) });
  }
}
