import type { CloudProvider, InterruptionNotice, NoticeSubscription } from "@cirrus/cloud";
import { inArray } from "drizzle-orm";
import type { ClusterSpec } from "../../api-schemas/clusters.ts";
import { clusters } from "../../db/schema.ts";
import type { Controller, ControllerContext } from "../controller-runner.ts";
import type { ProviderRegistry } from "../provisioner/provider-registry.ts";
import { handleNotices, recordNotices } from "./cloud-notices.ts";

/** Notices kept between their arrival and the next pass (which writes them to the database). */
const MAX_QUEUED = 1024;

export interface SpotNoticeController extends Controller {
  /** Ends every subscription (the providers close them too). */
  close(): void;
}

export interface SpotNoticeOptions {
  /** Drain a broker on a rebalance recommendation too (default false). */
  actOnRebalance?: boolean;
}

/**
 * Interruption notices → the `cloud_notices` table → action (`cloud-notices.ts`): a spot reclaim drains
 * the broker on that instance (a graceful hand-back before the cloud kills it); a termination lifecycle
 * action drains it while the action is heartbeated, then completes it. Subscribes to the notices of every
 * provider that runs a cluster (on its first pass, then as new providers appear); each pass writes what
 * arrived (a notice id seen before is ignored) and acts on every notice not yet handled, so a notice is
 * handled once, also across a control-plane restart. If the kill comes before the drain finished, the lease
 * expires and `broker.failover` recovers the WAL (moves started by the drain wait for it, see finishClosedMoves).
 */
export function spotNoticeController(
  providers: ProviderRegistry,
  options: SpotNoticeOptions = {},
): SpotNoticeController {
  const subscriptions = new Map<CloudProvider, NoticeSubscription>();
  const queue: InterruptionNotice[] = [];

  function follow(provider: CloudProvider): void {
    if (subscriptions.has(provider)) return;
    const subscription = provider.interruptions();
    subscriptions.set(provider, subscription);
    void (async () => {
      try {
        for await (const notice of subscription) {
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
      const arrived = queue.splice(0);
      try {
        await recordNotices(ctx.db, arrived, ctx.now());
      } catch (error) {
        queue.unshift(...arrived); // the database is away: keep them for the next pass
        throw error;
      }
      await handleNotices(ctx, {
        actOnRebalance: options.actOnRebalance,
        providerFor: (spec) => providers.providerFor(spec),
      });
    },
    close(): void {
      for (const subscription of subscriptions.values()) subscription.close();
      subscriptions.clear();
    },
  };
}
