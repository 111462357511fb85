import type { AutoScalingGroup } from "@aws-sdk/client-auto-scaling";
import { DescribeInstancesCommand, type EC2Client, type Instance as Ec2Instance } from "@aws-sdk/client-ec2";
import type { Instance, InstanceState } from "../provider.ts";
import { fromAwsError } from "./aws-errors.ts";

/** EC2's view of instances by id (DescribeInstances, chunked to its 1000-id limit). */
export async function describeEc2Instances(
  ec2: EC2Client,
  ids: readonly string[],
): Promise<Map<string, Ec2Instance>> {
  const byId = new Map<string, Ec2Instance>();
  for (let i = 0; i < ids.length; i += 1000) {
    const chunk = ids.slice(i, i + 1000);
    try {
      let token: string | undefined;
      do {
        const out = await ec2.send(new DescribeInstancesCommand({ InstanceIds: chunk, NextToken: token }));
        for (const r of out.Reservations ?? [])
          for (const inst of r.Instances ?? []) if (inst.InstanceId) byId.set(inst.InstanceId, inst);
        token = out.NextToken;
      } while (token);
    } catch (error) {
      // Just-launched ids can be unknown to EC2 for a moment (eventual consistency): show them as pending.
      const mapped = fromAwsError(error, "DescribeInstances");
      if (mapped.code !== "CLOUD_INSTANCE_NOT_FOUND") throw mapped;
    }
  }
  return byId;
}

function stateOf(asgState: string | undefined): InstanceState {
  if (!asgState) return "pending";
  if (asgState === "Terminated") return "terminated";
  if (asgState.startsWith("Terminating")) return "terminating";
  if (asgState.startsWith("Pending") || asgState.startsWith("Warmed")) return "pending";
  return "running";
}

/**
 * The group's instances as the interface shows them: state from Auto Scaling (it knows about hooks),
 * address and spot/on-demand from EC2. An instance EC2 does not know yet is pending, on-demand.
 */
export async function listGroupInstances(ec2: EC2Client, group: AutoScalingGroup): Promise<Instance[]> {
  const members = (group.Instances ?? []).filter((m) => m.InstanceId && m.LifecycleState !== "Terminated");
  const ec2View = await describeEc2Instances(
    ec2,
    members.map((m) => m.InstanceId!),
  );
  return members.map((m) => {
    const e = ec2View.get(m.InstanceId!);
    const ec2State = e?.State?.Name;
    let state = e ? stateOf(m.LifecycleState) : "pending";
    if (ec2State === "terminated" || ec2State === "shutting-down") state = "terminating";
    return {
      id: m.InstanceId!,
      fleet: group.AutoScalingGroupName ?? "",
      zone: m.AvailabilityZone ?? e?.Placement?.AvailabilityZone ?? "",
      instanceType: m.InstanceType ?? e?.InstanceType ?? "",
      lifecycle: e?.InstanceLifecycle === "spot" ? "spot" : "on-demand",
      state,
      privateAddress: e?.PrivateIpAddress,
      protectedFromScaleIn: m.ProtectedFromScaleIn ?? false,
    };
  });
}
