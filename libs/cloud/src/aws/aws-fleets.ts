import {
  type AutoScalingClient,
  type AutoScalingGroup,
  CreateAutoScalingGroupCommand,
  DeleteAutoScalingGroupCommand,
  DescribeAutoScalingGroupsCommand,
  type MixedInstancesPolicy,
  SetDesiredCapacityCommand,
  SetInstanceProtectionCommand,
  TerminateInstanceInAutoScalingGroupCommand,
  UpdateAutoScalingGroupCommand,
} from "@aws-sdk/client-auto-scaling";
import {
  CreateLaunchTemplateCommand,
  CreateLaunchTemplateVersionCommand,
  DeleteLaunchTemplateCommand,
  type EC2Client,
} from "@aws-sdk/client-ec2";
import { CloudError, CloudErrorCode, invalidArgument } from "../errors.ts";
import { checkCapacity, validateFleetSpec } from "../fleet-spec.ts";
import { requestToken } from "../managed/request-token.ts";
import type { Fleet, FleetSpec, FleetUpdate } from "../provider.ts";
import { buildUserData } from "../user-data.ts";
import { fromAwsError, isAwsErrorNamed } from "./aws-errors.ts";
import {
  AWS_TERMINATION_HOOK,
  FLEET_TAG,
  launchTemplateData,
  launchTemplateName,
  mixedInstancesPolicy,
} from "./launch-template.ts";

export { AWS_TERMINATION_HOOK } from "./launch-template.ts";

/** Scaling groups: one launch template (user data starts the broker) + one ASG with a mixed instances policy. */
export class AwsFleets {
  readonly #asg: AutoScalingClient;
  readonly #ec2: EC2Client;

  constructor(asg: AutoScalingClient, ec2: EC2Client) {
    this.#asg = asg;
    this.#ec2 = ec2;
  }

  async create(spec: FleetSpec): Promise<Fleet> {
    validateFleetSpec(spec);
    const aws = spec.aws;
    if (!aws?.imageId || aws.subnetIds.length === 0)
      throw invalidArgument("aws.imageId and aws.subnetIds are required");
    const existing = await this.describeGroup(spec.name);
    if (existing) return toFleet(existing);
    try {
      const template = {
        LaunchTemplateName: launchTemplateName(spec.name),
        LaunchTemplateData: launchTemplateData(spec),
        TagSpecifications: [
          {
            ResourceType: "launch-template" as const,
            Tags: [{ Key: FLEET_TAG, Value: spec.name }],
          },
        ],
      };
      await this.#ec2.send(
        new CreateLaunchTemplateCommand({ ...template, ClientToken: requestToken("lt", template) }),
      );
    } catch (error) {
      // A crash between the template and the group leaves the template: reuse it.
      if (!isAwsErrorNamed(error, "InvalidLaunchTemplateName.AlreadyExistsException")) {
        throw fromAwsError(error, "CreateLaunchTemplate");
      }
    }
    try {
      await this.#asg.send(
        new CreateAutoScalingGroupCommand({
          AutoScalingGroupName: spec.name,
          MinSize: spec.minSize,
          MaxSize: spec.maxSize,
          DesiredCapacity: spec.desiredCapacity,
          VPCZoneIdentifier: aws.subnetIds.join(","),
          MixedInstancesPolicy: mixedInstancesPolicy(spec),
          CapacityRebalance: spec.capacityRebalance,
          LifecycleHookSpecificationList: spec.terminationHook
            ? [
                {
                  LifecycleHookName: AWS_TERMINATION_HOOK,
                  LifecycleTransition: "autoscaling:EC2_INSTANCE_TERMINATING",
                  HeartbeatTimeout: spec.terminationHook.heartbeatTimeoutSeconds,
                  DefaultResult: spec.terminationHook.defaultResult,
                },
              ]
            : undefined,
          Tags: Object.entries({ ...spec.tags, [FLEET_TAG]: spec.name }).map(([Key, Value]) => ({
            Key,
            Value,
            PropagateAtLaunch: true,
            ResourceId: spec.name,
            ResourceType: "auto-scaling-group",
          })),
        }),
      );
    } catch (error) {
      if (!isAwsErrorNamed(error, "AlreadyExists", "AlreadyExistsFault"))
        throw fromAwsError(error, "CreateAutoScalingGroup");
    }
    return toFleet(await this.requireGroup(spec.name));
  }

  async update(name: string, update: FleetUpdate): Promise<Fleet> {
    const group = await this.requireGroup(name);
    const min = update.minSize ?? group.MinSize ?? 0;
    const max = update.maxSize ?? group.MaxSize ?? 0;
    const desired = update.desiredCapacity ?? group.DesiredCapacity ?? 0;
    if (min > max) throw invalidArgument("minSize must not exceed maxSize");
    checkCapacity(name, desired, min, max);
    if (update.launch) {
      try {
        await this.#ec2.send(
          new CreateLaunchTemplateVersionCommand({
            LaunchTemplateName: launchTemplateName(name),
            SourceVersion: "$Latest",
            LaunchTemplateData: { UserData: buildUserData(update.launch, { CIRRUS_FLEET: name }) },
          }),
        );
      } catch (error) {
        throw fromAwsError(error, "CreateLaunchTemplateVersion");
      }
    }
    const current = group.MixedInstancesPolicy;
    const distribution = current?.InstancesDistribution;
    const policy: MixedInstancesPolicy | undefined =
      update.instanceTypes ||
      update.onDemandBaseCapacity !== undefined ||
      update.onDemandPercentageAboveBase !== undefined
        ? {
            LaunchTemplate: update.instanceTypes
              ? {
                  LaunchTemplateSpecification: {
                    LaunchTemplateName: launchTemplateName(name),
                    Version: "$Latest",
                  },
                  Overrides: update.instanceTypes.map((InstanceType) => ({ InstanceType })),
                }
              : undefined,
            InstancesDistribution: {
              OnDemandBaseCapacity: update.onDemandBaseCapacity ?? distribution?.OnDemandBaseCapacity,
              OnDemandPercentageAboveBaseCapacity:
                update.onDemandPercentageAboveBase ?? distribution?.OnDemandPercentageAboveBaseCapacity,
              SpotAllocationStrategy: "price-capacity-optimized",
            },
          }
        : undefined;
    try {
      await this.#asg.send(
        new UpdateAutoScalingGroupCommand({
          AutoScalingGroupName: name,
          MinSize: update.minSize,
          MaxSize: update.maxSize,
          DesiredCapacity: update.desiredCapacity,
          CapacityRebalance: update.capacityRebalance,
          MixedInstancesPolicy: policy,
        }),
      );
    } catch (error) {
      throw fromAwsError(error, "UpdateAutoScalingGroup");
    }
    return toFleet(await this.requireGroup(name));
  }

  async delete(name: string): Promise<void> {
    try {
      // ForceDelete terminates the instances without waiting on lifecycle hooks.
      await this.#asg.send(
        new DeleteAutoScalingGroupCommand({ AutoScalingGroupName: name, ForceDelete: true }),
      );
    } catch (error) {
      const mapped = fromAwsError(error, "DeleteAutoScalingGroup");
      if (mapped.code !== CloudErrorCode.FLEET_NOT_FOUND) throw mapped;
    }
    try {
      await this.#ec2.send(new DeleteLaunchTemplateCommand({ LaunchTemplateName: launchTemplateName(name) }));
    } catch (error) {
      if (!isAwsErrorNamed(error, "InvalidLaunchTemplateName.NotFoundException"))
        throw fromAwsError(error, "DeleteLaunchTemplate");
    }
  }

  /** Groups tagged cirrus:fleet (every group this provider created), all pages. */
  async list(): Promise<AutoScalingGroup[]> {
    const groups: AutoScalingGroup[] = [];
    let token: string | undefined;
    try {
      do {
        const out = await this.#asg.send(
          new DescribeAutoScalingGroupsCommand({
            Filters: [{ Name: "tag-key", Values: [FLEET_TAG] }],
            MaxRecords: 100,
            NextToken: token,
          }),
        );
        groups.push(...(out.AutoScalingGroups ?? []));
        token = out.NextToken;
      } while (token);
    } catch (error) {
      throw fromAwsError(error, "DescribeAutoScalingGroups");
    }
    return groups;
  }

  async describeGroup(name: string): Promise<AutoScalingGroup | undefined> {
    try {
      const out = await this.#asg.send(
        new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }),
      );
      return out.AutoScalingGroups?.[0];
    } catch (error) {
      throw fromAwsError(error, "DescribeAutoScalingGroups");
    }
  }

  async requireGroup(name: string): Promise<AutoScalingGroup> {
    const group = await this.describeGroup(name);
    if (!group || group.Status === "Delete in progress") {
      throw new CloudError(CloudErrorCode.FLEET_NOT_FOUND, `auto scaling group ${name} does not exist`);
    }
    return group;
  }

  async setDesiredCapacity(name: string, n: number): Promise<void> {
    const group = await this.requireGroup(name);
    checkCapacity(name, n, group.MinSize ?? 0, group.MaxSize ?? 0);
    try {
      await this.#asg.send(
        new SetDesiredCapacityCommand({
          AutoScalingGroupName: name,
          DesiredCapacity: n,
          HonorCooldown: false,
        }),
      );
    } catch (error) {
      throw fromAwsError(error, "SetDesiredCapacity");
    }
  }

  async setProtection(name: string, instanceIds: readonly string[], protect: boolean): Promise<void> {
    const group = await this.requireGroup(name);
    requireMembers(group, instanceIds);
    try {
      await this.#asg.send(
        new SetInstanceProtectionCommand({
          AutoScalingGroupName: name,
          InstanceIds: [...instanceIds],
          ProtectedFromScaleIn: protect,
        }),
      );
    } catch (error) {
      throw fromAwsError(error, "SetInstanceProtection");
    }
  }

  async terminate(name: string, instanceId: string, decrement: boolean): Promise<void> {
    const group = await this.requireGroup(name);
    const [member] = requireMembers(group, [instanceId]);
    if (member?.LifecycleState?.startsWith("Terminating") || member?.LifecycleState === "Terminated") return;
    if (decrement)
      checkCapacity(name, (group.DesiredCapacity ?? 0) - 1, group.MinSize ?? 0, group.MaxSize ?? 0);
    try {
      await this.#asg.send(
        new TerminateInstanceInAutoScalingGroupCommand({
          InstanceId: instanceId,
          ShouldDecrementDesiredCapacity: decrement,
        }),
      );
    } catch (error) {
      throw fromAwsError(error, "TerminateInstanceInAutoScalingGroup");
    }
  }
}

function requireMembers(group: AutoScalingGroup, ids: readonly string[]) {
  return ids.map((id) => {
    const member = group.Instances?.find((i) => i.InstanceId === id);
    if (!member) {
      throw new CloudError(
        CloudErrorCode.INSTANCE_NOT_FOUND,
        `instance ${id} is not in ${group.AutoScalingGroupName}`,
      );
    }
    return member;
  });
}

export function toFleet(group: AutoScalingGroup): Fleet {
  return {
    name: group.AutoScalingGroupName ?? "",
    id: group.AutoScalingGroupARN ?? group.AutoScalingGroupName ?? "",
    minSize: group.MinSize ?? 0,
    maxSize: group.MaxSize ?? 0,
    desiredCapacity: group.DesiredCapacity ?? 0,
    status: group.Status === "Delete in progress" ? "deleting" : "active",
  };
}
