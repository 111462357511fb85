import type * as $Cms from "@alicloud/cms20190101";
import Cms from "@alicloud/cms20190101";
import type * as $Ecs from "@alicloud/ecs20140526";
import Ecs from "@alicloud/ecs20140526";
import OpenApi, * as $OpenApi from "@alicloud/openapi-client";
import type { AliyunCredential } from "./aliyun-credentials.ts";
import type { OpenApiCaller } from "./ess-rpc.ts";

export interface EcsDisk {
  diskId?: string;
  zoneId?: string;
  size?: number;
  category?: string;
  status?: string;
  multiAttach?: string;
  instanceId?: string;
  attachments?: { attachment?: { instanceId?: string }[] };
  tags?: { tag?: { tagKey?: string; tagValue?: string }[] };
}

export interface EcsInstance {
  instanceId?: string;
  zoneId?: string;
  instanceType?: string;
  spotStrategy?: string;
  status?: string;
  vpcAttributes?: { privateIpAddress?: { ipAddress?: string[] } };
}

/** The ECS calls this provider makes; the generated ECS client satisfies it, and so does the test fake. */
export interface EcsApi {
  createDisk(request: $Ecs.CreateDiskRequest): Promise<{ body?: { diskId?: string } }>;
  attachDisk(request: $Ecs.AttachDiskRequest): Promise<unknown>;
  detachDisk(request: $Ecs.DetachDiskRequest): Promise<unknown>;
  deleteDisk(request: $Ecs.DeleteDiskRequest): Promise<unknown>;
  describeDisks(
    request: $Ecs.DescribeDisksRequest,
  ): Promise<{ body?: { disks?: { disk?: EcsDisk[] }; totalCount?: number } }>;
  describeInstances(
    request: $Ecs.DescribeInstancesRequest,
  ): Promise<{ body?: { instances?: { instance?: EcsInstance[] } } }>;
}

/** The CloudMonitor calls this provider makes. */
export interface CmsApi {
  describeMetricList(request: $Cms.DescribeMetricListRequest): Promise<{
    body?: { datapoints?: string; nextToken?: string; success?: boolean; code?: string; message?: string };
  }>;
  describeSystemEventAttribute(request: $Cms.DescribeSystemEventAttributeRequest): Promise<{
    body?: {
      success?: string;
      code?: string;
      message?: string;
      systemEvents?: {
        systemEvent?: { content?: string; time?: number; name?: string; resourceId?: string }[];
      };
    };
  }>;
}

export interface AliyunClients {
  ess: OpenApiCaller;
  ecs: EcsApi;
  cms: CmsApi;
}

/** The service endpoints, by default the region's public ones (`ecs.<region>.aliyuncs.com`, …). */
export interface AliyunEndpoints {
  readonly ess?: string;
  readonly ecs?: string;
  readonly cms?: string;
}

/**
 * Real clients for a region, signing with `credential` (aliyun-credentials.ts), which they ask before every
 * request: temporary credentials refresh without rebuilding the clients. `endpoints` and `protocol` reach a
 * VPC endpoint, or a local server in tests. The packages are CommonJS with `exports.default = Client`; from
 * ESM the default import is the module object, hence `.default`.
 */
export function createAliyunClients(opts: {
  regionId: string;
  credential: AliyunCredential;
  endpoints?: AliyunEndpoints;
  protocol?: "http" | "https";
}): AliyunClients {
  const config = (endpoint: string) =>
    new $OpenApi.Config({
      credential: opts.credential,
      regionId: opts.regionId,
      endpoint,
      ...(opts.protocol ? { protocol: opts.protocol } : {}),
    });
  const endpoint = (service: keyof AliyunEndpoints, host: string) =>
    opts.endpoints?.[service] ?? `${host}.${opts.regionId}.aliyuncs.com`;
  const OpenApiClient = OpenApi.default;
  const EcsClient = Ecs.default;
  const CmsClient = Cms.default;
  return {
    ess: new OpenApiClient(config(endpoint("ess", "ess"))),
    ecs: new EcsClient(config(endpoint("ecs", "ecs"))),
    cms: new CmsClient(config(endpoint("cms", "metrics"))),
  };
}
