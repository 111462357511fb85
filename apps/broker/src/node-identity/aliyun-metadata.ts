// Alibaba Cloud ECS instance metadata (100.100.100.200), in its hardened mode (session tokens; works in
// normal mode too). Paths as documented in "Instance metadata" and "Use instance identities" of the ECS
// user guide; a preemptible (spot) instance's reclaim time appears at instance/spot/termination-time,
// 404 until it is scheduled (about 5 minutes ahead).
import { isoTime, MetadataHttp } from "./metadata-http.ts";
import { MetadataSession } from "./metadata-session.ts";
import type {
  IdentityProof,
  InterruptionNotice,
  NodeIdentity,
  NodeIdentitySource,
  ProofChallenge,
} from "./node-identity.ts";

export const ALIYUN_METADATA_URL = "http://100.100.100.200";

export const AliyunMetadataPaths = {
  instanceId: "/latest/meta-data/instance-id",
  zone: "/latest/meta-data/zone-id",
  privateAddress: "/latest/meta-data/private-ipv4",
  spotTerminationTime: "/latest/meta-data/instance/spot/termination-time",
  identityDocument: "/latest/dynamic/instance-identity/document",
  identityPkcs7: "/latest/dynamic/instance-identity/pkcs7",
} as const;

export class AliyunMetadataIdentity implements NodeIdentitySource {
  readonly provider = "aliyun";
  readonly #session: MetadataSession;
  #instanceId: string | undefined;

  constructor(options: { baseUrl?: string; timeoutMs?: number } = {}) {
    this.#session = new MetadataSession({
      http: new MetadataHttp({
        baseUrl: options.baseUrl || ALIYUN_METADATA_URL,
        ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
      }),
      ttlHeader: "X-aliyun-ecs-metadata-token-ttl-seconds",
      tokenHeader: "X-aliyun-ecs-metadata-token",
    });
  }

  async describe(): Promise<NodeIdentity> {
    const [instanceId, zone, privateAddress] = await Promise.all([
      this.#session.getRequired(AliyunMetadataPaths.instanceId),
      this.#session.getRequired(AliyunMetadataPaths.zone),
      this.#session.getRequired(AliyunMetadataPaths.privateAddress),
    ]);
    this.#instanceId = instanceId;
    // The metadata service has no spot/pay-as-you-go item; the provider's records say (invariant 4).
    return { provider: "aliyun", instanceId, zone, privateAddress, lifecycle: "unknown" };
  }

  async notices(): Promise<InterruptionNotice[]> {
    const instanceId = this.#instanceId ?? (await this.describe()).instanceId;
    const time = await this.#session.getOptional(AliyunMetadataPaths.spotTerminationTime);
    if (time === undefined) return [];
    return [
      {
        kind: "spot-interruption",
        instanceId,
        at: isoTime(AliyunMetadataPaths.spotTerminationTime, time),
        action: "terminate",
      },
    ];
  }

  /** With a challenge, the signature covers the document with its audience appended ("Use instance identities"). */
  async proof(challenge?: ProofChallenge): Promise<IdentityProof> {
    const audience = challenge?.audience;
    const pkcs7 =
      audience === undefined
        ? AliyunMetadataPaths.identityPkcs7
        : `${AliyunMetadataPaths.identityPkcs7}?audience=${encodeURIComponent(audience)}`;
    const [document, signature] = await Promise.all([
      this.#session.getRequired(AliyunMetadataPaths.identityDocument),
      this.#session.getRequired(pkcs7),
    ]);
    return {
      provider: "aliyun",
      document,
      signature: signature.trim(),
      ...(audience === undefined ? {} : { audience }),
    };
  }
}
