// The aws instance proof that cannot be replayed: a sts:GetCallerIdentity signed with the instance role's
// credentials (issued by moto's STS for the instance's session) and a one-time challenge in a signed header. Every
// refusal: no signed request (the identity document alone), challenge header missing or not signed, another host,
// a stale signature, a reused challenge, another account, another role, another instance; plus what is checked
// before STS is asked. moto does not verify SigV4 signatures, so what it would let through (an unsigned challenge
// header, a stale date, another host) is refused on our side and tested here without relying on STS.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, it } from "node:test";
import { CHALLENGE_HEADER, signCallerIdentity } from "@cirrus/broker-api";
import { type MotoServer, startMotoServer } from "@cirrus/cloud/emulators";
import { callerOfSignedRequest, checkSignedCallerIdentity } from "../../src/auth/aws-caller-identity.ts";
import { awsAccountSource } from "../../src/auth/own-aws-account.ts";
import { spendInstanceChallenge } from "../../src/services/instance-challenges.ts";
import {
  AWS_IDENTITY_CERT,
  awsChallenge,
  awsProof,
  describeWithMoto,
  INSTANCE_ROLE,
  MOTO_ACCOUNT,
} from "../helpers/aws-instance-proof.ts";
import { clusterOnCloud, requestInstanceCredential } from "../helpers/cloud-cluster.ts";
import { createTestApp, type TestApp } from "../helpers/test-app.ts";

const INSTANCE = "i-0123456789abcdef0";

describeWithMoto("aws instance proofs (signed sts:GetCallerIdentity, on moto)", (binary) => {
  let moto: MotoServer;
  let t: TestApp;
  let clusterId: string;
  const savedEnv = { ...process.env };
  before(async () => {
    moto = await startMotoServer(binary);
    // The control plane learns its own account from STS with its default credential chain (moto takes any key).
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: "testing", AWS_SECRET_ACCESS_KEY: "testing" });
    t = await createTestApp("pglite", {
      awsInstanceIdentityCertificates: JSON.stringify({ "*": AWS_IDENTITY_CERT }),
      awsStsEndpoint: moto.endpoint,
    });
    clusterId = await clusterOnCloud(t, "proof-aws", "aws", "us-east-1", {
      aws: { instanceRoleName: INSTANCE_ROLE },
    });
  });
  after(async () => {
    await t?.close();
    await moto?.stop();
    for (const name of ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]) {
      if (savedEnv[name] === undefined) delete process.env[name];
      else process.env[name] = savedEnv[name];
    }
  });

  const credential = (identity: unknown, cluster = clusterId) =>
    requestInstanceCredential(t, { clusterId: cluster, identity });
  const refusedWith = async (identity: unknown, pattern: RegExp, status = 401) => {
    const answer = await credential(identity);
    assert.equal(answer.statusCode, status, answer.body);
    assert.equal(answer.headers["content-type"], "application/problem+json; charset=utf-8");
    assert.match(answer.json().detail, pattern);
    return answer;
  };

  it("the challenge of an aws cluster names the STS endpoint to sign for; the proof gets a credential, once", async () => {
    const challenge = await awsChallenge(t, clusterId);
    assert.equal(challenge.stsUrl, `${moto.endpoint}/`);
    const proof = await awsProof(moto.endpoint, challenge);
    const answer = await credential(proof);
    assert.equal(answer.statusCode, 200, answer.body);
    assert.equal(answer.json().instanceId, INSTANCE);
    // The same signed request again (copied from a log, say): its challenge is spent.
    await refusedWith(proof, /challenge was already used/);
  });

  it("refuses the identity document alone: it never changes and can be replayed", async () => {
    const { callerIdentity: _, ...documentOnly } = await awsProof(
      moto.endpoint,
      await awsChallenge(t, clusterId),
    );
    await refusedWith(documentOnly, /must carry a sts:GetCallerIdentity signed with the instance role/);
  });

  it("refuses a request without the challenge header, or with it outside the SignedHeaders", async () => {
    const proof = await awsProof(moto.endpoint, await awsChallenge(t, clusterId));
    const { [CHALLENGE_HEADER]: _, ...withoutChallenge } = proof.callerIdentity.headers;
    await refusedWith(
      { ...proof, callerIdentity: { ...proof.callerIdentity, headers: withoutChallenge } },
      /carries no x-cirrus-challenge header/,
    );
    // A GetCallerIdentity signed without the header, the header added afterwards: STS would accept it.
    const headers = proof.callerIdentity.headers;
    const unsigned = {
      ...headers,
      authorization: (headers.authorization as string).replace(`;${CHALLENGE_HEADER}`, ""),
    };
    await refusedWith(
      { ...proof, callerIdentity: { ...proof.callerIdentity, headers: unsigned } },
      /x-cirrus-challenge header is not among the SignedHeaders/,
    );
  });

  it("never forwards to another host than the region's STS endpoint (SSRF), nor another action", async () => {
    const challenge = await awsChallenge(t, clusterId);
    for (const stsUrl of [
      "https://sts.us-east-1.amazonaws.com.evil.example/",
      "http://169.254.169.254/",
      `${moto.endpoint}/moto-api/reset`,
      `${moto.endpoint}/?Action=AssumeRole`,
    ]) {
      await refusedWith(
        await awsProof(moto.endpoint, challenge, { stsUrl }),
        /not http:\/\/127\.0\.0\.1:\d+\//,
      );
    }
    const proof = await awsProof(moto.endpoint, challenge);
    await refusedWith(
      { ...proof, callerIdentity: { ...proof.callerIdentity, body: "Action=AssumeRole&Version=2011-06-15" } },
      /not sts:GetCallerIdentity/,
    );
    await refusedWith(
      await awsProof(moto.endpoint, challenge, { region: "us-west-2" }),
      /signed for sts in us-west-2, not sts in us-east-1/,
    );
    // None of these spent the challenge.
    assert.equal((await credential(await awsProof(moto.endpoint, challenge))).statusCode, 200);
  });

  it("refuses a signature more than 5 minutes old (or ahead)", async () => {
    const challenge = await awsChallenge(t, clusterId);
    await refusedWith(
      await awsProof(moto.endpoint, challenge, { signingDate: new Date(Date.now() - 6 * 60_000) }),
      /more than 5 minutes from now/,
    );
    await refusedWith(
      await awsProof(moto.endpoint, challenge, { signingDate: new Date(Date.now() + 6 * 60_000) }),
      /more than 5 minutes from now/,
    );
  });

  it("refuses another account, another role and another instance's role session, spending nothing", async () => {
    const challenge = await awsChallenge(t, clusterId);
    await refusedWith(
      await awsProof(moto.endpoint, challenge, {
        roleArn: `arn:aws:iam::210987654321:role/${INSTANCE_ROLE}`,
      }),
      /signed in account 210987654321, the brokers run in 123456789012/,
    );
    await refusedWith(
      await awsProof(moto.endpoint, challenge, {
        roleArn: `arn:aws:iam::${MOTO_ACCOUNT}:role/some-other-role`,
      }),
      /signed by role some-other-role, the cluster's instance role is cirrus-broker/,
    );
    // Credentials of another instance's session, sent with this instance's identity document.
    await refusedWith(
      await awsProof(moto.endpoint, challenge, { sessionName: "i-0fffffffffffffff0" }),
      /role session of i-0fffffffffffffff0, the identity document is i-0123456789abcdef0's/,
    );
    assert.equal((await credential(await awsProof(moto.endpoint, challenge))).statusCode, 200);
  });

  it("refuses a challenge of another cluster, and a cluster that names no instance role", async () => {
    const other = await clusterOnCloud(t, "proof-aws-other", "aws", "us-east-1", {
      aws: { instanceRoleName: INSTANCE_ROLE },
    });
    const theirs = await awsProof(moto.endpoint, await awsChallenge(t, other));
    await refusedWith(theirs, /challenge is for another cluster/);
    const roleless = await clusterOnCloud(t, "proof-aws-roleless", "aws", "us-east-1");
    const proof = await awsProof(moto.endpoint, await awsChallenge(t, roleless));
    const answer = await credential(proof, roleless);
    assert.equal(answer.statusCode, 401);
    assert.match(answer.json().detail, /names no aws.instanceRoleName/);
  });

  it("the account brokers must be in can be configured instead of the control plane's own", async () => {
    const configured = await createTestApp("pglite", {
      awsInstanceIdentityCertificates: JSON.stringify({ "*": AWS_IDENTITY_CERT }),
      awsStsEndpoint: moto.endpoint,
      awsBrokerAccountId: "111122223333",
    });
    try {
      const id = await clusterOnCloud(configured, "proof-aws", "aws", "us-east-1", {
        aws: { instanceRoleName: INSTANCE_ROLE },
      });
      const answer = await requestInstanceCredential(configured, {
        clusterId: id,
        identity: await awsProof(moto.endpoint, await awsChallenge(configured, id)),
      });
      assert.equal(answer.statusCode, 401);
      assert.match(answer.json().detail, /signed in account 123456789012, the brokers run in 111122223333/);
    } finally {
      await configured.close();
    }
  });

  it("the control plane's own account comes from STS; STS out of reach is a 503 to retry", async () => {
    assert.equal(await awsAccountSource({ stsEndpoint: moto.endpoint })("us-east-1"), MOTO_ACCOUNT);
    assert.equal(await awsAccountSource({ configured: "111122223333" })("us-east-1"), "111122223333");
    const away = await createTestApp("pglite", {
      awsInstanceIdentityCertificates: JSON.stringify({ "*": AWS_IDENTITY_CERT }),
      awsStsEndpoint: "http://127.0.0.1:9",
    });
    try {
      const id = await clusterOnCloud(away, "proof-aws", "aws", "us-east-1", {
        aws: { instanceRoleName: INSTANCE_ROLE },
      });
      const challenge = await awsChallenge(away, id);
      const answer = await requestInstanceCredential(away, {
        clusterId: id,
        identity: await awsProof(moto.endpoint, challenge),
      });
      assert.equal(answer.statusCode, 503, answer.body);
      assert.match(answer.json().detail, /STS cannot be reached/);
    } finally {
      await away.close();
    }
  });

  it("a made-up or spent challenge is refused before STS is asked (STS is out of reach here)", async () => {
    const away = await createTestApp("pglite", {
      awsInstanceIdentityCertificates: JSON.stringify({ "*": AWS_IDENTITY_CERT }),
      awsStsEndpoint: "http://127.0.0.1:9",
      awsBrokerAccountId: MOTO_ACCOUNT,
    });
    try {
      const id = await clusterOnCloud(away, "proof-aws", "aws", "us-east-1", {
        aws: { instanceRoleName: INSTANCE_ROLE },
      });
      const { stsUrl } = await awsChallenge(away, id);
      const proofWith = (audience: string) => awsProof(moto.endpoint, { audience, stsUrl });
      const refused = async (audience: string, pattern: RegExp) => {
        const answer = await requestInstanceCredential(away, {
          clusterId: id,
          identity: await proofWith(audience),
        });
        assert.equal(answer.statusCode, 401, answer.body);
        assert.match(answer.json().detail, pattern);
      };
      // Well-formed, never issued: without the check first, each one made the control plane call STS.
      await refused(`cirrus:${id}:${"A".repeat(43)}`, /not issued by this control plane/);
      const spent = await awsChallenge(away, id);
      await spendInstanceChallenge(away.testDb.database.db, id, spent.audience);
      await refused(spent.audience, /already used/);
    } finally {
      await away.close();
    }
  });
});

describeWithMoto("checkSignedCallerIdentity and STS's answers", (binary) => {
  let moto: MotoServer;
  before(async () => {
    moto = await startMotoServer(binary);
  });
  after(() => moto?.stop());
  const credentials = { accessKeyId: "AKIAEXAMPLE", secretAccessKey: "secret" };
  const expected = (stsUrl: string) => ({ stsUrl, region: "us-east-1" });

  it("refuses duplicate headers, a Host other than the URL's, an X-Amz-Date off its scope, what HTTP cannot carry; forwards only signed headers", async () => {
    const stsUrl = "https://sts.us-east-1.amazonaws.com/";
    const signed = await signCallerIdentity({ stsUrl, region: "us-east-1", credentials, challenge: "c" });
    assert.equal(checkSignedCallerIdentity(signed, expected(stsUrl)).challenge, "c");
    const refused = (headers: Record<string, string>, pattern: RegExp) =>
      assert.throws(
        () => checkSignedCallerIdentity({ ...signed, headers }, expected(stsUrl)),
        (error: Error & { code?: string }) => error.code === "UNAUTHORIZED" && pattern.test(error.message),
      );
    refused({ ...signed.headers, "X-Cirrus-Challenge": "d" }, /header x-cirrus-challenge twice/);
    refused({ ...signed.headers, host: "sts.amazonaws.com" }, /signed for host sts.us-east-1.amazonaws.com/);
    const date = signed.headers["x-amz-date"] as string;
    refused({ ...signed.headers, "x-amz-date": `2001${date.slice(4)}` }, /not the credential scope's date/);
    refused({ ...signed.headers, authorization: "Bearer x" }, /no AWS4-HMAC-SHA256 Authorization/);
    refused(
      { ...signed.headers, "x-extra": "a\r\nx-injected: b" },
      /header "x-extra" cannot be sent over HTTP/,
    );
    refused({ ...signed.headers, "bad header": "a" }, /header "bad header" cannot be sent/);
    // Signed, but fetch would throw on it: a 401 naming it, not a 503 saying STS is out of reach.
    const signedWith = (name: string) =>
      (signed.headers.authorization as string).replace("SignedHeaders=", `SignedHeaders=${name};`);
    for (const name of ["connection", "transfer-encoding", "expect"]) {
      refused(
        { ...signed.headers, [name]: "x", authorization: signedWith(name) },
        new RegExp(`signed header ${name} cannot be forwarded`),
      );
    }
    // What the signature does not cover is not forwarded.
    const { headers } = checkSignedCallerIdentity(
      { ...signed, headers: { ...signed.headers, "x-unsigned": "a" } },
      expected(stsUrl),
    );
    assert.equal(headers["x-unsigned"], undefined);
    assert.equal(headers.host, undefined, "fetch sets Host from the URL");
    assert.deepEqual(Object.keys(headers).sort(), [
      "authorization",
      "content-type",
      "x-amz-content-sha256",
      "x-amz-date",
      "x-cirrus-challenge",
    ]);
  });

  it("a caller that is not an instance role's session is a 401; STS out of reach is a retriable 503", async () => {
    const stsUrl = `${moto.endpoint}/`;
    const signed = await signCallerIdentity({ stsUrl, region: "us-east-1", credentials, challenge: "c" });
    // A user's credentials, not an instance role's session: moto's GetCallerIdentity names user/moto.
    await assert.rejects(
      callerOfSignedRequest(signed, checkSignedCallerIdentity(signed, expected(stsUrl)).headers),
      (error: Error & { code?: string }) =>
        error.code === "UNAUTHORIZED" && /signed by arn:aws:sts::123456789012:user\/moto/.test(error.message),
    );
    const away = { ...signed, url: "http://127.0.0.1:9/" };
    await assert.rejects(
      callerOfSignedRequest(away, signed.headers),
      (error: Error & { code?: string; retriable?: boolean }) =>
        error.code === "UNAVAILABLE" && error.retriable === true,
    );
  });
  it("STS's refusal (moto never refuses: an HTTP server answers as STS does) is a 401 naming STS's code", async () => {
    // The body of STS's 403 for a bad signature, as AWS documents it; moto verifies no signature, so it has none.
    const answers = [
      [
        403,
        "<ErrorResponse><Error><Type>Sender</Type><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match</Message></Error></ErrorResponse>",
      ],
      [503, "<ErrorResponse><Error><Code>ServiceUnavailable</Code></Error></ErrorResponse>"],
    ] as const;
    let next = 0;
    const sts = createServer((_request, response) => {
      const [status, body] = answers[next++] as (typeof answers)[number];
      response.writeHead(status, { "content-type": "text/xml" }).end(body);
    });
    await new Promise<void>((resolve) => sts.listen(0, "127.0.0.1", resolve));
    try {
      const stsUrl = `http://127.0.0.1:${(sts.address() as AddressInfo).port}/`;
      const signed = await signCallerIdentity({ stsUrl, region: "us-east-1", credentials, challenge: "c" });
      const { headers } = checkSignedCallerIdentity(signed, expected(stsUrl));
      await assert.rejects(
        callerOfSignedRequest(signed, headers),
        (error: Error & { code?: string }) =>
          error.code === "UNAUTHORIZED" &&
          /STS refused the signed request: SignatureDoesNotMatch: The request signature/.test(error.message),
      );
      await assert.rejects(
        callerOfSignedRequest(signed, headers),
        (error: Error & { code?: string }) => error.code === "UNAVAILABLE" && /HTTP 503/.test(error.message),
      );
    } finally {
      sts.closeAllConnections();
      await new Promise((resolve) => sts.close(resolve));
    }
  });
});
