import { CloudErrorCode, type CloudProvider, type Instance, isCloudError } from "@cirrus/cloud";
import type { AssignmentNotifier } from "../../services/assignment-notifier.ts";
import type { Operation } from "../../services/operations.ts";
import { brokerDrainHandler } from "../broker-drain.ts";
import { type ControllerContext, type OperationHandler, STEP_WAIT } from "../controller-runner.ts";
import { type ClusterRow, specOf } from "../provisioner/cluster-convergence.ts";
import { type AutoscalerDeps, clusterFleetOf, ScaleOperation, saveInputNote } from "./capacity-operations.ts";
import { cheapestToDrain, type DrainCandidate, drainCandidates } from "./drain-choice.ts";
import { returnToService, terminableCount } from "./return-to-service.ts";
import { servingBrokers } from "./serving-brokers.ts";

/** What choose-brokers decided, kept in the operation's input (`chosen`) for the steps after it. */
interface ScaleInNote {
  brokers: DrainCandidate[];
  /** Instances that stay: protected from the cloud's own scale-in while this operation runs. */
  survivors: string[];
}

/**
 * `cluster.scale-in` {from, to, decision}: choose the brokers cheapest to drain (fewest bytes led), protect
 * the others from scale-in so the cloud cannot pick one of them, drain the chosen ones (broker.drain's
 * steps: their partitions move to the survivors), then terminate each chosen instance with the desired
 * capacity decremented, and lift the protection once they are gone.
 */
export function scaleInHandler(
  deps: AutoscalerDeps,
  notifier: AssignmentNotifier,
): OperationHandler<"cluster.scale-in"> {
  const drainSteps = brokerDrainHandler(notifier).steps;
  return {
    type: ScaleOperation.IN,
    steps: [
      {
        name: "choose-brokers",
        async run(ctx, op) {
          if (op.input.chosen) return undefined;
          const { cluster, provider, fleet } = await clusterFleetOf(deps, ctx, op);
          const instances = await provider.listInstances(fleet);
          const serving = await servingBrokers(ctx.db, cluster.id, instances, ctx.now());
          const current = (await provider.describeFleet(fleet))?.desiredCapacity ?? 0;
          // Never more than the decision asked for, never below `to` serving brokers.
          const count = Math.min(current, serving.length) - Number(op.input.to);
          const chosen = cheapestToDrain(await drainCandidates(ctx.db, cluster.id, serving), count);
          const leaving = new Set(chosen.map((b) => b.instanceId));
          const survivors = instances
            .filter((i) => i.state === "running" && !leaving.has(i.id))
            .map((i) => i.id);
          const note: ScaleInNote = { brokers: chosen, survivors };
          if (survivors.length > 0 && chosen.length > 0) {
            await provider.setInstanceProtection(fleet, survivors, true);
          }
          await saveInputNote(ctx, op, "chosen", note);
          return undefined;
        },
      },
      {
        name: "drain-brokers",
        async run(ctx, op) {
          const note = op.input.chosen as ScaleInNote;
          // Step by step over all chosen brokers: every one stops taking partitions before any moves them.
          for (const step of drainSteps) {
            let waiting = false;
            for (const broker of note.brokers) {
              const drainOp = { ...op, input: { ...op.input, brokerId: broker.brokerId } };
              if ((await step.run(ctx, drainOp)) === STEP_WAIT) waiting = true;
            }
            if (waiting) return STEP_WAIT;
          }
          return undefined;
        },
      },
      {
        name: "terminate-instances",
        async run(ctx, op) {
          const note = op.input.chosen as ScaleInNote;
          const { cluster, provider, fleet } = await clusterFleetOf(deps, ctx, op);
          const instances = await provider.listInstances(fleet);
          const returned = await returnBrokersAboveMin(ctx, op, note, {
            cluster,
            provider,
            fleet,
            instances,
            notifier,
          });
          let present = false;
          for (const broker of note.brokers) {
            if (returned.has(broker.brokerId)) continue;
            const instance = instances.find((i) => i.id === broker.instanceId);
            if (!instance) continue;
            present = true;
            if (instance.state === "terminating") continue;
            try {
              await provider.terminateInstance(fleet, instance.id, { decrementCapacity: true });
            } catch (error) {
              if (!isCloudError(error, CloudErrorCode.INSTANCE_NOT_FOUND)) throw error;
            }
          }
          if (present) return STEP_WAIT;
          const remaining = new Set(instances.map((i) => i.id));
          const protectedOnes = note.survivors.filter((id) => remaining.has(id));
          if (protectedOnes.length > 0) await provider.setInstanceProtection(fleet, protectedOnes, false);
          return undefined;
        },
      },
    ],
  };
}

/** What the terminate step left in the operation's input when `brokers.min` was raised during the scale-in. */
interface ReturnedNote {
  brokers: DrainCandidate[];
  reason: string;
}

/**
 * `brokers.min` raised while the scale-in ran (the fleet's minimum, or the spec's before the cluster.update has
 * applied it): terminating every chosen broker would go below it, and the cloud refuses a decrement below its
 * minimum (the scale-in would fail and leave the brokers DRAINING forever). Those it may not terminate go back
 * to service instead, recorded as `returnedToService` with why; the operation then ends normally. Returns the
 * broker ids returned (this pass or an earlier one).
 */
async function returnBrokersAboveMin(
  ctx: ControllerContext,
  op: Operation,
  note: ScaleInNote,
  where: {
    cluster: ClusterRow;
    provider: CloudProvider;
    fleet: string;
    instances: Instance[];
    notifier: AssignmentNotifier;
  },
): Promise<Set<number>> {
  const { cluster, provider, fleet, instances, notifier } = where;
  const earlier = (op.input.returnedToService as ReturnedNote | undefined)?.brokers ?? [];
  const returned = new Set(earlier.map((b) => b.brokerId));
  const pending = note.brokers.filter((b) => {
    const instance = instances.find((i) => i.id === b.instanceId);
    return !returned.has(b.brokerId) && instance !== undefined && instance.state !== "terminating";
  });
  if (pending.length === 0) return returned;
  const described = await provider.describeFleet(fleet);
  if (!described) return returned;
  const specMin = specOf(cluster).brokers.min;
  const allowed = terminableCount(described.desiredCapacity, described.minSize, specMin, pending.length);
  const back = pending.slice(allowed);
  if (back.length === 0) return returned;
  const changed = await returnToService(
    ctx.db,
    cluster.id,
    back.map((b) => b.brokerId),
  );
  await notifier.changed(cluster.id, changed);
  const floor = Math.max(described.minSize, specMin);
  const reason =
    `brokers.min was raised to ${floor} during the scale-in: terminating ${pending.length} broker(s) would leave ` +
    `${described.desiredCapacity - pending.length}, so broker(s) ${back.map((b) => b.brokerId).join(", ")} ` +
    "went back to service instead";
  const value: ReturnedNote = { brokers: [...earlier, ...back], reason };
  await saveInputNote(ctx, op, "returnedToService", value);
  ctx.log("autoscaler: scale-in brokers returned to service", { clusterId: cluster.id, reason });
  for (const b of back) returned.add(b.brokerId);
  return returned;
}
