import * as $Cms from "@alicloud/cms20190101";
import { CloudError, CloudErrorCode } from "../errors.ts";
import type { InterruptionNotice } from "../provider.ts";
import type { CmsApi } from "./aliyun-clients.ts";
import { fromAliyunError } from "./aliyun-errors.ts";
import type { EssGroup } from "./aliyun-fleets.ts";
import type { EssRpc } from "./ess-rpc.ts";

/** Alibaba Cloud reclaims a preemptible instance 5 minutes after the interruption event. */
export const ALIYUN_SPOT_NOTICE_MS = 5 * 60_000;
const INTERRUPTION_EVENT = "Instance:PreemptibleInstanceInterruption";
/** How far back each poll looks for interruption events (the hub drops the repeats). */
const EVENT_LOOKBACK_MS = 10 * 60_000;

interface LifecycleAction {
  LifecycleActionToken: string;
  LifecycleHookId: string;
  LifecycleActionStatus: string;
  InstanceIds?: { InstanceId?: string[] };
}

/**
 * Lifecycle actions waiting on a hook: the in-progress scaling activities of the group, then the pending
 * actions of each. Unlike AWS polling, ESS returns the action token; the notice's hookName is the
 * LifecycleHookId, which CompleteLifecycleAction takes.
 */
export async function pollLifecycleNotices(ess: EssRpc, group: EssGroup): Promise<InterruptionNotice[]> {
  const activities = await ess.call<{
    ScalingActivities?: { ScalingActivity?: { ScalingActivityId: string }[] };
  }>("DescribeScalingActivities", {
    ScalingGroupId: group.ScalingGroupId,
    StatusCode: "InProgress",
    PageSize: 50,
  });
  const notices: InterruptionNotice[] = [];
  for (const activity of activities.ScalingActivities?.ScalingActivity ?? []) {
    const out = await ess.call<{ LifecycleActions?: { LifecycleAction?: LifecycleAction[] } }>(
      "DescribeLifecycleActions",
      {
        ScalingActivityId: activity.ScalingActivityId,
        LifecycleActionStatus: "Pending",
      },
    );
    for (const action of out.LifecycleActions?.LifecycleAction ?? []) {
      if (action.LifecycleActionStatus !== "Pending") continue;
      for (const instanceId of action.InstanceIds?.InstanceId ?? []) {
        notices.push({
          id: `lifecycle-terminate:${instanceId}:${action.LifecycleActionToken}`,
          kind: "lifecycle-terminate",
          fleet: group.ScalingGroupName,
          instanceId,
          deadline: undefined,
          lifecycle: { hookName: action.LifecycleHookId, token: action.LifecycleActionToken },
        });
      }
    }
  }
  return notices;
}

const EVENT_PAGE_SIZE = 100;
/** A bound on pages per poll (10,000 events in the lookback window), so a misbehaving API cannot loop us. */
const MAX_EVENT_PAGES = 100;

/** Preemptible-instance interruption events from CloudMonitor for the instances of `fleetOf`, every page. */
export async function pollSpotNotices(
  cms: CmsApi,
  fleetOf: (instanceId: string) => string | undefined,
  now = Date.now(),
): Promise<InterruptionNotice[]> {
  type Event = NonNullable<
    NonNullable<Awaited<ReturnType<CmsApi["describeSystemEventAttribute"]>>["body"]>["systemEvents"]
  >["systemEvent"];
  const events: NonNullable<Event> = [];
  // Every page: a burst of reclaims (a whole spot pool) can exceed one page of 100 events.
  for (let pageNumber = 1; pageNumber <= MAX_EVENT_PAGES; pageNumber++) {
    let body: Awaited<ReturnType<CmsApi["describeSystemEventAttribute"]>>["body"];
    try {
      body = (
        await cms.describeSystemEventAttribute(
          new $Cms.DescribeSystemEventAttributeRequest({
            product: "ECS",
            name: INTERRUPTION_EVENT,
            startTime: String(now - EVENT_LOOKBACK_MS),
            endTime: String(now),
            pageNumber,
            pageSize: EVENT_PAGE_SIZE,
          }),
        )
      ).body;
    } catch (error) {
      throw fromAliyunError(error, "CMS DescribeSystemEventAttribute");
    }
    if (body?.success === "false") {
      throw new CloudError(
        CloudErrorCode.PROVIDER_ERROR,
        `CMS DescribeSystemEventAttribute: ${body.code}: ${body.message}`,
        { retriable: true },
      );
    }
    const page = body?.systemEvents?.systemEvent ?? [];
    events.push(...page);
    if (page.length < EVENT_PAGE_SIZE) break;
  }
  const notices: InterruptionNotice[] = [];
  for (const event of events) {
    if (event.name !== INTERRUPTION_EVENT) continue;
    let instanceId: string | undefined;
    try {
      instanceId = (JSON.parse(event.content ?? "{}") as { instanceId?: string }).instanceId;
    } catch {
      instanceId = undefined;
    }
    instanceId ??= event.resourceId?.split("/").pop();
    const fleet = instanceId ? fleetOf(instanceId) : undefined;
    if (!instanceId || !fleet) continue;
    notices.push({
      id: `spot-reclaim:${instanceId}`,
      kind: "spot-reclaim",
      fleet,
      instanceId,
      deadline: (event.time ?? now) + ALIYUN_SPOT_NOTICE_MS,
    });
  }
  return notices;
}
