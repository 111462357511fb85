// The node-identity seam's public face (package export `@cirrus/broker/node-identity`).
export { ALIYUN_METADATA_URL, AliyunMetadataIdentity, AliyunMetadataPaths } from "./aliyun-metadata.ts";
export { AWS_METADATA_URL, AwsImdsIdentity, AwsMetadataPaths } from "./aws-imds.ts";
export { createNodeIdentity, withNodeIdentity } from "./create-node-identity.ts";
export { InterruptionPoller } from "./interruption-poller.ts";
export { LocalIdentity } from "./local-identity.ts";
export type {
  IdentityProof,
  InterruptionNotice,
  NodeIdentity,
  NodeIdentityProvider,
  NodeIdentitySource,
} from "./node-identity.ts";
export { resolveNode } from "./resolve-node.ts";
export { findVolumeDevice, isVolumeEntry, volumeSerialOf } from "./volume-device.ts";
