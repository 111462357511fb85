import type * as $Cms from "@alicloud/cms20190101";
import type * as $Ecs from "@alicloud/ecs20140526";
import type { CmsApi, EcsApi } from "../../src/aliyun/aliyun-clients.ts";
import {
  aliyunError,
  aliyunId,
  type FakeAliyunAccount,
  type FakeDisk,
  throttlingError,
} from "./aliyun-fake-state.ts";

/** Every method of `api` refuses a throttled request (`Throttling.User`) before it acts. */
function withFlowControl<T extends object>(account: FakeAliyunAccount, api: T): T {
  const gated = {} as Record<string, unknown>;
  for (const [name, fn] of Object.entries(api))
    gated[name] = async (...args: unknown[]) => {
      if (account.throttled()) throw throttlingError();
      return (fn as (...a: unknown[]) => unknown)(...args);
    };
  return gated as T;
}

const SIZE_LIMITS: Record<string, [number, number]> = {
  cloud_essd: [1, 65536],
  cloud_auto: [1, 65536],
  cloud_efficiency: [20, 32768],
  cloud_ssd: [20, 32768],
};

function ids(json: string | undefined, field: string): string[] {
  try {
    const parsed = JSON.parse(json ?? "[]") as unknown;
    if (!Array.isArray(parsed) || parsed.some((x) => typeof x !== "string"))
      throw new Error("not a string array");
    if (parsed.length > 100) throw aliyunError("InvalidParameter", `${field} takes at most 100 ids`);
    return parsed;
  } catch (error) {
    if (error && typeof error === "object" && "code" in error) throw error;
    throw aliyunError("InvalidParameter", `${field} must be a JSON array of strings`);
  }
}

/**
 * ECS disks and instances at the generated client's method boundary. Rules: region, zone, disk
 * category and size, ESSD PL1 needs >= 20 GiB, MultiAttach only on cloud_essd (16 instances at most),
 * same-zone attach, one instance per non-shared disk, DeleteWithInstance=false kept, no deleting an
 * attached disk, ClientToken idempotency.
 */
export function fakeEcs(account: FakeAliyunAccount): EcsApi {
  return withFlowControl(account, ecsOf(account));
}

function ecsOf(account: FakeAliyunAccount): EcsApi {
  const log = (action: string, args: object) =>
    account.requests.push({ api: "ecs", action, args: { ...args } });
  /** Finishes a DetachDisk whose injected duration has passed. */
  const settle = (d: FakeDisk) => {
    if (d.detachingUntil !== undefined && d.detachingUntil <= Date.now()) {
      d.attachedTo = d.attachedTo.slice(1);
      d.detachingUntil = undefined;
    }
  };
  const statusOf = (d: FakeDisk) => {
    settle(d);
    if (Date.now() < d.createdAt + account.timing.volumeCreatingMs) return "Creating";
    if (d.detachingUntil !== undefined) return "Detaching";
    return d.attachedTo.length ? "In_use" : "Available";
  };
  const visible = (d: FakeDisk) => Date.now() >= d.createdAt + account.timing.newIdNotFoundMs;
  const disk = (id: string | undefined): FakeDisk => {
    const d = account.disks.get(id ?? "");
    if (!d || !visible(d))
      throw aliyunError("InvalidDiskId.NotFound", `The specified disk ${id} does not exist.`, 404);
    settle(d);
    return d;
  };
  const describe = (d: FakeDisk) => ({
    diskId: d.id,
    zoneId: d.zone,
    size: d.size,
    category: d.category,
    multiAttach: d.multiAttach ? "Enabled" : "Disabled",
    status: statusOf(d),
    instanceId: d.multiAttach ? "" : (d.attachedTo[0] ?? ""),
    attachments: { attachment: d.attachedTo.map((instanceId) => ({ instanceId })) },
    tags: { tag: Object.entries(d.tags).map(([tagKey, tagValue]) => ({ tagKey, tagValue })) },
  });
  return {
    async createDisk(r: $Ecs.CreateDiskRequest) {
      log("CreateDisk", r);
      if (r.regionId !== account.regionId)
        throw aliyunError("InvalidRegionId.NotFound", "unknown region", 404);
      if (r.clientToken && account.diskTokens.has(r.clientToken))
        return { body: { diskId: account.diskTokens.get(r.clientToken) } };
      if (!account.zones.includes(r.zoneId as (typeof account.zones)[number]))
        throw aliyunError("InvalidZoneId.NotFound", `zone ${r.zoneId} does not exist`, 404);
      const category = r.diskCategory ?? "cloud_efficiency";
      const limits = SIZE_LIMITS[category];
      if (!limits)
        throw aliyunError(
          "InvalidDiskCategory.ValueNotSupported",
          `disk category ${category} is not supported`,
        );
      const size = r.size ?? 0;
      if (size < limits[0] || size > limits[1])
        throw aliyunError("InvalidSize.ValueNotSupported", `size ${size} is out of range for ${category}`);
      if (category === "cloud_essd" && r.performanceLevel === "PL1" && size < 20)
        throw aliyunError("InvalidSize.ValueNotSupported", "ESSD PL1 needs at least 20 GiB");
      if (r.multiAttach === "Enabled" && category !== "cloud_essd")
        throw aliyunError("InvalidParameter.MultiAttach", "Only ESSD disks support multi-attach");
      const d: FakeDisk = {
        id: aliyunId("d"),
        zone: r.zoneId!,
        size,
        category,
        performanceLevel: r.performanceLevel,
        multiAttach: r.multiAttach === "Enabled",
        tags: Object.fromEntries((r.tag ?? []).map((t) => [t.key ?? "", t.value ?? ""])),
        attachedTo: [],
        createdAt: Date.now(),
      };
      account.disks.set(d.id, d);
      if (r.clientToken) account.diskTokens.set(r.clientToken, d.id);
      return { body: { diskId: d.id } };
    },
    async attachDisk(r: $Ecs.AttachDiskRequest) {
      log("AttachDisk", r);
      const d = disk(r.diskId);
      const instance = account.instances.get(r.instanceId ?? "");
      if (!instance)
        throw aliyunError(
          "InvalidInstanceId.NotFound",
          `The specified instance ${r.instanceId} does not exist.`,
          404,
        );
      if (instance.zone !== d.zone)
        throw aliyunError(
          "InvalidDiskId.ZoneMismatch",
          "The disk and the instance are not in the same zone.",
        );
      if (r.deleteWithInstance)
        throw aliyunError(
          "InvalidParameter",
          "this account keeps WAL disks: DeleteWithInstance must be false",
        );
      if (statusOf(d) === "Creating" || statusOf(d) === "Detaching")
        throw aliyunError(
          "IncorrectDiskStatus",
          `The current disk status ${statusOf(d)} does not support this operation.`,
        );
      if (d.attachedTo.includes(instance.id))
        throw aliyunError("IncorrectDiskStatus", "The disk is already attached to this instance.");
      if (d.attachedTo.length > 0 && !d.multiAttach)
        throw aliyunError("IncorrectDiskStatus", "The current disk status does not support this operation.");
      if (d.attachedTo.length >= 16)
        throw aliyunError(
          "QuotaExceed.AttachedInstances",
          "A multi-attach disk can be attached to at most 16 instances",
        );
      d.attachedTo.push(instance.id);
      account.events.emit("disk-attached", d.id, instance.id);
      return {};
    },
    async detachDisk(r: $Ecs.DetachDiskRequest) {
      log("DetachDisk", r);
      const d = disk(r.diskId);
      if (!account.instances.has(r.instanceId ?? ""))
        throw aliyunError(
          "InvalidInstanceId.NotFound",
          `The specified instance ${r.instanceId} does not exist.`,
          404,
        );
      if (!d.attachedTo.includes(r.instanceId!) || statusOf(d) === "Detaching")
        throw aliyunError("IncorrectDiskStatus", "The disk is not attached to this instance.");
      d.attachedTo = [r.instanceId!, ...d.attachedTo.filter((x) => x !== r.instanceId)];
      d.detachingUntil = Date.now() + account.timing.detachingMs;
      account.events.emit("disk-detaching", d.id, r.instanceId!, d.detachingUntil);
      settle(d);
      return {};
    },
    async deleteDisk(r: $Ecs.DeleteDiskRequest) {
      log("DeleteDisk", r);
      const d = disk(r.diskId);
      if (d.attachedTo.length > 0 || statusOf(d) === "Creating")
        throw aliyunError("IncorrectDiskStatus", "The disk is in use.");
      account.disks.delete(d.id);
      return {};
    },
    async describeDisks(r: $Ecs.DescribeDisksRequest) {
      log("DescribeDisks", r);
      if (r.regionId !== account.regionId)
        throw aliyunError("InvalidRegionId.NotFound", "unknown region", 404);
      if (r.diskIds !== undefined) {
        const wanted = ids(r.diskIds, "DiskIds");
        return {
          body: {
            disks: {
              disk: wanted.flatMap((id) => {
                const d = account.disks.get(id);
                return d && visible(d) ? [describe(d)] : [];
              }),
            },
          },
        };
      }
      const size = r.pageSize ?? 10;
      if (size < 1 || size > 100) throw aliyunError("InvalidParameter", "PageSize must be 1..100");
      const page = r.pageNumber ?? 1;
      const all = [...account.disks.values()].filter(
        (d) => visible(d) && (r.tag ?? []).every((t) => d.tags[t.key ?? ""] === t.value),
      );
      return {
        body: {
          totalCount: all.length,
          disks: { disk: all.slice((page - 1) * size, page * size).map(describe) },
        },
      };
    },
    async describeInstances(r: $Ecs.DescribeInstancesRequest) {
      log("DescribeInstances", r);
      if (r.regionId !== account.regionId)
        throw aliyunError("InvalidRegionId.NotFound", "unknown region", 404);
      const wanted = ids(r.instanceIds, "InstanceIds");
      const found = wanted.flatMap((id) => (account.instances.has(id) ? [account.instances.get(id)!] : []));
      return {
        body: {
          instances: {
            instance: found.map((i) => ({
              instanceId: i.id,
              zoneId: i.zone,
              instanceType: i.type,
              spotStrategy: i.spotStrategy,
              status: "Running",
              vpcAttributes: { privateIpAddress: { ipAddress: [i.ip] } },
            })),
          },
        },
      };
    },
  };
}

/** CloudMonitor: per-minute IntranetIn/OutRate points (bits/s) from the traffic table, and system events. */
export function fakeCms(account: FakeAliyunAccount): CmsApi {
  return withFlowControl(account, cmsOf(account));
}

function cmsOf(account: FakeAliyunAccount): CmsApi {
  return {
    async describeMetricList(r: $Cms.DescribeMetricListRequest) {
      account.requests.push({ api: "cms", action: "DescribeMetricList", args: { ...r } });
      if (r.namespace !== "acs_ecs_dashboard")
        return { body: { success: false, code: "400", message: `unknown namespace ${r.namespace}` } };
      if (r.metricName !== "IntranetInRate" && r.metricName !== "IntranetOutRate")
        return { body: { success: false, code: "400", message: "unknown metric" } };
      if (!r.period || Number(r.period) % 60 !== 0)
        return { body: { success: false, code: "400", message: "Period must be a multiple of 60" } };
      const start = Number(r.startTime);
      const end = Number(r.endTime);
      if (!(start < end))
        return { body: { success: false, code: "400", message: "StartTime must be before EndTime" } };
      const dims = JSON.parse(r.dimensions ?? "[]") as { instanceId?: string }[];
      const points = dims.flatMap(({ instanceId }) => {
        const t = account.traffic.get(instanceId ?? "");
        if (!t) return [];
        const rate = (r.metricName === "IntranetInRate" ? t.in : t.out) * 8;
        const out = [];
        for (let at = Math.ceil(start / 60_000) * 60_000; at < end; at += 60_000)
          out.push({ timestamp: at, instanceId, userId: "1", Average: rate, Maximum: rate, Minimum: rate });
        return out;
      });
      return { body: { success: true, code: "200", datapoints: JSON.stringify(points) } };
    },
    async describeSystemEventAttribute(r: $Cms.DescribeSystemEventAttributeRequest) {
      account.requests.push({ api: "cms", action: "DescribeSystemEventAttribute", args: { ...r } });
      if (r.product !== "ECS") return { body: { success: "false", code: "400", message: "unknown product" } };
      const start = Number(r.startTime);
      const end = Number(r.endTime);
      const size = r.pageSize ?? 10;
      if (size < 1 || size > 100)
        return { body: { success: "false", code: "400", message: "PageSize 1..100" } };
      const page = r.pageNumber ?? 1;
      const events = account.systemEvents
        .filter((e) => (!r.name || e.name === r.name) && e.time >= start && e.time <= end)
        .slice((page - 1) * size, page * size);
      return {
        body: {
          success: "true",
          code: "200",
          systemEvents: {
            systemEvent: events.map((e) => ({
              name: e.name,
              time: e.time,
              content: e.content,
              product: "ECS",
            })),
          },
        },
      };
    },
  };
}
