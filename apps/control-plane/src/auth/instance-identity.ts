// Verifies the identity a cloud signs for an instance, so that a broker needs no secret in its user data.
// AWS: the instance identity document and its base64 `signature`, an RSA PKCS#1 v1.5 signature of the
// document's SHA-256, made with the region's key; verified here against that region's AWS public certificate
// ("AWS public certificates for instance identity document signatures", the RSA ones for the base64
// signature). The certificates are data the operator configures (AWS_INSTANCE_IDENTITY_CERTIFICATES: a JSON
// object region → PEM, "*" for the certificate most regions share); an expired certificate is refused.
// Alibaba Cloud's PKCS#7 signature is not verified yet: such proofs are refused with a clear message.
import { createPublicKey, type KeyObject, verify, X509Certificate } from "node:crypto";
import { ApiError } from "../errors.ts";

export interface InstanceIdentityProof {
  readonly provider: "aws" | "aliyun";
  /** The document exactly as the metadata service served it. */
  readonly document: string;
  readonly signature: string;
}

/** What a verified AWS identity document says about the instance. */
export interface VerifiedInstance {
  readonly provider: "aws";
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

/**
 * Parses `{"us-east-1": "-----BEGIN CERTIFICATE-----…", "*": "…"}` (certificates or public keys in PEM).
 * Throws an Error naming the entry that does not parse.
 */
export function parseIdentityKeys(json: string): IdentityKeys {
  let entries: unknown;
  try {
    entries = JSON.parse(json);
  } catch (cause) {
    throw new Error("AWS instance identity certificates: not JSON (expected {region: PEM})", { cause });
  }
  if (!entries || typeof entries !== "object" || Array.isArray(entries)) {
    throw new Error("AWS instance identity certificates: expected a JSON object {region: PEM}");
  }
  const keys = new Map<string, IdentityKey>();
  for (const [region, pem] of Object.entries(entries)) {
    if (typeof pem !== "string")
      throw new Error(`AWS instance identity certificate ${region}: not a PEM string`);
    try {
      if (pem.includes("BEGIN CERTIFICATE")) {
        const certificate = new X509Certificate(pem);
        keys.set(region, { key: certificate.publicKey, validTo: Date.parse(certificate.validTo) });
      } else {
        keys.set(region, { key: createPublicKey(pem) });
      }
    } catch (cause) {
      throw new Error(`AWS instance identity certificate ${region}: does not parse`, { cause });
    }
  }
  return keys;
}

const refuse = (why: string) => new ApiError("UNAUTHORIZED", `instance identity refused: ${why}`);

/** The instance the proof names, once its signature checks out; UNAUTHORIZED (401) otherwise, saying why. */
export function verifyInstanceIdentity(
  proof: InstanceIdentityProof,
  keys: IdentityKeys,
  now = Date.now(),
): VerifiedInstance {
  if (proof.provider !== "aws") {
    throw refuse(
      `${proof.provider} instance identities (PKCS#7) are not verified yet; give the broker a credential`,
    );
  }
  const doc = parseDocument(proof.document);
  const entry = keys.get(doc.region) ?? keys.get("*");
  if (!entry) throw refuse(`no AWS identity certificate is configured for region ${doc.region}`);
  if (entry.validTo !== undefined && entry.validTo < now) {
    throw refuse(`the AWS identity certificate for ${doc.region} expired; configure the current one`);
  }
  const signature = Buffer.from(proof.signature.replace(/\s+/g, ""), "base64");
  const valid =
    signature.length > 0 && verify("sha256", Buffer.from(proof.document, "utf8"), entry.key, signature);
  if (!valid) throw refuse("the signature does not match the document");
  return doc;
}

function parseDocument(document: string): VerifiedInstance {
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(document) as Record<string, unknown>;
  } catch {
    throw refuse("the document is not JSON");
  }
  const field = (name: string): string => {
    const value = parsed?.[name];
    if (typeof value !== "string" || value.length === 0) throw refuse(`the document has no ${name}`);
    return value;
  };
  return {
    provider: "aws",
    instanceId: field("instanceId"),
    accountId: field("accountId"),
    region: field("region"),
    zone: field("availabilityZone"),
    privateIp: field("privateIp"),
  };
}
