import { lt } from "drizzle-orm";
import { idempotencyKeys, metricSamples } from "../db/schema.ts";
import { IDEMPOTENCY_TTL_MS } from "../http/idempotency.ts";
import { dropStalePartitionLoad } from "../services/partition-load.ts";
import type { Controller, ControllerContext } from "./controller-runner.ts";

/** How long a partition nobody reports load for keeps its last figures (moved away, deleted, idle). */
export const PARTITION_LOAD_RETENTION_MS = 3600_000;
/** How long per-broker network samples are kept for charts and the autoscaler. */
export const METRIC_RETENTION_MS = 7 * 24 * 3600_000;
const EVERY_MS = 60_000;

/** Keeps tables bounded, once a minute: old metric samples, expired Idempotency-Keys, stale partition load. */
export function retentionController(): Controller {
  let last = 0;
  return {
    name: "retention",
    async reconcile(ctx: ControllerContext): Promise<void> {
      const now = ctx.now();
      if (now - last < EVERY_MS) return;
      last = now;
      await ctx.db.delete(metricSamples).where(lt(metricSamples.at, now - METRIC_RETENTION_MS));
      await ctx.db.delete(idempotencyKeys).where(lt(idempotencyKeys.createdAt, now - IDEMPOTENCY_TTL_MS));
      await dropStalePartitionLoad(ctx.db, now - PARTITION_LOAD_RETENTION_MS);
    },
  };
}
