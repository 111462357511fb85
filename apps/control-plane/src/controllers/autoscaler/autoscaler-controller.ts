import type { CloudProvider } from "@cirrus/cloud";
import { eq } from "drizzle-orm";
import type { ClusterSpec } from "../../api-schemas/clusters.ts";
import { DEFAULT_CONFIG } from "../../config.ts";
import { clusters } from "../../db/schema.ts";
import { brokerNetworkCapacity, providerBaselineCapacity } from "../../services/balancer-settings.ts";
import { clusterBusy, createOperation } from "../../services/operations.ts";
import type { Controller, ControllerContext } from "../controller-runner.ts";
import { fleetNameOf } from "../provisioner/cluster-fleet.ts";
import { type AutoscalerDeps, ScaleOperation } from "./capacity-operations.ts";
import { lastScalings, recordHold } from "./decision-records.ts";
import { MetricHistory } from "./metric-history.ts";
import { decideScaling, HoldReason, type PeriodSample } from "./scaling-decision.ts";
import { scalingSettingsOf } from "./scaling-settings.ts";
import { type ServingBroker, servingBrokers } from "./serving-brokers.ts";

export interface AutoscalerControllerOptions {
  /** A hold with the same wanted action and reason is recorded again only after this long. Default 10 min. */
  holdRecordIntervalMs?: number;
}

/**
 * The autoscaler's reconcile loop, for every RUNNING cluster: once per metric period it reads each serving
 * broker's network in/out from the provider (`networkRates`: CloudWatch, CloudMonitor, the local brokers'
 * counters), keeps the recent periods, and decides with `decideScaling` (the same pure code for every
 * provider). A scaling becomes a `cluster.scale-out` / `cluster.scale-in` operation holding its figures;
 * a scaling wanted but not done (at max or min, inside a cooldown, while another operation runs…) is
 * recorded as a finished `cluster.scale-hold`, again when its reason changes or after holdRecordIntervalMs.
 * A fleet below the spec's minimum (a held local fleet, one being repaired) is left to the provisioner.
 */
export function autoscalerController(
  deps: AutoscalerDeps,
  options: AutoscalerControllerOptions = {},
): Controller {
  const history = new MetricHistory();
  const lastHold = new Map<string, { key: string; at: number }>();
  const holdIntervalMs = options.holdRecordIntervalMs ?? 600_000;
  const capacityOf = providerBaselineCapacity(deps.providers);
  const fallbackCapacity = deps.brokerNetworkBytesPerSec ?? DEFAULT_CONFIG.brokerNetworkBytesPerSec;
  return {
    name: "autoscaler",
    async reconcile(ctx: ControllerContext): Promise<void> {
      const rows = await ctx.db.select().from(clusters).where(eq(clusters.state, "RUNNING"));
      history.retain(new Set(rows.map((r) => r.id)));
      for (const row of rows) {
        try {
          await evaluate(ctx, row.id, row.spec as ClusterSpec);
        } catch (error) {
          // One cluster's cloud failing (metrics unavailable, throttled) does not stop the others.
          ctx.log("autoscaler: evaluation failed", { clusterId: row.id, error: String(error) });
        }
      }
    },
  };

  async function evaluate(ctx: ControllerContext, clusterId: string, spec: ClusterSpec): Promise<void> {
    const settings = scalingSettingsOf(spec);
    if (!settings.enabled) return;
    const provider = deps.providers.providerFor(spec);
    const name = fleetNameOf(clusterId);
    const fleet = await provider.describeFleet(name);
    if (!fleet || fleet.desiredCapacity < settings.minBrokers) return;
    const now = ctx.now();
    const instances = await provider.listInstances(name);
    const serving = await servingBrokers(ctx.db, clusterId, instances, now);
    if (history.due(clusterId, now, settings.periodSeconds * 1000)) {
      history.add(clusterId, await measure(provider, serving, settings.periodSeconds, now));
    }
    const decision = decideScaling(
      settings,
      {
        now,
        desiredCapacity: fleet.desiredCapacity,
        servingBrokers: serving.length,
        busy: await clusterBusy(ctx.db, clusterId),
        ...(await lastScalings(ctx.db, clusterId)),
        capacityBytesPerSec: brokerNetworkCapacity(spec, fallbackCapacity, capacityOf),
      },
      history.samples(clusterId),
    );
    if (decision.action === "hold") {
      // Nothing wanted is not recorded, except watermarks that leave no band: the user has to see those.
      if (decision.wanted === "none" && decision.reason !== HoldReason.INVALID_WATERMARKS) return;
      const key = `${decision.wanted}:${decision.reason}`;
      const last = lastHold.get(clusterId);
      if (last && last.key === key && now - last.at < holdIntervalMs) return;
      await recordHold(ctx.db, clusterId, decision, now);
      lastHold.set(clusterId, { key, at: now });
      ctx.log(`autoscaler: ${decision.wanted} held (${decision.reason})`, {
        clusterId,
        message: decision.message,
      });
      return;
    }
    const op = await createOperation(ctx.db, {
      type: decision.action === "scale-out" ? ScaleOperation.OUT : ScaleOperation.IN,
      clusterId,
      input: {
        from: decision.from,
        to: decision.to,
        decision: { reason: decision.reason, ...decision.evidence },
      },
      createdBy: "autoscaler",
    });
    history.reset(clusterId);
    lastHold.delete(clusterId);
    ctx.log(`autoscaler: ${decision.action} ${decision.from} → ${decision.to}`, {
      clusterId,
      operation: op.id,
      reason: decision.reason,
    });
  }
}

/** One period's sample: the provider's rates over the last `periodSeconds` for each serving broker. */
async function measure(
  provider: CloudProvider,
  serving: readonly ServingBroker[],
  periodSeconds: number,
  now: number,
): Promise<PeriodSample> {
  if (serving.length === 0) return { at: now, brokers: [] };
  const rates = await provider.networkRates(
    serving.map((b) => b.instanceId),
    periodSeconds,
  );
  const byInstance = new Map(rates.map((r) => [r.instanceId, r]));
  return {
    at: now,
    brokers: serving.flatMap((b) => {
      const rate = byInstance.get(b.instanceId);
      return rate
        ? [{ ...b, inBytesPerSec: rate.inBytesPerSecond, outBytesPerSec: rate.outBytesPerSecond }]
        : [];
    }),
  };
}
