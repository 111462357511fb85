import { lt } from "drizzle-orm";
import { DEFAULT_CONFIG } from "../config.ts";
import { idempotencyKeys, metricSamples } from "../db/schema.ts";
import { IDEMPOTENCY_TTL_MS } from "../http/idempotency.ts";
import { dropStalePartitionLoad } from "../services/partition-load.ts";
import { dropFinishedMoves } from "../services/partition-move-history.ts";
import type { Controller, ControllerContext } from "./controller-runner.ts";

/** How long a partition nobody reports load for keeps its last figures (moved away, deleted, idle). */
export const PARTITION_LOAD_RETENTION_MS = 3600_000;
/** How long per-broker network samples are kept for charts and the autoscaler. */
export const METRIC_RETENTION_MS = 7 * 24 * 3600_000;
/** Most partition moves deleted per pass, so one pass stays short however many accumulated. */
export const PARTITION_MOVES_PER_PASS = 5_000;
const EVERY_MS = 60_000;

export interface RetentionOptions {
  /** Finished operations' partition moves older than this go (config `PARTITION_MOVES_RETENTION_MS`, whose default is the default here). */
  partitionMovesRetentionMs?: number;
  /** Most partition moves deleted per pass. */
  partitionMovesPerPass?: number;
}

/**
 * Keeps tables bounded, once a minute: old metric samples, expired Idempotency-Keys, stale partition load,
 * the partition moves of operations finished longer ago than their retention (a bounded batch per pass).
 */
export function retentionController(options: RetentionOptions = {}): Controller {
  const movesRetentionMs = options.partitionMovesRetentionMs ?? DEFAULT_CONFIG.partitionMovesRetentionMs;
  const movesPerPass = options.partitionMovesPerPass ?? PARTITION_MOVES_PER_PASS;
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
      await dropFinishedMoves(ctx.db, now - movesRetentionMs, movesPerPass);
    },
  };
}
