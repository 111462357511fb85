// signCallerIdentity's SigV4 signature checked by an implementation that is not ours: botocore (AWS's Python SDK,
// in the moto venv of `.ci/install-moto.sh`) recomputes it from the same request, credentials and X-Amz-Date.
// moto's STS verifies no signature, so this is what says STS would accept the brokers' requests; and that the
// challenge header is covered (another challenge, another signature).
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, it, test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import {
  CHALLENGE_HEADER,
  GET_CALLER_IDENTITY_BODY,
  type SignedCallerIdentity,
  signCallerIdentity,
} from "../src/caller-identity-request.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../../..");
const python = process.env.MOTO_SERVER
  ? join(dirname(process.env.MOTO_SERVER), "python")
  : join(ROOT, ".ci/cache/moto/bin/python");

/** botocore's SigV4 signature of the request as signed (the SignedHeaders' values, its X-Amz-Date). */
const BOTOCORE_SIGNATURE = `
import json, sys
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
req = json.load(sys.stdin)
h = req["headers"]
signed = h["authorization"].split("SignedHeaders=")[1].split(",")[0].split(";")
c = req["credentials"]
signer = SigV4Auth(Credentials(c["accessKeyId"], c["secretAccessKey"], c.get("sessionToken")), "sts", req["region"])
headers = {k: v for k, v in h.items() if k in signed and k != "host"}
aws = AWSRequest(method="POST", url=req["url"], data=req["body"].encode(), headers=headers)
aws.context["timestamp"] = h["x-amz-date"]
print(signer.signature(signer.string_to_sign(aws, signer.canonical_request(aws)), aws))
`;

const credentials = {
  accessKeyId: "ASIAIOSFODNN7EXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
  sessionToken: "IQoJb3JpZ2luX2VjEXAMPLETOKEN",
};

async function botocoreSignature(request: SignedCallerIdentity, region: string): Promise<string> {
  const child = promisify(execFile)(python, ["-c", BOTOCORE_SIGNATURE]);
  child.child.stdin?.end(JSON.stringify({ ...request, credentials, region }));
  return (await child).stdout.trim();
}

const signatureOf = (request: SignedCallerIdentity) =>
  /Signature=([0-9a-f]{64})$/.exec(request.headers.authorization ?? "")?.[1];

if (!existsSync(python)) {
  const why = "botocore is not installed (run `bash .ci/install-moto.sh`: moto's venv holds it)";
  if (process.env.CI === "true")
    test("signCallerIdentity against botocore", () => assert.fail(`${why}: required under CI`));
  else test("signCallerIdentity against botocore", { skip: why }, () => {});
} else {
  describe("signCallerIdentity against botocore", () => {
    it("signs GetCallerIdentity as AWS's SDK would, the challenge header among the SignedHeaders", async () => {
      for (const [stsUrl, region] of [
        ["https://sts.us-east-1.amazonaws.com/", "us-east-1"],
        ["https://sts.cn-north-1.amazonaws.com.cn/", "cn-north-1"],
        ["http://127.0.0.1:5000/", "eu-west-3"],
      ] as const) {
        const signed = await signCallerIdentity({
          stsUrl,
          region,
          credentials,
          challenge: "cirrus:c-1:nonce",
        });
        assert.equal(signed.body, GET_CALLER_IDENTITY_BODY);
        assert.equal(signed.headers[CHALLENGE_HEADER], "cirrus:c-1:nonce");
        assert.equal(signed.headers["x-amz-security-token"], credentials.sessionToken);
        assert.match(signed.headers.authorization ?? "", new RegExp(`/${region}/sts/aws4_request, `));
        assert.match(signed.headers.authorization ?? "", /SignedHeaders=[a-z0-9;-]*;x-cirrus-challenge,/);
        assert.equal(await botocoreSignature(signed, region), signatureOf(signed), stsUrl);
        // Another challenge under the same signature is another request: botocore's signature differs.
        const swapped = { ...signed, headers: { ...signed.headers, [CHALLENGE_HEADER]: "cirrus:c-1:other" } };
        assert.notEqual(await botocoreSignature(swapped, region), signatureOf(signed));
      }
    });
  });
}
