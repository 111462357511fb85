import { CloudErrorCode, isCloudError } from "@cirrus/cloud";
import { and, eq } from "drizzle-orm";
import { brokers } from "../../db/schema.ts";
import type { AssignmentNotifier } from "../../services/assignment-notifier.ts";
import { BrokerOperation } from "../../services/broker-views.ts";
import { type Operation, saveOperationInputNote } from "../../services/operations.ts";
import { brokerDrainHandler } from "../broker-drain.ts";
import { type ControllerContext, type OperationHandler, STEP_WAIT } from "../controller-runner.ts";
import { observeCluster, type ProvisionerDeps, providerOf } from "./cluster-convergence.ts";
import { fleetNameOf } from "./cluster-fleet.ts";
import { ProvisioningError, ProvisioningErrorCode } from "./provisioning-error.ts";
import { clusterOf } from "./wait-for-brokers.ts";

/**
 * What launch-replacement decided, kept in the operation's input (`replacement`) so that the steps after
 * it, and a restarted control plane, act on the same facts: the instance being replaced, the instances
 * that existed before (the replacement is whatever is new), and whether the fleet grew by one for it.
 */
export interface ReplacementNote {
  oldInstanceId: string;
  existing: string[];
  grew: boolean;
  desiredBefore: number;
}

export async function saveReplacementNote(
  ctx: ControllerContext,
  op: Operation,
  note: ReplacementNote,
): Promise<void> {
  await saveOperationInputNote(ctx.db, op, { replacement: note });
}

async function instanceOfBroker(ctx: ControllerContext, op: Operation): Promise<string> {
  const [row] = await ctx.db
    .select({ instanceId: brokers.instanceId })
    .from(brokers)
    .where(and(eq(brokers.clusterId, op.clusterId!), eq(brokers.brokerId, Number(op.input.brokerId))));
  if (!row) {
    throw new ProvisioningError(ProvisioningErrorCode.CLUSTER_GONE, `broker ${op.input.brokerId} is gone`);
  }
  return row.instanceId;
}

/**
 * `broker.replace`: drain the broker (its partitions move to the others, see broker-drain.ts), launch a
 * replacement instance and wait until its broker serves, then terminate the old instance. The fleet
 * grows by one for the replacement when it is below its maximum (and shrinks back with the
 * termination); at its maximum, the old instance is terminated first and the fleet replaces it.
 */
export function brokerReplaceHandler(
  deps: ProvisionerDeps,
  notifier: AssignmentNotifier,
): OperationHandler<"broker.replace"> {
  const drainSteps = brokerDrainHandler(notifier).steps;
  return {
    type: BrokerOperation.REPLACE,
    steps: [
      {
        name: "drain",
        async run(ctx, op) {
          for (const step of drainSteps) {
            if ((await step.run(ctx, op)) === STEP_WAIT) return STEP_WAIT;
          }
          return undefined;
        },
      },
      {
        name: "launch-replacement",
        async run(ctx, op) {
          const cluster = await clusterOf(deps, op);
          const provider = providerOf(deps, cluster);
          const name = fleetNameOf(cluster.id);
          let note = op.input.replacement as ReplacementNote | undefined;
          const fleet = await provider.describeFleet(name);
          if (!fleet)
            throw new ProvisioningError(ProvisioningErrorCode.CLUSTER_GONE, `fleet ${name} is gone`);
          if (!note) {
            const existing = (await provider.listInstances(name)).map((i) => i.id);
            note = {
              oldInstanceId: await instanceOfBroker(ctx, op),
              existing,
              grew: fleet.desiredCapacity < fleet.maxSize,
              desiredBefore: fleet.desiredCapacity,
            };
            await saveReplacementNote(ctx, op, note);
          }
          if (!note.grew) return undefined; // at the maximum: terminate-instance lets the fleet replace it
          if (fleet.desiredCapacity === note.desiredBefore) {
            try {
              await provider.setDesiredCapacity(name, note.desiredBefore + 1);
            } catch (error) {
              // One scaling activity at a time (ESS): wait for the running one, spending no attempt.
              if (isCloudError(error, CloudErrorCode.CONVERGING)) return STEP_WAIT;
              throw error;
            }
          }
          const observed = await observeCluster(deps, cluster, ctx.now());
          const fresh = observed?.ready.some((b) => !note.existing.includes(b.instanceId));
          return fresh ? undefined : STEP_WAIT;
        },
      },
      {
        name: "terminate-instance",
        async run(ctx, op) {
          const cluster = await clusterOf(deps, op);
          const provider = providerOf(deps, cluster);
          const name = fleetNameOf(cluster.id);
          const note = op.input.replacement as ReplacementNote;
          const instances = await provider.listInstances(name);
          const old = instances.find((i) => i.id === note.oldInstanceId);
          if (old && old.state !== "terminating") {
            try {
              await provider.terminateInstance(name, old.id, { decrementCapacity: note.grew });
            } catch (error) {
              if (isCloudError(error, CloudErrorCode.CONVERGING)) return STEP_WAIT;
              if (!isCloudError(error, CloudErrorCode.INSTANCE_NOT_FOUND)) throw error;
            }
          }
          if (old) return STEP_WAIT;
          if (note.grew) return undefined;
          const observed = await observeCluster(deps, cluster, ctx.now());
          const fresh = observed?.ready.some((b) => !note.existing.includes(b.instanceId));
          return fresh ? undefined : STEP_WAIT;
        },
      },
    ],
  };
}
