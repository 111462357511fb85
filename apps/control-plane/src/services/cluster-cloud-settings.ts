import type { ClusterSpec } from "../api-schemas/clusters.ts";
import { ApiError } from "../errors.ts";

function sameZones(
  kind: string,
  field: string,
  byZone: Record<string, string>,
  zones: readonly string[],
): void {
  const given = Object.keys(byZone).sort();
  const wanted = [...zones].sort();
  const missing = wanted.filter((z) => !given.includes(z));
  const extra = given.filter((z) => !wanted.includes(z));
  if (missing.length > 0 || extra.length > 0) {
    const parts = [
      missing.length > 0 ? `no ${kind} for ${missing.join(", ")}` : "",
      extra.length > 0 ? `${extra.join(", ")} not in spec.zones` : "",
    ].filter(Boolean);
    throw new ApiError(
      "INVALID_REQUEST",
      `spec.${field} needs one ${kind} per zone of spec.zones: ${parts.join("; ")}`,
    );
  }
}

/**
 * The cross-field rules of a spec's cloud settings: the section of its provider is given (and no
 * other), it names one subnet (aws) or vSwitch (aliyun) for each zone of `spec.zones` and no other,
 * and aws names exactly one image source.
 */
export function validateCloudSettings(spec: ClusterSpec): void {
  for (const cloud of ["aws", "aliyun"] as const) {
    if (spec[cloud] && spec.provider !== cloud)
      throw new ApiError(
        "INVALID_REQUEST",
        `spec.${cloud} is only for provider ${cloud} (this spec is ${spec.provider})`,
      );
  }
  if (spec.provider === "aws") {
    if (!spec.aws)
      throw new ApiError(
        "INVALID_REQUEST",
        "spec.aws is required for provider aws: imageId or imageSsmParameter, subnets (one per zone), securityGroupIds",
      );
    if ((spec.aws.imageId === undefined) === (spec.aws.imageSsmParameter === undefined))
      throw new ApiError("INVALID_REQUEST", "spec.aws needs exactly one of imageId and imageSsmParameter");
    // The role is what brokers prove their identity with: instances launched without a profile have none.
    if (spec.aws.instanceRoleName !== undefined && spec.aws.instanceProfileArn === undefined)
      throw new ApiError(
        "INVALID_REQUEST",
        "spec.aws.instanceRoleName is the role of spec.aws.instanceProfileArn: give the instance profile too",
      );
    sameZones("subnet", "aws.subnets", spec.aws.subnets, spec.zones);
  }
  if (spec.provider === "aliyun") {
    if (!spec.aliyun)
      throw new ApiError(
        "INVALID_REQUEST",
        "spec.aliyun is required for provider aliyun: imageId, vSwitches (one per zone), securityGroupId",
      );
    sameZones("vSwitch", "aliyun.vSwitches", spec.aliyun.vSwitches, spec.zones);
  }
}
