// Verifies the identity a cloud signs for an instance, so that a broker needs no secret in its user data.
// AWS: the instance identity document and its base64 `signature`, an RSA PKCS#1 v1.5 signature of the
// document's SHA-256, made with the region's key; verified here against that region's AWS public certificate
// ("AWS public certificates for instance identity document signatures", the RSA ones for the base64
// signature). The certificates are data the operator configures (AWS_INSTANCE_IDENTITY_CERTIFICATES: a JSON
// object region → PEM, "*" for the certificate most regions share); an expired certificate is refused.
// Alibaba Cloud: the instance identity document and its `pkcs7` signature (a PKCS#7 SignedData, detached,
// over the document as served), verified against Alibaba's published instance-identity certificate
// (ALIYUN_INSTANCE_IDENTITY_CERTIFICATES, the same {region: PEM} form; "*" for the one certificate
// Alibaba publishes for every region). The certificates a signature carries are never trusted.
import { createPublicKey, type KeyObject, verify, X509Certificate } from "node:crypto";
import { ApiError } from "../errors.ts";
import type { SignedCallerIdentityRequest } from "./aws-caller-identity.ts";
import { Pkcs7Refused, verifyPkcs7Signature } from "./pkcs7-signature.ts";

export interface InstanceIdentityProof {
  readonly provider: "aws" | "aliyun";
  /** The document exactly as the metadata service served it. */
  readonly document: string;
  readonly signature: string;
  /** aliyun: the audience the signature was asked for with (it is signed with the document). */
  readonly audience?: string;
  /** aws: the sts:GetCallerIdentity the instance role signed with a challenge (auth/aws-caller-identity.ts). */
  readonly callerIdentity?: SignedCallerIdentityRequest;
}

/** What a verified identity document says about the instance. */
export interface VerifiedInstance {
  readonly provider: "aws" | "aliyun";
  readonly instanceId: string;
  readonly accountId: string;
  readonly region: string;
  readonly zone: string;
  readonly privateIp: string;
}

export interface IdentityKey {
  readonly key: KeyObject;
  /** ms since the epoch; absent for a bare public key. */
  readonly validTo?: number;
}

/** Region → verification key. "*" is used for a region with no key of its own. */
export type IdentityKeys = ReadonlyMap<string, IdentityKey>;

/** The verification keys of each cloud (a cloud with none configured refuses every proof). */
export type IdentityKeyring = Readonly<Partial<Record<InstanceIdentityProof["provider"], IdentityKeys>>>;

const CLOUD_NAME = { aws: "AWS", aliyun: "Alibaba Cloud" } as const;

/**
 * Parses `{"us-east-1": "-----BEGIN CERTIFICATE-----…", "*": "…"}` (certificates or public keys in PEM).
 * Throws an Error naming the entry that does not parse.
 */
export function parseIdentityKeys(json: string, cloud: keyof typeof CLOUD_NAME = "aws"): IdentityKeys {
  const label = `${CLOUD_NAME[cloud]} instance identity certificate`;
  let entries: unknown;
  try {
    entries = JSON.parse(json);
  } catch (cause) {
    throw new Error(`${label}s: not JSON (expected {region: PEM})`, { cause });
  }
  if (!entries || typeof entries !== "object" || Array.isArray(entries)) {
    throw new Error(`${label}s: expected a JSON object {region: PEM}`);
  }
  const keys = new Map<string, IdentityKey>();
  for (const [region, pem] of Object.entries(entries)) {
    if (typeof pem !== "string") throw new Error(`${label} ${region}: not a PEM string`);
    try {
      if (pem.includes("BEGIN CERTIFICATE")) {
        const certificate = new X509Certificate(pem);
        keys.set(region, { key: certificate.publicKey, validTo: Date.parse(certificate.validTo) });
      } else {
        keys.set(region, { key: createPublicKey(pem) });
      }
    } catch (cause) {
      throw new Error(`${label} ${region}: does not parse`, { cause });
    }
  }
  return keys;
}

const refuse = (why: string) => new ApiError("UNAUTHORIZED", `instance identity refused: ${why}`);

/** The instance the proof names, once its signature checks out; UNAUTHORIZED (401) otherwise, saying why. */
export function verifyInstanceIdentity(
  proof: InstanceIdentityProof,
  keyring: IdentityKeyring,
  now = Date.now(),
): VerifiedInstance {
  if (proof.provider !== "aws" && proof.provider !== "aliyun")
    throw refuse(`unknown cloud ${JSON.stringify(proof.provider)}`);
  const doc =
    proof.provider === "aws" ? parseAwsDocument(proof.document) : parseAliyunDocument(proof.document);
  const cloud = CLOUD_NAME[proof.provider];
  const keys = keyring[proof.provider];
  const entry = keys?.get(doc.region) ?? keys?.get("*");
  if (!entry) throw refuse(`no ${cloud} identity certificate is configured for region ${doc.region}`);
  if (entry.validTo !== undefined && entry.validTo < now) {
    throw refuse(`the ${cloud} identity certificate for ${doc.region} expired; configure the current one`);
  }
  if (proof.provider === "aliyun") {
    const content = Buffer.from(
      proof.audience === undefined ? proof.document : documentWithAudience(proof.document, proof.audience),
      "utf8",
    );
    try {
      verifyPkcs7Signature(proof.signature, content, entry.key);
    } catch (error) {
      if (error instanceof Pkcs7Refused) throw refuse(error.message);
      throw error;
    }
    return doc;
  }
  const content = Buffer.from(proof.document, "utf8");
  const signature = Buffer.from(proof.signature.replace(/\s+/g, ""), "base64");
  let valid: boolean;
  try {
    valid = signature.length > 0 && verify("sha256", content, entry.key, signature);
  } catch (cause) {
    // A configured key verify cannot use for this (an Ed25519 key takes no digest): refused as the PKCS#7 path does.
    throw refuse(`the signature cannot be checked with this key: ${(cause as Error).message}`);
  }
  if (!valid) throw refuse("the signature does not match the document");
  return doc;
}

/**
 * What Alibaba signs for `pkcs7?audience=X`: the document as served with `,"audience":"X"` before its
 * closing brace. An audience that would need escaping in JSON is refused (ours never does).
 */
export function documentWithAudience(document: string, audience: string): string {
  if (!/^[\x21-\x7e]+$/.test(audience) || /["\\]/.test(audience)) throw refuse("the audience is malformed");
  const end = document.trimEnd();
  if (!end.endsWith("}")) throw refuse("the document is not a JSON object");
  return `${end.slice(0, -1)},"audience":"${audience}"}`;
}

function documentFields(document: string): (names: readonly string[]) => string {
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(document) as Record<string, unknown>;
  } catch {
    throw refuse("the document is not JSON");
  }
  /** The first of `names` the document has (clouds renamed some over time). */
  return (names) => {
    for (const name of names) {
      const value = parsed?.[name];
      if (typeof value === "string" && value.length > 0) return value;
    }
    throw refuse(`the document has no ${names.join(" or ")}`);
  };
}

/**
 * Alibaba's document ("Use instance identities", ECS user guide): instance-id, region-id, zone-id, the
 * account as owner-account-id (account-id in older documents), the address as private-ipv4 (private-ip).
 */
function parseAliyunDocument(document: string): VerifiedInstance {
  const field = documentFields(document);
  return {
    provider: "aliyun",
    instanceId: field(["instance-id"]),
    accountId: field(["owner-account-id", "account-id"]),
    region: field(["region-id"]),
    zone: field(["zone-id"]),
    privateIp: field(["private-ipv4", "private-ip"]),
  };
}

function parseAwsDocument(document: string): VerifiedInstance {
  const field = documentFields(document);
  return {
    provider: "aws",
    instanceId: field(["instanceId"]),
    accountId: field(["accountId"]),
    region: field(["region"]),
    zone: field(["availabilityZone"]),
    privateIp: field(["privateIp"]),
  };
}
