// Picks the node-identity source the config names (`nodeIdentity`: local | aws | aliyun), and applies what it
// says to the config: on a cloud the metadata service, not the config, names the instance, its zone and
// (unless CIRRUS_ADVERTISED_HOST is set) the address clients are told to connect to.
import type { BrokerConfig } from "../config.ts";
import { AliyunMetadataIdentity } from "./aliyun-metadata.ts";
import { AwsImdsIdentity } from "./aws-imds.ts";
import { LocalIdentity } from "./local-identity.ts";
import type { NodeIdentity, NodeIdentitySource } from "./node-identity.ts";

export function createNodeIdentity(config: BrokerConfig): NodeIdentitySource {
  switch (config.nodeIdentity) {
    case "aws":
      return new AwsImdsIdentity({ baseUrl: config.metadataUrl, stsEndpoint: config.awsStsEndpoint });
    case "aliyun":
      return new AliyunMetadataIdentity({ baseUrl: config.metadataUrl });
    default:
      return new LocalIdentity({
        instanceId: config.instanceId,
        zone: config.zone,
        privateAddress: config.advertisedHost,
      });
  }
}

/** The config with the identity's instance id, zone and (where the config left it empty) advertised host. */
export function withNodeIdentity(config: BrokerConfig, identity: NodeIdentity): BrokerConfig {
  if (identity.provider === "local") return config;
  return Object.freeze({
    ...config,
    instanceId: identity.instanceId,
    zone: identity.zone,
    advertisedHost: config.advertisedHost || identity.privateAddress,
  });
}
