import type { FleetSpec, FleetUpdate, LaunchSpec } from "@cirrus/cloud";
import type { ClusterSpec } from "../../api-schemas/clusters.ts";

const FLEET_PREFIX = "cirrus-";

/** One fleet per cluster; the cluster id (a UUID) keeps the name unique and within the 64-char limit. */
export function fleetNameOf(clusterId: string): string {
  return `${FLEET_PREFIX}${clusterId}`;
}

/** The cluster a fleet name (fleetNameOf) belongs to, or undefined for a fleet this control plane did not name. */
export function clusterIdOfFleet(fleet: string): string | undefined {
  return fleet.startsWith(FLEET_PREFIX) ? fleet.slice(FLEET_PREFIX.length) : undefined;
}

/** The WAL volume type of each provider: one writer at a time; failover detaches before it attaches. */
export const WAL_VOLUME_TYPE = { local: "file", aws: "gp3", aliyun: "cloud_essd" } as const;

/** A terminating broker gets this long to flush its WAL tail and close its streams. */
const DRAIN_HOOK_SECONDS = 120;

/**
 * On-demand share above the base, in percent: the spec speaks of the spot share (0..1), the clouds of
 * the on-demand percentage. Rounded so that 0.5 → 50 and 1/3 → 67 (spot gets the rounding down).
 */
export function onDemandPercentOf(spotShare: number): number {
  return Math.round((1 - spotShare) * 100);
}

/**
 * The fleet for a new cluster: starts at the minimum broker count (the autoscaler grows it within
 * [min, max]), spread over the spec's zones, spot above the on-demand base.
 */
export function fleetSpecOf(clusterId: string, spec: ClusterSpec, launch: LaunchSpec): FleetSpec {
  return {
    name: fleetNameOf(clusterId),
    minSize: spec.brokers.min,
    maxSize: spec.brokers.max,
    desiredCapacity: spec.brokers.min,
    zones: spec.zones,
    instanceTypes: spec.instanceTypes,
    onDemandBaseCapacity: spec.spot.onDemandBase,
    onDemandPercentageAboveBase: onDemandPercentOf(spec.spot.share),
    capacityRebalance: spec.spot.share > 0,
    terminationHook:
      spec.provider === "local"
        ? undefined
        : { heartbeatTimeoutSeconds: DRAIN_HOOK_SECONDS, defaultResult: "CONTINUE" },
    launch,
    tags: { "cirrus:cluster": clusterId },
    ...cloudSectionOf(spec),
  };
}

/**
 * The cloud's section of the fleet spec, from the cluster spec's cloud settings: subnets and vSwitches
 * in the order of spec.zones; an SSM image parameter becomes the launch template's `resolve:ssm:` image.
 */
export function cloudSectionOf(spec: ClusterSpec): Pick<FleetSpec, "aws" | "aliyun"> {
  if (spec.provider === "aws" && spec.aws) {
    const aws = spec.aws;
    return {
      aws: {
        imageId: aws.imageId ?? `resolve:ssm:${aws.imageSsmParameter}`,
        subnetIds: spec.zones.map((zone) => aws.subnets[zone]!),
        securityGroupIds: aws.securityGroupIds,
        instanceProfileArn: aws.instanceProfileArn,
      },
    };
  }
  if (spec.provider === "aliyun" && spec.aliyun) {
    const ali = spec.aliyun;
    return {
      aliyun: {
        imageId: ali.imageId,
        vSwitchIds: spec.zones.map((zone) => ali.vSwitches[zone]!),
        securityGroupId: ali.securityGroupId,
        ramRoleName: ali.ramRoleName,
      },
    };
  }
  return {};
}

/**
 * What `updateFleet` must change so the fleet matches `spec`. The desired capacity is kept where the
 * autoscaler put it unless it falls outside the new bounds (then it is clamped into them).
 */
export function fleetUpdateOf(spec: ClusterSpec, currentDesired: number): FleetUpdate {
  const desired = Math.min(spec.brokers.max, Math.max(spec.brokers.min, currentDesired));
  return {
    minSize: spec.brokers.min,
    maxSize: spec.brokers.max,
    desiredCapacity: desired,
    instanceTypes: spec.instanceTypes,
    onDemandBaseCapacity: spec.spot.onDemandBase,
    onDemandPercentageAboveBase: onDemandPercentOf(spec.spot.share),
    capacityRebalance: spec.spot.share > 0,
  };
}

/** True when the fleet's capacity bounds or desired count disagree with the spec (drift to repair). */
export function capacityDrifted(
  fleet: { minSize: number; maxSize: number; desiredCapacity: number },
  spec: ClusterSpec,
): boolean {
  return (
    fleet.minSize !== spec.brokers.min ||
    fleet.maxSize !== spec.brokers.max ||
    fleet.desiredCapacity < spec.brokers.min ||
    fleet.desiredCapacity > spec.brokers.max
  );
}
