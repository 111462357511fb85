// RAM policies for Alibaba Cloud: the control plane's (the aliyun provider's ESS, ECS and CloudMonitor calls,
// the object purge's OSS calls, passing the brokers' role) and the brokers' (their OSS bucket through the
// object store's S3-compatible calls). test/aliyun/ram-policies.test.ts derives every action from the code.
// RAM's tag conditions for ESS are not used: unverified offline, and a wrong condition would deny the provider.

export interface RamStatement {
  Effect: "Allow";
  Action: string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}

export interface RamPolicy {
  Version: "1";
  Statement: RamStatement[];
}

const ossBucket = (bucket: string) => `acs:oss:*:*:${bucket}`;
const ossObjects = (bucket: string) => `acs:oss:*:*:${bucket}/*`;

export const ESS_ACTIONS = [
  "CompleteLifecycleAction",
  "CreateLifecycleHook",
  "CreateScalingConfiguration",
  "CreateScalingGroup",
  "DeleteScalingGroup",
  "DescribeLifecycleActions",
  "DescribeLifecycleHooks",
  "DescribeScalingActivities",
  "DescribeScalingConfigurations",
  "DescribeScalingGroups",
  "DescribeScalingInstances",
  "EnableScalingGroup",
  "ListTagResources",
  "ModifyScalingConfiguration",
  "ModifyScalingGroup",
  "RecordLifecycleActionHeartbeat",
  "RemoveInstances",
  "ScaleWithAdjustment",
  "SetInstancesProtection",
];
export const ECS_ACTIONS = [
  "AttachDisk",
  "CreateDisk",
  "DeleteDisk",
  "DescribeDisks",
  "DescribeInstances",
  "DetachDisk",
];
export const CMS_ACTIONS = ["DescribeMetricList", "DescribeSystemEventAttribute"];

export function controlPlaneRamPolicy(bucket: string, brokerRoleName: string): RamPolicy {
  return {
    Version: "1",
    Statement: [
      {
        Effect: "Allow",
        Action: [
          ...ESS_ACTIONS.map((a) => `ess:${a}`),
          ...ECS_ACTIONS.map((a) => `ecs:${a}`),
          ...CMS_ACTIONS.map((a) => `cms:${a}`),
        ],
        Resource: "*",
      },
      // The scaling configuration names the brokers' RAM role (spec.aliyun.ramRoleName).
      { Effect: "Allow", Action: ["ram:PassRole"], Resource: `acs:ram:*:*:role/${brokerRoleName}` },
      // The first scaling group in an account creates ESS's service-linked role (AliyunServiceRoleForAutoScaling).
      {
        Effect: "Allow",
        Action: ["ram:CreateServiceLinkedRole"],
        Resource: "*",
        Condition: { StringEquals: { "ram:ServiceName": "ess.aliyuncs.com" } },
      },
      { Effect: "Allow", Action: ["oss:ListObjects"], Resource: ossBucket(bucket) },
      { Effect: "Allow", Action: ["oss:DeleteObject"], Resource: ossObjects(bucket) },
    ],
  };
}

export function brokerRamPolicy(bucket: string): RamPolicy {
  return {
    Version: "1",
    Statement: [
      { Effect: "Allow", Action: ["oss:ListObjects"], Resource: ossBucket(bucket) },
      {
        Effect: "Allow",
        Action: ["oss:AbortMultipartUpload", "oss:DeleteObject", "oss:GetObject", "oss:PutObject"],
        Resource: ossObjects(bucket),
      },
    ],
  };
}
