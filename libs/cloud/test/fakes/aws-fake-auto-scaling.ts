import {
  AutoScalingClient,
  CompleteLifecycleActionCommand,
  CreateAutoScalingGroupCommand,
  type CreateAutoScalingGroupCommandInput,
  DeleteAutoScalingGroupCommand,
  DescribeAutoScalingGroupsCommand,
  RecordLifecycleActionHeartbeatCommand,
  SetDesiredCapacityCommand,
  SetInstanceProtectionCommand,
  TerminateInstanceInAutoScalingGroupCommand,
  UpdateAutoScalingGroupCommand,
  type UpdateAutoScalingGroupCommandInput,
} from "@aws-sdk/client-auto-scaling";
import { mockClient } from "aws-sdk-client-mock";
import { onDemandTarget } from "../../src/fleet-spec.ts";
import { awsError, type FakeAwsAccount, type FakeGroup, type FakeMember } from "./aws-fake-state.ts";
import { gateOnServiceModel } from "./aws-model-gate.ts";

const SPOT_STRATEGIES = new Set([
  "lowest-price",
  "capacity-optimized",
  "capacity-optimized-prioritized",
  "price-capacity-optimized",
]);

type Input = Record<string, unknown>;

/**
 * A stateful Auto Scaling stand-in behind a real AutoScalingClient (aws-sdk-client-mock intercepts
 * `send`). It checks each request against the documented rules (required fields, min <= desired <= max,
 * lifecycle hook settings, hook tokens) and keeps groups at their desired capacity, launching into
 * the account's EC2 fake.
 */
export function fakeAutoScaling(account: FakeAwsAccount): AutoScalingClient {
  const client = new AutoScalingClient({
    region: "us-east-1",
    credentials: { accessKeyId: "fake", secretAccessKey: "fake" },
  });
  const mock = mockClient(client);
  gateOnServiceModel(client, "ValidationError", {
    throttled: () => account.throttled(),
    errorName: "Throttling",
  });
  const log = (command: string, input: object) => account.requests.push({ command, input: input as Input });
  const group = (name: unknown): FakeGroup => {
    const g = account.groups.get(String(name));
    if (!g) throw awsError("ValidationError", `AutoScalingGroup name not found - ${String(name)}`);
    return g;
  };
  const memberOf = (instanceId: unknown): [FakeGroup, FakeMember] => {
    for (const g of account.groups.values()) {
      const m = g.members.get(String(instanceId));
      if (m && m.state !== "Terminated") return [g, m];
    }
    throw awsError(
      "ValidationError",
      `Instance Id not found - No managed instance found for instance ID: ${String(instanceId)}`,
    );
  };
  const checkSizes = (min: number, max: number, desired: number) => {
    if (min > max)
      throw awsError(
        "ValidationError",
        `Max bound, ${max}, must be greater than or equal to min bound, ${min}`,
      );
    if (desired > max)
      throw awsError(
        "ValidationError",
        `Desired capacity:${desired} must be between the specified min size:${min} and max size:${max}`,
      );
    if (desired < min)
      throw awsError(
        "ValidationError",
        `Desired capacity:${desired} must be between the specified min size:${min} and max size:${max}`,
      );
  };

  const terminate = (g: FakeGroup, m: FakeMember) => {
    const hook = [...g.hooks.keys()][0];
    if (hook) {
      m.state = "Terminating:Wait";
      m.pendingAction = { hook, token: account.newToken() };
    } else {
      finish(g, m);
    }
  };
  const finish = (g: FakeGroup, m: FakeMember) => {
    m.state = "Terminated";
    delete m.pendingAction;
    g.members.delete(m.id);
    account.terminateInstance(m.id);
  };
  const converge = (g: FakeGroup) => {
    const active = () => [...g.members.values()].filter((m) => m.state === "InService");
    while (active().length < g.desired) {
      const current = active();
      const onDemand = current.filter((m) => !account.instances.get(m.id)?.spotRequestId).length;
      const spot = onDemand >= onDemandTarget(current.length + 1, g.onDemandBase, g.onDemandPct);
      const zones = g.subnets.map((s) => account.subnets.get(s)!);
      const zone = zones.sort(
        (a, b) => current.filter((m) => m.zone === a).length - current.filter((m) => m.zone === b).length,
      )[0]!;
      // The template version the group names is $Latest (launch-template.ts): the last one created.
      const userData = account.launchTemplates.get(g.templateName)?.versions.at(-1)?.UserData;
      const instance = account.launchInstance(
        zone,
        g.instanceTypes[0]!,
        spot,
        typeof userData === "string" ? userData : undefined,
      );
      g.members.set(instance.id, {
        id: instance.id,
        zone,
        type: instance.type,
        state: "InService",
        protectedFromScaleIn: false,
        launchedAt: Date.now() + g.members.size,
      });
    }
    const excess = active().length - g.desired;
    if (excess > 0) {
      const victims = active()
        .filter((m) => !m.protectedFromScaleIn)
        .sort((a, b) => b.launchedAt - a.launchedAt)
        .slice(0, excess);
      for (const v of victims) terminate(g, v);
    }
  };
  // An instance EC2 terminated on its own (a spot reclaim, a terminate outside the group) fails the group's
  // EC2 health check: Auto Scaling drops it and launches a replacement.
  account.events.on("instance-terminated", (instance) => {
    for (const g of account.groups.values()) {
      const m = g.members.get(instance.id);
      if (m?.state !== "InService") continue;
      g.members.delete(m.id);
      converge(g);
    }
  });
  const applyPolicy = (
    g: FakeGroup,
    input: CreateAutoScalingGroupCommandInput | UpdateAutoScalingGroupCommandInput,
    creating: boolean,
  ) => {
    const policy = input.MixedInstancesPolicy;
    if (!policy) {
      if (creating)
        throw awsError(
          "ValidationError",
          "Valid requests must contain either LaunchTemplate, LaunchConfigurationName, InstanceId or MixedInstancesPolicy parameter.",
        );
      return;
    }
    const spec = policy.LaunchTemplate?.LaunchTemplateSpecification;
    if (creating && !spec)
      throw awsError(
        "ValidationError",
        "MixedInstancesPolicy.LaunchTemplate.LaunchTemplateSpecification is required",
      );
    if (spec) {
      if (!account.launchTemplates.has(spec.LaunchTemplateName ?? ""))
        throw awsError("ValidationError", `Launch template ${spec.LaunchTemplateName} does not exist`);
      g.templateName = spec.LaunchTemplateName!;
    }
    const overrides = policy.LaunchTemplate?.Overrides;
    if (overrides) {
      if (overrides.length < 1 || overrides.length > 40 || overrides.some((o) => !o.InstanceType))
        throw awsError("ValidationError", "Overrides must name 1..40 instance types");
      g.instanceTypes = overrides.map((o) => o.InstanceType!);
    }
    const d = policy.InstancesDistribution;
    if (d) {
      if (d.SpotAllocationStrategy && !SPOT_STRATEGIES.has(d.SpotAllocationStrategy))
        throw awsError("ValidationError", `bad SpotAllocationStrategy ${d.SpotAllocationStrategy}`);
      const pct = d.OnDemandPercentageAboveBaseCapacity ?? g.onDemandPct;
      if (pct < 0 || pct > 100)
        throw awsError("ValidationError", "OnDemandPercentageAboveBaseCapacity must be 0..100");
      g.onDemandPct = pct;
      g.onDemandBase = d.OnDemandBaseCapacity ?? g.onDemandBase;
    }
  };

  mock.on(CreateAutoScalingGroupCommand).callsFake((input: CreateAutoScalingGroupCommandInput) => {
    log("CreateAutoScalingGroup", input);
    const name = input.AutoScalingGroupName;
    if (!name || name.length > 255)
      throw awsError("ValidationError", "AutoScalingGroupName is required (1..255)");
    if (account.groups.has(name))
      throw awsError(
        "AlreadyExists",
        `AutoScalingGroup by this name already exists - A group with the name ${name} already exists`,
      );
    if (input.MinSize === undefined || input.MaxSize === undefined)
      throw awsError("ValidationError", "MinSize and MaxSize are required");
    const desired = input.DesiredCapacity ?? input.MinSize;
    checkSizes(input.MinSize, input.MaxSize, desired);
    const subnets = (input.VPCZoneIdentifier ?? "").split(",").filter(Boolean);
    if (subnets.length === 0 || subnets.some((s) => !account.subnets.has(s)))
      throw awsError("ValidationError", `The subnet ID '${subnets.join(",")}' does not exist`);
    const g: FakeGroup = {
      name,
      tags: Object.fromEntries((input.Tags ?? []).map((t) => [t.Key ?? "", t.Value ?? ""])),
      min: input.MinSize,
      max: input.MaxSize,
      desired,
      subnets,
      templateName: "",
      instanceTypes: [],
      onDemandBase: 0,
      onDemandPct: 100,
      capacityRebalance: input.CapacityRebalance ?? false,
      hooks: new Map(),
      members: new Map(),
    };
    applyPolicy(g, input, true);
    for (const hook of input.LifecycleHookSpecificationList ?? []) {
      if (
        !hook.LifecycleHookName ||
        !["autoscaling:EC2_INSTANCE_TERMINATING", "autoscaling:EC2_INSTANCE_LAUNCHING"].includes(
          hook.LifecycleTransition ?? "",
        )
      ) {
        throw awsError("ValidationError", "Lifecycle hook needs a name and a valid LifecycleTransition");
      }
      const timeout = hook.HeartbeatTimeout ?? 3600;
      if (timeout < 30 || timeout > 7200)
        throw awsError("ValidationError", "HeartbeatTimeout must be 30..7200");
      if (hook.DefaultResult && !["CONTINUE", "ABANDON"].includes(hook.DefaultResult))
        throw awsError("ValidationError", "DefaultResult must be CONTINUE or ABANDON");
      if (hook.LifecycleTransition === "autoscaling:EC2_INSTANCE_TERMINATING")
        g.hooks.set(hook.LifecycleHookName, { timeout, defaultResult: hook.DefaultResult ?? "ABANDON" });
    }
    account.groups.set(name, g);
    converge(g);
    return {};
  });

  mock.on(UpdateAutoScalingGroupCommand).callsFake((input: UpdateAutoScalingGroupCommandInput) => {
    log("UpdateAutoScalingGroup", input);
    const g = group(input.AutoScalingGroupName);
    const min = input.MinSize ?? g.min;
    const max = input.MaxSize ?? g.max;
    const desired = input.DesiredCapacity ?? g.desired;
    checkSizes(min, max, desired);
    applyPolicy(g, input, false);
    Object.assign(g, {
      min,
      max,
      desired,
      capacityRebalance: input.CapacityRebalance ?? g.capacityRebalance,
    });
    converge(g);
    return {};
  });

  mock.on(DeleteAutoScalingGroupCommand).callsFake((input: Input) => {
    log("DeleteAutoScalingGroup", input);
    const g = group(input.AutoScalingGroupName);
    if (g.members.size > 0 && !input.ForceDelete)
      throw awsError(
        "ResourceInUse",
        "You cannot delete an AutoScalingGroup while there are instances still in the group.",
      );
    for (const m of [...g.members.values()]) finish(g, m);
    account.groups.delete(g.name);
    return {};
  });

  mock.on(DescribeAutoScalingGroupsCommand).callsFake((input: Input) => {
    log("DescribeAutoScalingGroups", input);
    const names = (input.AutoScalingGroupNames as string[] | undefined) ?? [...account.groups.keys()];
    const filters = (input.Filters as { Name: string; Values: string[] }[] | undefined) ?? [];
    for (const f of filters)
      if (!["tag-key", "tag-value"].includes(f.Name) && !f.Name.startsWith("tag:"))
        throw awsError("ValidationError", `unsupported filter ${f.Name}`);
    const groups = names
      .flatMap((n) => (account.groups.has(n) ? [account.groups.get(n)!] : []))
      .filter((g) => filters.every((f) => (f.Name === "tag-key" ? f.Values.some((v) => v in g.tags) : true)));
    return {
      AutoScalingGroups: groups.map((g) => ({
        AutoScalingGroupName: g.name,
        AutoScalingGroupARN: `arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:${g.name}`,
        MinSize: g.min,
        MaxSize: g.max,
        DesiredCapacity: g.desired,
        CapacityRebalance: g.capacityRebalance,
        MixedInstancesPolicy: {
          InstancesDistribution: {
            OnDemandBaseCapacity: g.onDemandBase,
            OnDemandPercentageAboveBaseCapacity: g.onDemandPct,
          },
        },
        Instances: [...g.members.values()].map((m) => ({
          InstanceId: m.id,
          AvailabilityZone: m.zone,
          InstanceType: m.type,
          LifecycleState: m.state,
          HealthStatus: "Healthy",
          ProtectedFromScaleIn: m.protectedFromScaleIn,
        })),
      })),
    };
  });

  mock.on(SetDesiredCapacityCommand).callsFake((input: Input) => {
    log("SetDesiredCapacity", input);
    const g = group(input.AutoScalingGroupName);
    const n = input.DesiredCapacity as number;
    if (n > g.max)
      throw awsError(
        "ValidationError",
        `New SetDesiredCapacity value ${n} is above max value ${g.max} for the AutoScalingGroup.`,
      );
    if (n < g.min)
      throw awsError(
        "ValidationError",
        `New SetDesiredCapacity value ${n} is below min value ${g.min} for the AutoScalingGroup.`,
      );
    g.desired = n;
    converge(g);
    return {};
  });

  mock.on(SetInstanceProtectionCommand).callsFake((input: Input) => {
    log("SetInstanceProtection", input);
    const g = group(input.AutoScalingGroupName);
    if (typeof input.ProtectedFromScaleIn !== "boolean")
      throw awsError("ValidationError", "ProtectedFromScaleIn is required");
    const ids = input.InstanceIds as string[];
    const members = ids.map(
      (id) =>
        g.members.get(id) ??
        (() => {
          throw awsError(
            "ValidationError",
            `The instance ${id} is not part of Auto Scaling group ${g.name}.`,
          );
        })(),
    );
    for (const m of members) m.protectedFromScaleIn = input.ProtectedFromScaleIn;
    return {};
  });

  mock.on(TerminateInstanceInAutoScalingGroupCommand).callsFake((input: Input) => {
    log("TerminateInstanceInAutoScalingGroup", input);
    if (typeof input.ShouldDecrementDesiredCapacity !== "boolean")
      throw awsError("ValidationError", "ShouldDecrementDesiredCapacity is required");
    const [g, m] = memberOf(input.InstanceId);
    if (input.ShouldDecrementDesiredCapacity) {
      if (g.desired - 1 < g.min)
        throw awsError(
          "ValidationError",
          `Currently, desired capacity ${g.desired} is equal to min size ${g.min}, cannot decrement`,
        );
      g.desired -= 1;
    }
    terminate(g, m);
    converge(g);
    return { Activity: { ActivityId: account.newToken(), StatusCode: "InProgress" } };
  });

  const pendingAction = (input: Input): [FakeGroup, FakeMember] => {
    const g = group(input.AutoScalingGroupName);
    if (!g.hooks.has(String(input.LifecycleHookName)))
      throw awsError(
        "ValidationError",
        `No Lifecycle Hook found with name ${String(input.LifecycleHookName)}`,
      );
    if (!input.InstanceId && !input.LifecycleActionToken)
      throw awsError("ValidationError", "Either InstanceId or LifecycleActionToken is required");
    const m = [...g.members.values()].find(
      (x) =>
        x.pendingAction &&
        x.pendingAction.hook === input.LifecycleHookName &&
        (!input.InstanceId || x.id === input.InstanceId) &&
        (!input.LifecycleActionToken || x.pendingAction.token === input.LifecycleActionToken),
    );
    if (!m)
      throw awsError(
        "ValidationError",
        `No active Lifecycle Action found with instance ID ${String(input.InstanceId)}`,
      );
    return [g, m];
  };

  mock.on(CompleteLifecycleActionCommand).callsFake((input: Input) => {
    log("CompleteLifecycleAction", input);
    if (!["CONTINUE", "ABANDON"].includes(String(input.LifecycleActionResult)))
      throw awsError("ValidationError", "LifecycleActionResult must be CONTINUE or ABANDON");
    const [g, m] = pendingAction(input);
    finish(g, m);
    converge(g);
    return {};
  });

  mock.on(RecordLifecycleActionHeartbeatCommand).callsFake((input: Input) => {
    log("RecordLifecycleActionHeartbeat", input);
    pendingAction(input);
    return {};
  });

  return client;
}
