// The emulated cloud instance runner (see README.md).
export { type RamRoleProvider, ramRoleProviderOn } from "./aliyun-ram-role-provider.ts";
export {
  attachBlockVolume,
  type BlockVolume,
  byIdNameOf,
  createBlockVolume,
  detachBlockVolume,
} from "./block-volumes.ts";
export { EmulatedAliyunCloud, type EmulatedAliyunCloudOptions } from "./emulated-aliyun-cloud.ts";
export { EmulatedAwsCloud, type EmulatedAwsCloudOptions } from "./emulated-aws-cloud.ts";
export { type CloudLeftovers, EmulatedCloudOnRegion, type EmulatedCloudOptions } from "./emulated-cloud.ts";
export { EmulatedInstance, type LaunchInstanceOptions } from "./instance-runner.ts";
export { type CloudName, MetadataEmulator, type MetadataEmulatorOptions } from "./metadata-emulator.ts";
export { instanceRoleOn, REGION_STS_ACCOUNT, startRegionSts } from "./region-sts.ts";
