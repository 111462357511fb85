// credentialFromIdentity on aws: the challenge (and the STS endpoint it names) goes to the identity source and its
// signed GetCallerIdentity to the control plane. On aliyun against a control plane that answers the challenge route with 429 and
// Retry-After (the cluster holds as many open challenges as it may): the broker asks again no sooner than it
// says, and gives up at once when it says to wait past the deadline. The control plane is a scripted HTTP server
// speaking the internal API's contract; the identity source is an in-memory one signing the audience it is given.
import assert from "node:assert/strict";
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { BrokerError, BrokerErrorCode } from "../../src/errors.ts";
import { credentialFromIdentity } from "../../src/node-identity/instance-credential.ts";
import type { NodeIdentitySource } from "../../src/node-identity/node-identity.ts";

type Answer = (res: ServerResponse) => void;

let challengeAnswers: Answer[] = [];
const asked: { url: string; at: number; body: string }[] = [];
const server = createServer((req, res) => {
  let body = "";
  req.on("data", (chunk) => {
    body += chunk;
  });
  req.on("end", () => {
    asked.push({ url: req.url ?? "", at: Date.now(), body });
    if (req.url === "/internal/v1/instance-challenges") return (challengeAnswers.shift() ?? issued)(res);
    res.writeHead(200, { "content-type": "application/json" });
    const { identity } = JSON.parse(body) as { identity: { audience?: string } };
    res.end(JSON.stringify({ brokerToken: `token-for-${identity.audience}`, instanceId: "i-bp1" }));
  });
});

const issued: Answer = (res) => {
  res.writeHead(200, { "content-type": "application/json" });
  res.end(JSON.stringify({ audience: "cirrus:c-1:nonce", expiresAt: Date.now() + 300_000 }));
};
const rateLimited =
  (retryAfterSeconds: number): Answer =>
  (res) => {
    res.writeHead(429, {
      "content-type": "application/problem+json",
      "retry-after": String(retryAfterSeconds),
    });
    res.end(
      JSON.stringify({
        type: "urn:cirrus:problem:RATE_LIMITED",
        title: "Too many requests",
        status: 429,
        code: "RATE_LIMITED",
        detail: "cluster c-1 has 16 open instance challenges",
      }),
    );
  };

const source: NodeIdentitySource = {
  provider: "aliyun",
  describe: async () => ({
    provider: "aliyun",
    instanceId: "i-bp1",
    zone: "cn-hangzhou-h",
    privateAddress: "172.16.0.12",
    lifecycle: "unknown",
  }),
  notices: async () => [],
  proof: async (challenge) => ({
    provider: "aliyun",
    document: "{}",
    signature: "sig",
    audience: challenge?.audience,
  }),
};

let controlPlaneUrl = "";
before(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  controlPlaneUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  server.closeAllConnections();
  server.close();
});

const request = (deadlineMs: number) =>
  credentialFromIdentity({
    controlPlaneUrl,
    clusterId: "c-1",
    instanceId: "i-bp1",
    source,
    log: () => {},
    deadlineMs,
  });

describe("credentialFromIdentity on aws", () => {
  it("asks for a challenge and has the source sign it for the STS endpoint the challenge names", async () => {
    const given: unknown[] = [];
    const aws: NodeIdentitySource = {
      ...source,
      provider: "aws",
      proof: async (challenge) => {
        given.push(challenge);
        return {
          provider: "aws",
          document: "{}",
          signature: "sig",
          callerIdentity: { url: challenge?.stsUrl ?? "", headers: { "x-cirrus-challenge": "c" }, body: "b" },
        };
      },
    };
    challengeAnswers = [
      (res) => {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(
          JSON.stringify({ audience: "cirrus:c-1:n", expiresAt: Date.now() + 1, stsUrl: "https://sts/" }),
        );
      },
    ];
    asked.length = 0;
    const token = await credentialFromIdentity({
      controlPlaneUrl,
      clusterId: "c-1",
      instanceId: "i-bp1",
      source: aws,
      log: () => {},
    });
    assert.equal(token, "token-for-undefined");
    assert.deepEqual(given, [{ audience: "cirrus:c-1:n", stsUrl: "https://sts/" }]);
    const sent = JSON.parse(asked.find((a) => a.url === "/internal/v1/instance-credentials")?.body ?? "{}");
    assert.deepEqual(sent.identity.callerIdentity, {
      url: "https://sts/",
      headers: { "x-cirrus-challenge": "c" },
      body: "b",
    });
  });
});

describe("credentialFromIdentity when the challenge route answers 429", () => {
  it("asks for a challenge again no sooner than Retry-After, then gets its credential", async () => {
    challengeAnswers = [rateLimited(1)];
    asked.length = 0;
    assert.equal(await request(30_000), "token-for-cirrus:c-1:nonce");
    const challenges = asked.filter((a) => a.url === "/internal/v1/instance-challenges");
    assert.equal(challenges.length, 2);
    const waited = (challenges[1]?.at ?? 0) - (challenges[0]?.at ?? 0);
    // Without Retry-After the first retry comes after 100 ms.
    assert.ok(waited >= 990, `asked again after ${waited} ms`);
  });

  it("gives up at once, saying so, when Retry-After is past its deadline", async () => {
    challengeAnswers = [rateLimited(300)];
    asked.length = 0;
    await assert.rejects(request(2_000), (error: unknown) => {
      assert.ok(error instanceof BrokerError);
      assert.equal(error.code, BrokerErrorCode.CONTROL_PLANE_UNAVAILABLE);
      assert.match(error.message, /429 .*open instance challenges.*asks to wait 300 s, past the deadline/);
      return true;
    });
    assert.equal(asked.length, 1);
  });
});
