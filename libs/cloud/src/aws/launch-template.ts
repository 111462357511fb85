import type { MixedInstancesPolicy } from "@aws-sdk/client-auto-scaling";
import type { RequestLaunchTemplateData } from "@aws-sdk/client-ec2";
import type { FleetSpec } from "../provider.ts";
import { buildUserData } from "../user-data.ts";

export const AWS_TERMINATION_HOOK = "cirrus-terminate";
/** Tag on every group, template and instance of a fleet; listFleets filters on it. */
export const FLEET_TAG = "cirrus:fleet";

export function launchTemplateName(fleet: string): string {
  return `${fleet}-broker`;
}

export function launchTemplateData(spec: FleetSpec): RequestLaunchTemplateData {
  const aws = spec.aws!;
  return {
    ImageId: aws.imageId,
    UserData: buildUserData(spec.launch, { CIRRUS_FLEET: spec.name }),
    SecurityGroupIds: [...aws.securityGroupIds],
    IamInstanceProfile: aws.instanceProfileArn ? { Arn: aws.instanceProfileArn } : undefined,
    // IMDSv2 only; the broker polls it for spot interruption and rebalance notices.
    MetadataOptions: { HttpTokens: "required", HttpEndpoint: "enabled", InstanceMetadataTags: "enabled" },
    // Detailed monitoring: 1-minute NetworkIn/NetworkOut for the autoscaler.
    Monitoring: { Enabled: true },
    TagSpecifications: [{ ResourceType: "instance", Tags: [{ Key: FLEET_TAG, Value: spec.name }] }],
  };
}

export function mixedInstancesPolicy(spec: FleetSpec): MixedInstancesPolicy {
  return {
    LaunchTemplate: {
      LaunchTemplateSpecification: { LaunchTemplateName: launchTemplateName(spec.name), Version: "$Latest" },
      Overrides: spec.instanceTypes.map((InstanceType) => ({ InstanceType })),
    },
    InstancesDistribution: {
      OnDemandAllocationStrategy: "prioritized",
      OnDemandBaseCapacity: spec.onDemandBaseCapacity,
      OnDemandPercentageAboveBaseCapacity: spec.onDemandPercentageAboveBase,
      SpotAllocationStrategy: "price-capacity-optimized",
    },
  };
}
