import { CloudError, CloudErrorCode, invalidArgument } from "../errors.ts";
import { checkCapacity, validateFleetSpec } from "../fleet-spec.ts";
import { requestToken } from "../managed/request-token.ts";
import type { Fleet, FleetSpec, FleetUpdate } from "../provider.ts";
import { buildUserData } from "../user-data.ts";
import type { EssRpc, RpcValue } from "./ess-rpc.ts";

export const ALIYUN_TERMINATION_HOOK = "cirrus-terminate";
const FLEET_TAG = "cirrus:fleet";

export interface EssGroup {
  ScalingGroupId: string;
  ScalingGroupName: string;
  LifecycleState: string;
  MinSize: number;
  MaxSize: number;
  DesiredCapacity?: number;
  ActiveScalingConfigurationId?: string;
}

export interface EssInstance {
  InstanceId: string;
  ZoneId?: string;
  LifecycleState?: string;
}

/**
 * Scaling groups on ESS: group (COST_OPTIMIZED multi-zone policy carries the on-demand base and share),
 * scaling configuration (SpotAsPriceGo spot strategy, user data), termination hook, then enable. Every
 * step first looks for what a crashed earlier attempt left, so create can simply be called again.
 */
export class AliyunFleets {
  readonly #ess: EssRpc;

  constructor(ess: EssRpc) {
    this.#ess = ess;
  }

  async create(spec: FleetSpec): Promise<Fleet> {
    validateFleetSpec(spec);
    const ali = spec.aliyun;
    if (!ali?.imageId || ali.vSwitchIds.length === 0 || !ali.securityGroupId) {
      throw invalidArgument("aliyun.imageId, aliyun.vSwitchIds and aliyun.securityGroupId are required");
    }
    let group = await this.describeGroup(spec.name);
    if (group?.LifecycleState === "Active") return toFleet(group);
    if (group?.LifecycleState === "Deleting")
      throw new CloudError(CloudErrorCode.CONFLICT, `scaling group ${spec.name} is being deleted`);
    const groupId = group?.ScalingGroupId ?? (await this.#createGroup(spec, ali.vSwitchIds));
    const configs = await this.#ess.call<{
      ScalingConfigurations?: { ScalingConfiguration?: { ScalingConfigurationId: string }[] };
    }>("DescribeScalingConfigurations", { ScalingGroupId: groupId });
    const configId =
      configs.ScalingConfigurations?.ScalingConfiguration?.[0]?.ScalingConfigurationId ??
      (
        await this.#ess.call<{ ScalingConfigurationId: string }>(
          "CreateScalingConfiguration",
          tokened("sc", {
            ScalingGroupId: groupId,
            ScalingConfigurationName: `${spec.name}-broker`,
            ImageId: ali.imageId,
            InstanceTypes: spec.instanceTypes,
            SecurityGroupId: ali.securityGroupId,
            RamRoleName: ali.ramRoleName,
            SpotStrategy: "SpotAsPriceGo",
            UserData: buildUserData(spec.launch, { CIRRUS_FLEET: spec.name }),
            InstanceName: `${spec.name}-broker`,
          }),
        )
      ).ScalingConfigurationId;
    if (spec.terminationHook) {
      const hooks = await this.#ess.call<{
        LifecycleHooks?: { LifecycleHook?: { LifecycleHookName: string }[] };
      }>("DescribeLifecycleHooks", { ScalingGroupId: groupId });
      if (
        !hooks.LifecycleHooks?.LifecycleHook?.some((h) => h.LifecycleHookName === ALIYUN_TERMINATION_HOOK)
      ) {
        await this.#ess.call("CreateLifecycleHook", {
          ScalingGroupId: groupId,
          LifecycleHookName: ALIYUN_TERMINATION_HOOK,
          LifecycleTransition: "SCALE_IN",
          DefaultResult: spec.terminationHook.defaultResult,
          HeartbeatTimeout: Math.max(30, spec.terminationHook.heartbeatTimeoutSeconds),
        });
      }
    }
    await this.#ess.call("EnableScalingGroup", {
      ScalingGroupId: groupId,
      ActiveScalingConfigurationId: configId,
    });
    group = await this.requireGroup(spec.name);
    return toFleet(group);
  }

  async #createGroup(spec: FleetSpec, vSwitchIds: readonly string[]): Promise<string> {
    const request = tokened("sg", {
      ScalingGroupName: spec.name,
      MinSize: spec.minSize,
      MaxSize: spec.maxSize,
      DesiredCapacity: spec.desiredCapacity,
      VSwitchIds: vSwitchIds,
      MultiAZPolicy: "COST_OPTIMIZED",
      OnDemandBaseCapacity: spec.onDemandBaseCapacity,
      OnDemandPercentageAboveBaseCapacity: spec.onDemandPercentageAboveBase,
      SpotInstanceRemedy: spec.capacityRebalance,
      CompensateWithOnDemand: true,
      RemovalPolicy: ["NewestInstance"],
      Tag: Object.entries({ ...spec.tags, [FLEET_TAG]: spec.name }).map(([Key, Value]) => ({ Key, Value })),
    });
    return (await this.#ess.call<{ ScalingGroupId: string }>("CreateScalingGroup", request)).ScalingGroupId;
  }

  async update(name: string, update: FleetUpdate): Promise<Fleet> {
    const group = await this.requireGroup(name);
    const min = update.minSize ?? group.MinSize;
    const max = update.maxSize ?? group.MaxSize;
    if (min > max) throw invalidArgument("minSize must not exceed maxSize");
    checkCapacity(name, update.desiredCapacity ?? group.DesiredCapacity ?? min, min, max);
    if (update.instanceTypes || update.launch) {
      await this.#ess.call("ModifyScalingConfiguration", {
        ScalingConfigurationId: group.ActiveScalingConfigurationId,
        InstanceTypes: update.instanceTypes,
        UserData: update.launch ? buildUserData(update.launch, { CIRRUS_FLEET: name }) : undefined,
      });
    }
    await this.#ess.call("ModifyScalingGroup", {
      ScalingGroupId: group.ScalingGroupId,
      MinSize: update.minSize,
      MaxSize: update.maxSize,
      DesiredCapacity: update.desiredCapacity,
      OnDemandBaseCapacity: update.onDemandBaseCapacity,
      OnDemandPercentageAboveBaseCapacity: update.onDemandPercentageAboveBase,
      SpotInstanceRemedy: update.capacityRebalance,
    });
    return toFleet(await this.requireGroup(name));
  }

  async delete(name: string): Promise<void> {
    const group = await this.describeGroup(name);
    if (!group || group.LifecycleState === "Deleting") return;
    // ForceDelete releases the group's instances without waiting on lifecycle hooks.
    await this.#ess
      .call(
        "DeleteScalingGroup",
        { ScalingGroupId: group.ScalingGroupId, ForceDelete: true },
        CloudErrorCode.FLEET_NOT_FOUND,
      )
      .catch((error: CloudError) => {
        if (error.code !== CloudErrorCode.FLEET_NOT_FOUND) throw error;
      });
  }

  /**
   * Groups tagged cirrus:fleet: their ids from ListTagResources, joined with the pages of
   * DescribeScalingGroups (which has no tag filter), so an untagged group is never listed.
   */
  async list(): Promise<EssGroup[]> {
    const ids = new Set<string>();
    let nextToken: string | undefined;
    do {
      const out = await this.#ess.call<{
        NextToken?: string;
        TagResources?: { TagResource?: { ResourceId: string }[] };
      }>("ListTagResources", {
        ResourceType: "scalinggroup",
        Tag: [{ Key: FLEET_TAG }],
        NextToken: nextToken,
      });
      for (const r of out.TagResources?.TagResource ?? []) ids.add(r.ResourceId);
      nextToken = out.NextToken || undefined;
    } while (nextToken);
    if (ids.size === 0) return [];
    const groups: EssGroup[] = [];
    for (let page = 1; ; page++) {
      const out = await this.#ess.call<{ ScalingGroups?: { ScalingGroup?: EssGroup[] } }>(
        "DescribeScalingGroups",
        {
          PageSize: 50,
          PageNumber: page,
        },
      );
      const batch = out.ScalingGroups?.ScalingGroup ?? [];
      groups.push(...batch.filter((g) => ids.has(g.ScalingGroupId)));
      if (batch.length < 50) return groups;
    }
  }

  async describeGroup(name: string): Promise<EssGroup | undefined> {
    const out = await this.#ess.call<{ ScalingGroups?: { ScalingGroup?: EssGroup[] } }>(
      "DescribeScalingGroups",
      { ScalingGroupName: name },
    );
    return out.ScalingGroups?.ScalingGroup?.find((g) => g.ScalingGroupName === name);
  }

  async requireGroup(name: string): Promise<EssGroup> {
    const group = await this.describeGroup(name);
    if (!group || group.LifecycleState === "Deleting") {
      throw new CloudError(CloudErrorCode.FLEET_NOT_FOUND, `scaling group ${name} does not exist`);
    }
    return group;
  }

  async instances(group: EssGroup): Promise<EssInstance[]> {
    const all: EssInstance[] = [];
    for (let page = 1; ; page++) {
      const out = await this.#ess.call<{
        TotalCount: number;
        ScalingInstances?: { ScalingInstance?: EssInstance[] };
      }>("DescribeScalingInstances", {
        ScalingGroupId: group.ScalingGroupId,
        PageSize: 50,
        PageNumber: page,
      });
      const batch = out.ScalingInstances?.ScalingInstance ?? [];
      all.push(...batch);
      if (batch.length < 50 || all.length >= out.TotalCount) return all;
    }
  }

  /**
   * ESS runs one scaling activity per group at a time and refuses RemoveInstances and
   * ScaleWithAdjustment while one runs (a scale-in waiting on its lifecycle hook included): say so as
   * CONVERGING before sending either.
   */
  async #noActivityRunning(group: EssGroup): Promise<void> {
    const out = await this.#ess.call<{
      ScalingActivities?: { ScalingActivity?: { ScalingActivityId: string }[] };
    }>("DescribeScalingActivities", {
      ScalingGroupId: group.ScalingGroupId,
      StatusCode: "InProgress",
      PageSize: 10,
    });
    const running = out.ScalingActivities?.ScalingActivity ?? [];
    if (running.length > 0) {
      throw new CloudError(
        CloudErrorCode.CONVERGING,
        `scaling group ${group.ScalingGroupName} is running scaling activity ${running[0]!.ScalingActivityId}`,
      );
    }
  }

  async setDesiredCapacity(name: string, n: number): Promise<void> {
    const group = await this.requireGroup(name);
    checkCapacity(name, n, group.MinSize, group.MaxSize);
    await this.#noActivityRunning(group);
    await this.#ess.call("ScaleWithAdjustment", {
      ScalingGroupId: group.ScalingGroupId,
      AdjustmentType: "TotalCapacity",
      AdjustmentValue: n,
    });
  }

  async setProtection(name: string, instanceIds: readonly string[], protect: boolean): Promise<void> {
    const group = await this.requireGroup(name);
    await this.#requireMembers(group, instanceIds);
    await this.#ess.call("SetInstancesProtection", {
      ScalingGroupId: group.ScalingGroupId,
      InstanceId: instanceIds,
      ProtectedFromScaleIn: protect,
    });
  }

  async terminate(name: string, instanceId: string, decrement: boolean): Promise<void> {
    const group = await this.requireGroup(name);
    const [member] = await this.#requireMembers(group, [instanceId]);
    if (member?.LifecycleState?.startsWith("Removing")) return;
    if (decrement) checkCapacity(name, (group.DesiredCapacity ?? 0) - 1, group.MinSize, group.MaxSize);
    await this.#noActivityRunning(group);
    await this.#ess.call("RemoveInstances", {
      ScalingGroupId: group.ScalingGroupId,
      InstanceId: [instanceId],
      DecreaseDesiredCapacity: decrement,
      RemovePolicy: "release",
    });
  }

  async #requireMembers(group: EssGroup, ids: readonly string[]): Promise<EssInstance[]> {
    const members = await this.instances(group);
    return ids.map((id) => {
      const member = members.find((m) => m.InstanceId === id);
      if (!member)
        throw new CloudError(
          CloudErrorCode.INSTANCE_NOT_FOUND,
          `instance ${id} is not in ${group.ScalingGroupName}`,
        );
      return member;
    });
  }
}

/** The request with its ClientToken: derived from everything else it asks for (`requestToken`). */
function tokened(prefix: string, request: Record<string, RpcValue>): Record<string, RpcValue> {
  return { ...request, ClientToken: requestToken(prefix, request) };
}

export function toFleet(group: EssGroup): Fleet {
  return {
    name: group.ScalingGroupName,
    id: group.ScalingGroupId,
    minSize: group.MinSize,
    maxSize: group.MaxSize,
    desiredCapacity: group.DesiredCapacity ?? group.MinSize,
    status:
      group.LifecycleState === "Deleting"
        ? "deleting"
        : group.LifecycleState === "Active"
          ? "active"
          : "incomplete",
  };
}
