// An aws instance's proof as a broker makes it, for the control plane's tests: the identity document signed with
// the test key standing in for AWS's region key, and a sts:GetCallerIdentity signed with instance-role credentials
// that moto's STS issued (AssumeRole with the instance id as session name, as EC2 does), the challenge in its
// signed header. Tests that need moto call `withMoto`: skipped with the reason when moto is not installed,
// failed under CI.
import assert from "node:assert/strict";
import { createSign } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { type SignedCallerIdentity, signCallerIdentity } from "@cirrus/broker-api";
import { instanceRoleCredentials, motoBinary } from "@cirrus/cloud/emulators";
import type { TestApp } from "./test-app.ts";

const fixture = (name: string) => readFileSync(new URL(`../auth/fixtures/${name}`, import.meta.url), "utf8");
export const AWS_IDENTITY_KEY = fixture("aws-identity-test-key.pem");
export const AWS_IDENTITY_CERT = fixture("aws-identity-test-cert.pem");

/** moto's default account, the one its own GetCallerIdentity names. */
export const MOTO_ACCOUNT = "123456789012";
export const INSTANCE_ROLE = "cirrus-broker";

/** `describe(name, body)` when moto is installed; a skipped test saying why otherwise (a failure under CI). */
export function describeWithMoto(name: string, body: (binary: string) => void): void {
  const binary = motoBinary();
  if (binary) {
    describe(name, { timeout: 120_000 }, () => body(binary));
    return;
  }
  const why = "moto_server is not installed (run `bash .ci/install-moto.sh`)";
  if (process.env.CI === "true") test(name, () => assert.fail(`${why}: required under CI`));
  else test(name, { skip: why }, () => {});
}

export function awsIdentityDocument(fields: Record<string, string> = {}): string {
  return JSON.stringify(
    {
      accountId: MOTO_ACCOUNT,
      availabilityZone: "us-east-1a",
      instanceId: "i-0123456789abcdef0",
      privateIp: "10.0.0.12",
      region: "us-east-1",
      version: "2017-09-30",
      ...fields,
    },
    null,
    2,
  );
}

export function signAwsDocument(document: string, key = AWS_IDENTITY_KEY): string {
  const signer = createSign("sha256");
  signer.update(document);
  return signer.sign(key).toString("base64");
}

export interface AwsProofOptions {
  /** The identity document's instance (default i-0123456789abcdef0). */
  readonly instanceId?: string;
  /** The role session the STS credentials are for (default: the instance id). */
  readonly sessionName?: string;
  readonly roleArn?: string;
  readonly signingDate?: Date;
  /** Where the request is signed for (default: the challenge's stsUrl). */
  readonly stsUrl?: string;
  readonly region?: string;
}

/** Asks `t` for a challenge of `clusterId`; its audience and stsUrl. */
export async function awsChallenge(
  t: TestApp,
  clusterId: string,
): Promise<{ audience: string; stsUrl: string }> {
  const answer = await t.app.server.inject({
    method: "POST",
    url: "/internal/v1/instance-challenges",
    payload: { clusterId },
  });
  assert.equal(answer.statusCode, 200, answer.body);
  return answer.json();
}

/** The identity proof of an aws instance: its signed document and a GetCallerIdentity signed with `challenge`. */
export async function awsProof(
  motoEndpoint: string,
  challenge: { audience: string; stsUrl: string },
  options: AwsProofOptions = {},
): Promise<{ provider: "aws"; document: string; signature: string; callerIdentity: SignedCallerIdentity }> {
  const instanceId = options.instanceId ?? "i-0123456789abcdef0";
  const credentials = await instanceRoleCredentials(
    motoEndpoint,
    options.roleArn ?? `arn:aws:iam::${MOTO_ACCOUNT}:role/${INSTANCE_ROLE}`,
    options.sessionName ?? instanceId,
  );
  const document = awsIdentityDocument({ instanceId });
  const callerIdentity = await signCallerIdentity({
    stsUrl: options.stsUrl ?? challenge.stsUrl,
    region: options.region ?? "us-east-1",
    credentials,
    challenge: challenge.audience,
    ...(options.signingDate ? { signingDate: options.signingDate } : {}),
  });
  return { provider: "aws", document, signature: signAwsDocument(document), callerIdentity };
}
