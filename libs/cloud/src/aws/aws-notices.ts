import type { AutoScalingGroup } from "@aws-sdk/client-auto-scaling";
import { DescribeSpotInstanceRequestsCommand, type EC2Client } from "@aws-sdk/client-ec2";
import type { InterruptionNotice } from "../provider.ts";
import { fromAwsError } from "./aws-errors.ts";
import { describeEc2Instances } from "./aws-instances.ts";
import { AWS_TERMINATION_HOOK } from "./launch-template.ts";

/** EC2 gives a spot instance two minutes between the interruption notice and the reclaim. */
export const AWS_SPOT_NOTICE_MS = 120_000;

/**
 * Notices visible through the APIs for one group: members waiting on the termination hook
 * (Terminating:Wait; Auto Scaling does not reveal the token here, so the notice carries an empty token
 * and completion goes by instance id), and spot instances whose request is `marked-for-termination`.
 * Rebalance recommendations reach us only through EventBridge (see eventBridgeNotice).
 */
export async function pollGroupNotices(
  ec2: EC2Client,
  group: AutoScalingGroup,
): Promise<InterruptionNotice[]> {
  const fleet = group.AutoScalingGroupName ?? "";
  const notices: InterruptionNotice[] = [];
  const members = group.Instances ?? [];
  for (const m of members) {
    if (m.LifecycleState === "Terminating:Wait" && m.InstanceId) {
      notices.push({
        id: `lifecycle-terminate:${m.InstanceId}:`,
        kind: "lifecycle-terminate",
        fleet,
        instanceId: m.InstanceId,
        deadline: undefined,
        lifecycle: { hookName: AWS_TERMINATION_HOOK, token: "" },
      });
    }
  }
  const live = members
    .filter((m) => m.InstanceId && !m.LifecycleState?.startsWith("Terminat"))
    .map((m) => m.InstanceId!);
  if (live.length === 0) return notices;
  const ec2View = await describeEc2Instances(ec2, live);
  const requests = [...ec2View.values()].flatMap((i) =>
    i.SpotInstanceRequestId ? [i.SpotInstanceRequestId] : [],
  );
  if (requests.length === 0) return notices;
  try {
    const out = await ec2.send(new DescribeSpotInstanceRequestsCommand({ SpotInstanceRequestIds: requests }));
    for (const r of out.SpotInstanceRequests ?? []) {
      if (r.Status?.Code !== "marked-for-termination" || !r.InstanceId) continue;
      notices.push({
        id: `spot-reclaim:${r.InstanceId}`,
        kind: "spot-reclaim",
        fleet,
        instanceId: r.InstanceId,
        deadline: (r.Status.UpdateTime?.getTime() ?? Date.now()) + AWS_SPOT_NOTICE_MS,
      });
    }
  } catch (error) {
    throw fromAwsError(error, "DescribeSpotInstanceRequests");
  }
  return notices;
}

export interface EventBridgeEvent {
  "detail-type": string;
  time?: string;
  detail: Record<string, unknown>;
}

/**
 * Turns an EventBridge event (delivered e.g. through an SQS queue the control plane reads) into a notice:
 * "EC2 Spot Instance Interruption Warning", "EC2 Instance Rebalance Recommendation" and
 * "EC2 Instance-terminate Lifecycle Action" (which, unlike polling, carries the action token).
 * `fleetOf` maps an instance id to its fleet; undefined for events we do not handle.
 */
export function eventBridgeNotice(
  event: EventBridgeEvent,
  fleetOf: (instanceId: string) => string | undefined,
): InterruptionNotice | undefined {
  const d = event.detail;
  const str = (key: string) => (typeof d[key] === "string" ? (d[key] as string) : undefined);
  switch (event["detail-type"]) {
    case "EC2 Spot Instance Interruption Warning": {
      const id = str("instance-id");
      const fleet = id && fleetOf(id);
      if (!id || !fleet) return undefined;
      const at = Date.parse(event.time ?? "");
      return {
        id: `spot-reclaim:${id}`,
        kind: "spot-reclaim",
        fleet,
        instanceId: id,
        deadline: (Number.isNaN(at) ? Date.now() : at) + AWS_SPOT_NOTICE_MS,
      };
    }
    case "EC2 Instance Rebalance Recommendation": {
      const id = str("instance-id");
      const fleet = id && fleetOf(id);
      if (!id || !fleet) return undefined;
      return {
        id: `rebalance-recommendation:${id}`,
        kind: "rebalance-recommendation",
        fleet,
        instanceId: id,
        deadline: undefined,
      };
    }
    case "EC2 Instance-terminate Lifecycle Action": {
      const id = str("EC2InstanceId");
      const fleet = str("AutoScalingGroupName");
      const token = str("LifecycleActionToken");
      const hookName = str("LifecycleHookName");
      if (!id || !fleet || !token || !hookName) return undefined;
      return {
        id: `lifecycle-terminate:${id}:${token}`,
        kind: "lifecycle-terminate",
        fleet,
        instanceId: id,
        deadline: undefined,
        lifecycle: { hookName, token },
      };
    }
    default:
      return undefined;
  }
}
