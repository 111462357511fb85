import { CloudErrorCode, type CloudProvider, isCloudError } from "@cirrus/cloud";
import { and, eq } from "drizzle-orm";
import { brokers, partitions, streams, volumes } from "../../db/schema.ts";
import { inTransaction } from "../../db/transaction.ts";
import type { AssignmentNotifier } from "../../services/assignment-notifier.ts";
import type { StepName } from "../../services/operation-catalog.ts";
import type { Operation } from "../../services/operations.ts";
import {
  assignLeaderlessPartitions,
  bumpVersions,
  lockCluster,
  releasePartitionsOf,
} from "../../services/partition-assigner.ts";
import { FAILOVER_OPERATION } from "../broker-lease-controller.ts";
import {
  type ControllerContext,
  type OperationHandler,
  type OperationStepHandler,
  STEP_WAIT,
} from "../controller-runner.ts";
import type { ProviderRegistry } from "../provisioner/provider-registry.ts";
import { FailoverError, FailoverErrorCode } from "./failover-error.ts";
import {
  attachOnlyTo,
  attachToHealthyBroker,
  currentRecoverer,
  describeWalVolume,
  type FailoverInput,
  failoverInput,
  ownerCameBack,
  providerOf,
} from "./recovery-target.ts";

export interface FailoverHandlerOptions {
  providers: ProviderRegistry;
  notifier: AssignmentNotifier;
  /** How long attach-volume waits for a healthy broker in the volume's zone. Default 10 min. */
  attachTimeoutMs?: number;
  /** How long replay-wal waits for the recovering broker to replay and close the streams. Default 10 min. */
  replayTimeoutMs?: number;
}

/**
 * `broker.failover` (created by the broker-lease controller for a fenced broker with a WAL volume):
 *
 * 1. attach-volume: force-detach the volume from the dead instance, attach it to the least loaded
 *    healthy broker of the same zone (waits while the zone has none: the fleet replaces the instance).
 * 2. replay-wal: assign the recovery to that broker (`recover` in its assignments); it replays the WAL
 *    into object storage with its own node epoch and closes every stream the dead broker held open
 *    (s3stream recoverForeignWal). Done when the dead broker has no OPENED stream left; the streams'
 *    end offsets are logged.
 * 3. reassign-partitions: the dead broker's partitions go to healthy brokers with new leader epochs;
 *    the volume is detached and deleted (its records are in object storage now).
 *
 * Invariant 2: the operation exists only once the lease expired and the broker is FENCED, and the
 * object commit path refuses a FENCED or older node epoch; reopening the streams at new leader epochs
 * fences the old stream epochs too. Every step is idempotent and resumes from cloud and database state.
 */
export function failoverHandler(options: FailoverHandlerOptions): OperationHandler<"broker.failover"> {
  return {
    type: FAILOVER_OPERATION,
    maxAttempts: 10,
    steps: [attachVolumeStep(options), replayWalStep(options), reassignPartitionsStep(options)],
  };
}

type FailoverStep = OperationStepHandler<StepName<"broker.failover">>;

function startedAt(op: Operation, step: string, now: number): number {
  return op.steps.find((s) => s.name === step)?.startedAt ?? now;
}

function attachVolumeStep(options: FailoverHandlerOptions): FailoverStep {
  const timeoutMs = options.attachTimeoutMs ?? 600_000;
  return {
    name: "attach-volume",
    async run(ctx: ControllerContext, op: Operation) {
      const input = failoverInput(op);
      const provider = await providerOf(ctx.db, options.providers, input.clusterId);
      if (await ownerCameBack(ctx.db, provider, input, ctx.now())) return undefined;
      const recoverer = await attachToHealthyBroker(ctx.db, provider, input, ctx.now());
      if (recoverer) {
        ctx.log("failover: WAL volume attached", { ...input, recoverer: recoverer.brokerId });
        return undefined;
      }
      if (ctx.now() - startedAt(op, "attach-volume", ctx.now()) > timeoutMs) {
        throw new FailoverError(
          FailoverErrorCode.TIMEOUT,
          `no healthy broker in the zone of volume ${input.volumeId} within ${timeoutMs} ms`,
        );
      }
      return STEP_WAIT;
    },
  };
}

/** Streams the dead broker still holds open (replay closes every one of them). */
async function openStreamsOf(ctx: ControllerContext, input: FailoverInput) {
  return ctx.db
    .select({ id: streams.id, endOffset: streams.endOffset })
    .from(streams)
    .where(
      and(
        eq(streams.clusterId, input.clusterId),
        eq(streams.nodeId, input.brokerId),
        eq(streams.state, "OPENED"),
        eq(streams.deleted, false),
      ),
    );
}

function replayWalStep(options: FailoverHandlerOptions): FailoverStep {
  const timeoutMs = options.replayTimeoutMs ?? 600_000;
  return {
    name: "replay-wal",
    async run(ctx: ControllerContext, op: Operation) {
      const input = failoverInput(op);
      const provider = await providerOf(ctx.db, options.providers, input.clusterId);
      if (await ownerCameBack(ctx.db, provider, input, ctx.now())) return undefined;
      const [row] = await ctx.db.select().from(volumes).where(eq(volumes.id, input.volumeId));
      const open = await openStreamsOf(ctx, input);
      if (open.length === 0 && (row === undefined || row.recoveringBrokerId !== -1)) {
        ctx.log("failover: WAL replayed, dead broker's streams closed", {
          ...input,
          recoverer: row?.recoveringBrokerId,
          endOffsets: await closedEndOffsets(ctx, input),
        });
        return undefined;
      }
      if (ctx.now() - startedAt(op, "replay-wal", ctx.now()) > timeoutMs) {
        throw new FailoverError(
          FailoverErrorCode.TIMEOUT,
          `volume ${input.volumeId}: ${open.length} streams of broker ${input.brokerId} still open after ${timeoutMs} ms`,
        );
      }
      // The recoverer may have died since attach-volume: move the volume on to another healthy broker.
      const recoverer =
        (await currentRecoverer(ctx.db, provider, input, ctx.now())) ??
        (await attachToHealthyBroker(ctx.db, provider, input, ctx.now()));
      if (!recoverer) return STEP_WAIT;
      if (row?.recoveringBrokerId !== recoverer.brokerId) {
        // A volume the provisioner never recorded still gets its row: the assignment reads it from there.
        const zone = row?.zone ?? (await describeWalVolume(provider, input)).zone;
        const changed = await inTransaction(ctx.db, async (tx) => {
          await lockCluster(tx, input.clusterId);
          await tx
            .insert(volumes)
            .values({
              id: input.volumeId,
              clusterId: input.clusterId,
              zone,
              sizeGiB: row?.sizeGiB ?? 1,
              state: "IN_USE",
              ownerBrokerId: input.brokerId,
              ownerEpoch: input.epoch,
              recoveringBrokerId: recoverer.brokerId,
            })
            .onConflictDoUpdate({
              target: volumes.id,
              set: {
                ownerBrokerId: input.brokerId,
                ownerEpoch: input.epoch,
                recoveringBrokerId: recoverer.brokerId,
              },
            });
          const previous = row && row.recoveringBrokerId >= 0 ? [row.recoveringBrokerId] : [];
          await bumpVersions(tx, input.clusterId, [recoverer.brokerId, ...previous]);
          return [recoverer.brokerId, ...previous];
        });
        await options.notifier.changed(input.clusterId, changed);
        ctx.log("failover: recovery assigned", { ...input, recoverer: recoverer.brokerId });
      }
      return STEP_WAIT;
    },
  };
}

/** End offsets of the dead broker's streams as the replay recorded them (for the operation log). */
async function closedEndOffsets(
  ctx: ControllerContext,
  input: FailoverInput,
): Promise<Record<string, number>> {
  const rows = await ctx.db
    .select({ id: streams.id, endOffset: streams.endOffset })
    .from(streams)
    .where(and(eq(streams.clusterId, input.clusterId), eq(streams.nodeId, input.brokerId)));
  return Object.fromEntries(rows.map((r) => [String(r.id), r.endOffset]));
}

function reassignPartitionsStep(options: FailoverHandlerOptions): FailoverStep {
  return {
    name: "reassign-partitions",
    async run(ctx: ControllerContext, op: Operation) {
      const input = failoverInput(op);
      const changed = await inTransaction(ctx.db, async (tx) => {
        await lockCluster(tx, input.clusterId);
        const [row] = await tx
          .select({ recoverer: volumes.recoveringBrokerId })
          .from(volumes)
          .where(eq(volumes.id, input.volumeId));
        const recoverer = row && row.recoverer >= 0 ? [row.recoverer] : [];
        await tx.update(volumes).set({ recoveringBrokerId: -1 }).where(eq(volumes.id, input.volumeId));
        // Only the fenced incarnation's partitions move; one that came back keeps what it leads.
        const [dead] = await tx
          .select({
            epoch: brokers.epoch,
            state: brokers.state,
            volumeId: brokers.volumeId,
            instanceId: brokers.instanceId,
          })
          .from(brokers)
          .where(and(eq(brokers.clusterId, input.clusterId), eq(brokers.brokerId, input.brokerId)));
        const stillDead =
          dead !== undefined && (dead.epoch === input.epoch ? dead.state === "FENCED" : false);
        const released = stillDead
          ? await releasePartitionsOf(tx, input.clusterId, [input.brokerId], false)
          : [];
        if (stillDead) {
          // Moves from it that a drain started (spot notice, then killed) end now: the WAL is replayed.
          await tx
            .update(partitions)
            .set({ closingBrokerId: -1 })
            .where(
              and(eq(partitions.clusterId, input.clusterId), eq(partitions.closingBrokerId, input.brokerId)),
            );
          // Its WAL is recovered: nothing may replay or reattach it as this broker's volume again.
          await tx
            .update(brokers)
            .set({ volumeId: null })
            .where(and(eq(brokers.clusterId, input.clusterId), eq(brokers.brokerId, input.brokerId)));
        }
        const assigned = await assignLeaderlessPartitions(tx, input.clusterId);
        await bumpVersions(tx, input.clusterId, recoverer);
        const ownerBack = dead !== undefined && !stillDead && dead.volumeId === input.volumeId;
        return {
          brokers: [...recoverer, ...released, ...assigned],
          ownerInstance: ownerBack ? dead.instanceId : undefined,
        };
      });
      await options.notifier.changed(input.clusterId, changed.brokers);
      const provider = await providerOf(ctx.db, options.providers, input.clusterId);
      if (changed.ownerInstance) {
        // The owner came back under a new epoch expecting this WAL: it gets it back (its storage waits for it;
        // replaying it again commits nothing twice). Deleting it would leave the owner without a WAL.
        if (!(await attachOnlyTo(provider, await describeWalVolume(provider, input), changed.ownerInstance)))
          return STEP_WAIT; // still detaching from the recoverer: this step runs again (it is idempotent)
      } else if (!(await releaseVolume(ctx, provider, input))) {
        return STEP_WAIT;
      }
      ctx.log("failover: partitions reassigned", { ...input, changed });
      return undefined;
    },
  };
}

/**
 * Detaches and deletes the recovered volume (idempotent: a volume already gone is fine). False while the
 * detach is still running (the delete waits for it).
 */
async function releaseVolume(
  ctx: ControllerContext,
  provider: CloudProvider,
  input: FailoverInput,
): Promise<boolean> {
  try {
    const volume = await provider.describeVolume(input.volumeId);
    for (const instanceId of volume?.attachedTo ?? [])
      await provider.detachVolume(input.volumeId, instanceId, { force: true });
    if (volume) await provider.deleteVolume(input.volumeId);
  } catch (cause) {
    if (isCloudError(cause, CloudErrorCode.CONVERGING)) return false;
    throw new FailoverError(
      FailoverErrorCode.PROVIDER_FAILED,
      `releasing recovered volume ${input.volumeId} failed: ${(cause as Error)?.message ?? cause}`,
      { cause },
    );
  }
  await ctx.db.delete(volumes).where(eq(volumes.id, input.volumeId));
  return true;
}
