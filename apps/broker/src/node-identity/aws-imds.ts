// AWS EC2 instance metadata (IMDSv2: session tokens only). Paths as documented in the EC2 user guide
// ("Instance metadata categories", "Spot Instance interruption notices", "EC2 instance rebalance
// recommendations", "Instance identity documents").
import { type RoleCredentials, signCallerIdentity, stsUrlFor } from "@cirrus/broker-api";
import { envNameOf } from "../config-values.ts";
import { BrokerError, BrokerErrorCode } from "../errors.ts";
import { isoTime, MetadataHttp } from "./metadata-http.ts";
import { MetadataSession } from "./metadata-session.ts";
import type {
  IdentityProof,
  InterruptionNotice,
  NodeIdentity,
  NodeIdentitySource,
  ProofChallenge,
} from "./node-identity.ts";

export const AWS_METADATA_URL = "http://169.254.169.254";

export const AwsMetadataPaths = {
  instanceId: "/latest/meta-data/instance-id",
  zone: "/latest/meta-data/placement/availability-zone",
  privateAddress: "/latest/meta-data/local-ipv4",
  lifecycle: "/latest/meta-data/instance-life-cycle",
  /** 404 until a spot interruption is scheduled; then {"action":"terminate|stop|hibernate","time":"…Z"}. */
  spotInstanceAction: "/latest/meta-data/spot/instance-action",
  /** 404 until a rebalance recommendation; then {"noticeTime":"…Z"}. */
  rebalance: "/latest/meta-data/events/recommendations/rebalance",
  identityDocument: "/latest/dynamic/instance-identity/document",
  /** base64 RSA signature of the document's SHA-256 (verified with the region's RSA certificate). */
  identitySignature: "/latest/dynamic/instance-identity/signature",
  /** The instance profile's role name; `<it>` then gives its temporary credentials (JSON). */
  roleCredentials: "/latest/meta-data/iam/security-credentials/",
} as const;

export class AwsImdsIdentity implements NodeIdentitySource {
  readonly provider = "aws";
  readonly #session: MetadataSession;
  readonly #stsEndpoint: string | undefined;
  #instanceId: string | undefined;

  /** `stsEndpoint`: the one STS endpoint besides the region's own the broker signs for (config awsStsEndpoint). */
  constructor(options: { baseUrl?: string; timeoutMs?: number; stsEndpoint?: string } = {}) {
    this.#stsEndpoint = options.stsEndpoint || undefined;
    this.#session = new MetadataSession({
      http: new MetadataHttp({
        baseUrl: options.baseUrl || AWS_METADATA_URL,
        ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
      }),
      ttlHeader: "X-aws-ec2-metadata-token-ttl-seconds",
      tokenHeader: "X-aws-ec2-metadata-token",
    });
  }

  async describe(): Promise<NodeIdentity> {
    const [instanceId, zone, privateAddress, lifecycle] = await Promise.all([
      this.#session.getRequired(AwsMetadataPaths.instanceId),
      this.#session.getRequired(AwsMetadataPaths.zone),
      this.#session.getRequired(AwsMetadataPaths.privateAddress),
      this.#session.getOptional(AwsMetadataPaths.lifecycle),
    ]);
    this.#instanceId = instanceId;
    const life = lifecycle?.trim();
    return {
      provider: "aws",
      instanceId,
      zone,
      privateAddress,
      lifecycle: life === "spot" ? "spot" : life === "on-demand" ? "on-demand" : "unknown",
    };
  }

  async notices(): Promise<InterruptionNotice[]> {
    const instanceId = this.#instanceId ?? (await this.describe()).instanceId;
    const [action, rebalance] = await Promise.all([
      this.#session.getOptional(AwsMetadataPaths.spotInstanceAction),
      this.#session.getOptional(AwsMetadataPaths.rebalance),
    ]);
    const out: InterruptionNotice[] = [];
    if (action !== undefined) {
      const parsed = parseJson(AwsMetadataPaths.spotInstanceAction, action) as {
        action?: unknown;
        time?: unknown;
      };
      out.push({
        kind: "spot-interruption",
        instanceId,
        at: isoTime(AwsMetadataPaths.spotInstanceAction, parsed.time),
        action: typeof parsed.action === "string" ? parsed.action : "terminate",
      });
    }
    if (rebalance !== undefined) {
      const parsed = parseJson(AwsMetadataPaths.rebalance, rebalance) as { noticeTime?: unknown };
      out.push({
        kind: "rebalance-recommendation",
        instanceId,
        at: isoTime(AwsMetadataPaths.rebalance, parsed.noticeTime),
      });
    }
    return out;
  }

  /**
   * The identity document and its signature; with a challenge naming an STS endpoint, also a sts:GetCallerIdentity
   * for it signed with the instance role's credentials and the challenge (the document alone can be replayed).
   * Only for the region's STS endpoint or the configured one: whoever holds the signed request can present it, for
   * minutes, to any service that takes GetCallerIdentity as proof of the role (a rogue control plane, or someone
   * in the middle of a plain-http one, would otherwise get one signed for its own URL).
   */
  async proof(challenge?: ProofChallenge): Promise<IdentityProof> {
    const [document, signature] = await Promise.all([
      this.#session.getRequired(AwsMetadataPaths.identityDocument),
      this.#session.getRequired(AwsMetadataPaths.identitySignature),
    ]);
    const proof = { provider: "aws", document, signature: signature.replace(/\s+/g, "") } as const;
    if (!challenge?.stsUrl) return proof;
    const region = parseJson(AwsMetadataPaths.identityDocument, document).region;
    if (typeof region !== "string") {
      throw new BrokerError(
        BrokerErrorCode.NODE_IDENTITY_UNAVAILABLE,
        `metadata service ${AwsMetadataPaths.identityDocument}: no region`,
      );
    }
    const stsUrl = stsUrlFor(region, this.#stsEndpoint);
    if (!sameUrl(challenge.stsUrl, stsUrl)) {
      throw new BrokerError(
        BrokerErrorCode.NODE_IDENTITY_UNAVAILABLE,
        `the control plane asks for a signed sts:GetCallerIdentity for ${JSON.stringify(challenge.stsUrl)}; ` +
          `this broker signs only for ${stsUrl} (its region ${region}'s STS` +
          `${this.#stsEndpoint ? `, as ${envNameOf("awsStsEndpoint")} says` : ""})`,
      );
    }
    const callerIdentity = await signCallerIdentity({
      stsUrl,
      region,
      credentials: await this.#roleCredentials(),
      challenge: challenge.audience,
    });
    return { ...proof, callerIdentity };
  }

  /** The instance profile role's current credentials (IMDS rotates them well before they expire). */
  async #roleCredentials(): Promise<RoleCredentials> {
    const path = AwsMetadataPaths.roleCredentials;
    const role = (await this.#session.getOptional(path))?.split("\n")[0]?.trim();
    if (!role) {
      throw new BrokerError(
        BrokerErrorCode.NODE_IDENTITY_UNAVAILABLE,
        `metadata service ${path}: the instance has no instance profile role, so it cannot prove who it is ` +
          "(launch it with the cluster's aws.instanceProfileArn, or give the broker a token)",
      );
    }
    const body = parseJson(`${path}${role}`, await this.#session.getRequired(`${path}${role}`));
    const { Code, AccessKeyId, SecretAccessKey, Token } = body;
    if (Code !== "Success" || typeof AccessKeyId !== "string" || typeof SecretAccessKey !== "string") {
      throw new BrokerError(
        BrokerErrorCode.NODE_IDENTITY_UNAVAILABLE,
        `metadata service ${path}${role}: no credentials (Code ${JSON.stringify(Code)})`,
      );
    }
    return {
      accessKeyId: AccessKeyId,
      secretAccessKey: SecretAccessKey,
      ...(typeof Token === "string" ? { sessionToken: Token } : {}),
    };
  }
}

/** Whether `asked` is `allowed` once normalised (case of the host, default port, the trailing slash). */
function sameUrl(asked: string, allowed: string): boolean {
  if (!URL.canParse(asked)) return false;
  return new URL(asked).href.replace(/\/*$/, "/") === allowed;
}

function parseJson(path: string, body: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(body);
    if (value && typeof value === "object") return value as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new BrokerError(
    BrokerErrorCode.NODE_IDENTITY_UNAVAILABLE,
    `metadata service ${path}: not a JSON object: ${body.slice(0, 200)}`,
  );
}
