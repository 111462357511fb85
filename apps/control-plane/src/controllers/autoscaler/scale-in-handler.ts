import { CloudErrorCode, isCloudError } from "@cirrus/cloud";
import type { AssignmentNotifier } from "../../services/assignment-notifier.ts";
import { brokerDrainHandler } from "../broker-drain.ts";
import { type OperationHandler, STEP_WAIT } from "../controller-runner.ts";
import { type AutoscalerDeps, clusterFleetOf, ScaleOperation, saveInputNote } from "./capacity-operations.ts";
import { cheapestToDrain, type DrainCandidate, drainCandidates } from "./drain-choice.ts";
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
          const { provider, fleet } = await clusterFleetOf(deps, ctx, op);
          const instances = await provider.listInstances(fleet);
          let present = false;
          for (const broker of note.brokers) {
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
