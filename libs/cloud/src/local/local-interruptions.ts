import { CloudError, CloudErrorCode, invalidArgument } from "../errors.ts";
import type { InterruptionNotice, LifecycleActionRef } from "../provider.ts";
import type { LocalInstance, LocalState } from "./local-state.ts";

export function fleetNotFound(name: string): CloudError {
  return new CloudError(CloudErrorCode.FLEET_NOT_FOUND, `fleet ${name} does not exist`);
}

export function instanceNotFound(id: string): CloudError {
  return new CloudError(CloudErrorCode.INSTANCE_NOT_FOUND, `instance ${id} does not exist`);
}

function liveSpotInstance(state: LocalState, instanceId: string): LocalInstance {
  const instance = state.instances[instanceId];
  if (!instance || instance.state === "terminated") throw instanceNotFound(instanceId);
  if (instance.lifecycle !== "spot") throw invalidArgument(`instance ${instanceId} is on-demand, not spot`);
  return instance;
}

/**
 * Marks a spot instance as reclaimed: terminating, hard kill at now + noticeMs (the supervisor sends
 * SIGKILL then, with no SIGTERM first). Returns the notice to publish, or undefined if the instance was
 * already terminating.
 */
export function markSpotReclaim(
  state: LocalState,
  instanceId: string,
  noticeMs: number,
): InterruptionNotice | undefined {
  const instance = liveSpotInstance(state, instanceId);
  if (instance.state === "terminating") return undefined;
  const deadline = Date.now() + noticeMs;
  instance.state = "terminating";
  instance.termination = { reason: "spot-reclaim", killAt: deadline };
  return {
    id: `spot-reclaim:${instance.id}`,
    kind: "spot-reclaim",
    fleet: instance.fleet,
    instanceId: instance.id,
    deadline,
  };
}

/**
 * Marks a rebalance recommendation. With capacityRebalance on the fleet, the instance stops counting
 * towards capacity (so a replacement launches) and is terminated once the replacement runs.
 */
export function markRebalance(state: LocalState, instanceId: string): InterruptionNotice {
  const instance = liveSpotInstance(state, instanceId);
  if (state.fleets[instance.fleet]?.spec.capacityRebalance && instance.state === "running")
    instance.rebalancing = true;
  return {
    id: `rebalance-recommendation:${instance.id}`,
    kind: "rebalance-recommendation",
    fleet: instance.fleet,
    instanceId: instance.id,
    deadline: undefined,
  };
}

/** The instance waiting on exactly this hook action; LIFECYCLE_ACTION_NOT_FOUND otherwise. */
export function pendingHookAction(
  state: LocalState,
  ref: LifecycleActionRef,
): LocalInstance & { termination: { hook: { deadline: number } } } {
  const instance = state.instances[ref.instanceId];
  const hook = instance?.termination?.hook;
  if (
    !instance ||
    instance.fleet !== ref.fleet ||
    !hook ||
    hook.token !== ref.token ||
    hook.name !== ref.hookName
  ) {
    throw new CloudError(
      CloudErrorCode.LIFECYCLE_ACTION_NOT_FOUND,
      `no pending lifecycle action ${ref.hookName}/${ref.token} for ${ref.instanceId}`,
    );
  }
  return instance as LocalInstance & { termination: { hook: { deadline: number } } };
}
