// The aws instance proof's request, both sides of the contract: a broker signs (SigV4) an sts:GetCallerIdentity
// POST with its instance role's credentials and the control plane's challenge in a signed header, and hands the
// signed parts to the control plane, which checks them and sends them to STS (the credentials never leave the
// instance; a signature is good for that one request, for minutes). Vault's aws "iam" auth and Teleport's IAM
// join method work the same way.
import { Sha256 } from "@smithy/core/checksum";
import { SignatureV4 } from "@smithy/signature-v4";

/** The header that carries the challenge; the control plane refuses a request where it is not signed. */
export const CHALLENGE_HEADER = "x-cirrus-challenge";

/** The form body of the one action the control plane forwards. */
export const GET_CALLER_IDENTITY_BODY = "Action=GetCallerIdentity&Version=2011-06-15";

/** Temporary credentials of an instance role, as IMDS serves them (iam/security-credentials/<role>). */
export interface RoleCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** A signed request, not sent: what InstanceCredentialRequest.identity.callerIdentity carries. */
export interface SignedCallerIdentity {
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/**
 * The STS endpoint for `region`: `configured` when set (an emulator, in tests), else the region's own
 * (`https://sts.<region>.amazonaws.com/`, `.com.cn` in the China regions). The control plane forwards proofs only
 * there, and a broker signs only for its own region's (or its configured one): a signed GetCallerIdentity is a
 * bearer proof of the instance role for minutes, wherever it is presented.
 */
export function stsUrlFor(region: string, configured?: string): string {
  if (configured) return new URL(configured).href.replace(/\/*$/, "/");
  return `https://sts.${region}.amazonaws.com${region.startsWith("cn-") ? ".cn" : ""}/`;
}

/**
 * Signs sts:GetCallerIdentity for `stsUrl` (the challenge's, e.g. https://sts.us-east-1.amazonaws.com/) in
 * `region`, with `challenge` in the signed CHALLENGE_HEADER. `signingDate` is for tests of stale signatures.
 */
export async function signCallerIdentity(options: {
  readonly stsUrl: string;
  readonly region: string;
  readonly credentials: RoleCredentials;
  readonly challenge: string;
  readonly signingDate?: Date;
}): Promise<SignedCallerIdentity> {
  const url = new URL(options.stsUrl);
  const signer = new SignatureV4({
    service: "sts",
    region: options.region,
    credentials: options.credentials,
    sha256: Sha256,
  });
  const signed = await signer.sign(
    {
      method: "POST",
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname,
      query: {},
      headers: {
        host: url.host,
        "content-type": "application/x-www-form-urlencoded; charset=utf-8",
        [CHALLENGE_HEADER]: options.challenge,
      },
      body: GET_CALLER_IDENTITY_BODY,
    },
    options.signingDate ? { signingDate: options.signingDate } : {},
  );
  return { url: url.href, headers: { ...signed.headers }, body: GET_CALLER_IDENTITY_BODY };
}
