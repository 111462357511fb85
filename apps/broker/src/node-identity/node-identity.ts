// The node-identity seam: who this broker is on its machine (instance id, zone, the private address clients
// reach it at, spot or on-demand), the proof of it the cloud signs, and the interruption notices the cloud
// announces. One interface, three sources: local (the config), AWS IMDSv2, Alibaba Cloud's metadata service.
import type { SignedCallerIdentity } from "@cirrus/broker-api";

export const NodeIdentityProviders = ["local", "aws", "aliyun"] as const;
export type NodeIdentityProvider = (typeof NodeIdentityProviders)[number];

export interface NodeIdentity {
  readonly provider: NodeIdentityProvider;
  readonly instanceId: string;
  /** Availability zone (aws `us-east-1a`) or zone id (aliyun `cn-hangzhou-h`); `local` on the local provider. */
  readonly zone: string;
  /** The instance's primary private IPv4 address: what Kafka clients inside the VPC connect to. */
  readonly privateAddress: string;
  /**
   * What the metadata service says. Informational only: the control plane takes spot or on-demand from the
   * provider's own records (DESIGN invariant 4). `unknown` where the service does not say (aliyun, local).
   */
  readonly lifecycle: "spot" | "on-demand" | "unknown";
}

/**
 * A notice that the cloud will take the instance away (`spot-interruption`, with the time it will) or
 * recommends moving off it (`rebalance-recommendation`). `at` is the time the cloud gave, ISO-8601.
 */
export interface InterruptionNotice {
  readonly kind: "spot-interruption" | "rebalance-recommendation";
  readonly instanceId: string;
  readonly at: string;
  /** aws instance-action: terminate, stop or hibernate; aliyun: terminate. */
  readonly action?: string;
}

/** The cloud-signed identity document and its signature, as the metadata service serves them. */
export interface IdentityProof {
  /**
   * aws: sts:GetCallerIdentity signed with the instance role's credentials and the challenge in a signed header,
   * not sent (the control plane sends it to STS): what makes the proof good once.
   */
  readonly callerIdentity?: SignedCallerIdentity;
  readonly provider: "aws" | "aliyun";
  /** The document exactly as served (the signature covers these bytes). */
  readonly document: string;
  /** aws: the base64 RSA-SHA256 signature (`instance-identity/signature`); aliyun: the PKCS#7 signature. */
  readonly signature: string;
  /** aliyun: the audience the signature was asked for with (signed with the document). */
  readonly audience?: string;
}

/** What the control plane's challenge route answered (InstanceChallengeResponse). */
export interface ProofChallenge {
  readonly audience: string;
  /** aws: the STS endpoint to sign GetCallerIdentity for. */
  readonly stsUrl?: string;
}

export interface NodeIdentitySource {
  readonly provider: NodeIdentityProvider;
  /** Reads the identity; rejects with NODE_IDENTITY_UNAVAILABLE when the metadata service cannot say. */
  describe(): Promise<NodeIdentity>;
  /** The notices standing now (empty when none); rejects when the metadata service cannot be read. */
  notices(): Promise<InterruptionNotice[]>;
  /**
   * The signed identity, or undefined where there is none (local). The control plane's `challenge` is signed into
   * it: aliyun as the audience of the document's signature; aws, whose document has none, in a sts:GetCallerIdentity
   * signed with the instance role for `challenge.stsUrl`.
   */
  proof(challenge?: ProofChallenge): Promise<IdentityProof | undefined>;
}
