import { LocalProvider } from "@cirrus/cloud";
import { and, eq } from "drizzle-orm";
import type { ClusterSpec } from "../../api-schemas/clusters.ts";
import type { Db } from "../../db/database.ts";
import { brokers, clusters } from "../../db/schema.ts";
import { ApiError } from "../../errors.ts";
import type { ProviderRegistry } from "./provider-registry.ts";

export interface SpotReclaimResult {
  instanceId: string;
  /** When the broker is hard-killed (ms since the epoch). */
  deadline: number;
}

/** Simulates the cloud reclaiming a broker's spot instance: a notice now, a hard kill at the deadline. */
export interface SpotReclaimer {
  reclaim(clusterId: string, brokerId: number, noticeMs: number): Promise<SpotReclaimResult>;
}

/**
 * Spot reclaim for tests and demos, on the local provider only (the clouds reclaim on their own). The
 * broker's instance gets a spot-reclaim interruption notice at once (failover drains it) and SIGKILL
 * when `noticeMs` has passed; the fleet then launches a replacement. Errors: NOT_FOUND (cluster or
 * broker), INVALID_STATE (not a local cluster, or the broker's instance is on-demand or gone).
 */
export function localSpotReclaimer(db: Db, providers: ProviderRegistry): SpotReclaimer {
  return {
    async reclaim(clusterId, brokerId, noticeMs) {
      const [cluster] = await db
        .select({ spec: clusters.spec })
        .from(clusters)
        .where(eq(clusters.id, clusterId));
      if (!cluster) throw new ApiError("NOT_FOUND", `cluster ${clusterId} not found`);
      const spec = cluster.spec as ClusterSpec;
      const provider = spec.provider === "local" ? providers.providerFor(spec) : undefined;
      if (!(provider instanceof LocalProvider)) {
        throw new ApiError(
          "INVALID_STATE",
          `spot reclaim is simulated on local clusters only, not ${spec.provider}`,
        );
      }
      const [broker] = await db
        .select({ instanceId: brokers.instanceId })
        .from(brokers)
        .where(and(eq(brokers.clusterId, clusterId), eq(brokers.brokerId, brokerId)));
      if (!broker) throw new ApiError("NOT_FOUND", `broker ${brokerId} not found`);
      const deadline = Date.now() + noticeMs;
      try {
        await provider.simulateSpotReclaim(broker.instanceId, noticeMs);
      } catch (cause) {
        const code = (cause as { code?: string }).code;
        if (code === "CLOUD_INSTANCE_NOT_FOUND" || code === "CLOUD_INVALID_ARGUMENT") {
          throw new ApiError("INVALID_STATE", (cause as Error).message, { cause });
        }
        throw cause;
      }
      return { instanceId: broker.instanceId, deadline };
    },
  };
}
