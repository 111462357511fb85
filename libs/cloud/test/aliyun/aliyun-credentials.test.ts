// Alibaba credentials through `@alicloud/credentials`, seen on the wire: the real ECS client (built by
// createAliyunClients) against a local server that checks the ACS3-HMAC-SHA256 signature with the secret the
// test expects. An explicit pair, the default chain from the environment (with an STS token), a provider whose
// temporary pair changes between requests (the clients ask the credential each time), and no credential at all
// (a message naming every option, never a secret).
import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import { URICredentialsProvider } from "@alicloud/credentials";
import * as $Ecs from "@alicloud/ecs20140526";
import { createAliyunClients } from "../../src/aliyun/aliyun-clients.ts";
import {
  type AliyunCredential,
  aliyunCredential,
  aliyunCredentialProblem,
} from "../../src/aliyun/aliyun-credentials.ts";
import { acs3Problem, type CaptureServer, captureServer } from "../fixtures/signed-request-server.ts";

const CHAIN_ENV = [
  "ALIBABA_CLOUD_ACCESS_KEY_ID",
  "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
  "ALIBABA_CLOUD_SECURITY_TOKEN",
  "ALIBABA_CLOUD_ROLE_ARN",
  "ALIBABA_CLOUD_OIDC_PROVIDER_ARN",
  "ALIBABA_CLOUD_OIDC_TOKEN_FILE",
  "ALIBABA_CLOUD_CREDENTIALS_FILE",
  "ALIBABA_CLOUD_PROFILE",
  "ALIBABA_CLOUD_ECS_METADATA",
  "ALIBABA_CLOUD_ECS_METADATA_DISABLED",
  "ALIBABA_CLOUD_CREDENTIALS_URI",
  "ALIBABA_CLOUD_CLI_PROFILE_DISABLED",
  "HOME",
] as const;

const describeAll = () => new $Ecs.DescribeInstancesRequest({ regionId: "cn-hangzhou" });

describe("aliyun credentials on the wire", () => {
  let server: CaptureServer;
  const saved = new Map(CHAIN_ENV.map((name) => [name, process.env[name]]));

  before(async () => {
    server = await captureServer(() => ({
      status: 200,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ RequestId: "r", Instances: { Instance: [] } }),
    }));
  });
  after(() => server.close());
  afterEach(() => {
    server.received.length = 0;
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  /** An environment where the chain finds nothing: no variables, no files, no metadata service. */
  function emptyChainEnvironment(): void {
    for (const name of CHAIN_ENV) delete process.env[name];
    process.env.HOME = "/nonexistent-cirrus-home";
    process.env.ALIBABA_CLOUD_ECS_METADATA_DISABLED = "true";
  }

  /** The real ECS client on the capture server, signing with `credential`. */
  const ecsWith = (credential: AliyunCredential) =>
    createAliyunClients({
      regionId: "cn-hangzhou",
      credential,
      endpoints: { ecs: server.host },
      protocol: "http",
    }).ecs;

  async function describeInstancesWith(credential: AliyunCredential) {
    await ecsWith(credential).describeInstances(describeAll());
    const request = server.received.at(-1);
    assert.ok(request, "the client sent a request");
    return request;
  }

  it("signs with an explicit access key pair", async () => {
    emptyChainEnvironment();
    const request = await describeInstancesWith(
      aliyunCredential({ accessKeyId: "LTAIexplicit", accessKeySecret: "explicit-secret" }),
    );
    assert.equal(acs3Problem(request, "LTAIexplicit", "explicit-secret"), undefined);
    assert.equal(request.headers["x-acs-security-token"], undefined);
  });

  it("without a pair, takes the default chain: the environment's pair and STS token", async () => {
    emptyChainEnvironment();
    process.env.ALIBABA_CLOUD_ACCESS_KEY_ID = "STS.envkey";
    process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET = "env-secret";
    process.env.ALIBABA_CLOUD_SECURITY_TOKEN = "env-sts-token";
    const credential = aliyunCredential();
    assert.equal(await aliyunCredentialProblem(credential), undefined);
    const request = await describeInstancesWith(credential);
    assert.equal(acs3Problem(request, "STS.envkey", "env-secret"), undefined);
    assert.equal(request.headers["x-acs-security-token"], "env-sts-token");
  });

  it("asks the credential before every request, so a refreshed temporary pair is used", async () => {
    let issued = 0;
    const credential = aliyunCredential({
      provider: {
        getProviderName: () => "rotating",
        async getCredentials() {
          issued++;
          return {
            accessKeyId: `STS.key${issued}`,
            accessKeySecret: `secret${issued}`,
            securityToken: `token${issued}`,
            providerName: "rotating",
          } as never;
        },
      },
    });
    const ecs = ecsWith(credential);
    await ecs.describeInstances(describeAll());
    await ecs.describeInstances(describeAll());
    const [first, second] = server.received;
    assert.ok(first && second);
    assert.equal(acs3Problem(first, "STS.key1", "secret1"), undefined);
    assert.equal(first.headers["x-acs-security-token"], "token1");
    assert.equal(acs3Problem(second, "STS.key2", "secret2"), undefined);
    assert.equal(second.headers["x-acs-security-token"], "token2");
  });

  it("with no credential anywhere: every option is named, the request fails, no secret is shown", async () => {
    emptyChainEnvironment();
    // Half a pair: the chain refuses it; its secret must not be echoed.
    process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET = "half-pair-secret-value";
    const credential = aliyunCredential();
    const problem = await aliyunCredentialProblem(credential);
    assert.ok(problem, "a problem is reported");
    for (const option of [
      "ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET",
      "ALIBABA_CLOUD_SECURITY_TOKEN",
      "ALIBABA_CLOUD_OIDC_TOKEN_FILE",
      "~/.alibabacloud/credentials",
      "ECS RAM role",
    ]) {
      assert.ok(problem.includes(option), `${option} named in: ${problem}`);
    }
    assert.ok(!problem.includes("half-pair-secret-value"));
    await assert.rejects(
      ecsWith(credential).describeInstances(describeAll()),
      (error: Error) =>
        /no Alibaba Cloud credentials: set ALIBABA_CLOUD_ACCESS_KEY_ID/.test(error.message) &&
        !error.message.includes("half-pair-secret-value"),
    );
    assert.equal(server.received.length, 0, "nothing unsigned is sent");
  });

  it("a credentials URI that answers a pair without its STS token: the refusal does not echo the secret", async () => {
    // The package's URI provider puts the whole answer in its error, and that message reaches the 422 of
    // POST /v1/clusters and the logs: a key pair served without a token must not be shown. (In the default
    // chain the message is long enough that the 400-character cut happened to hide it; the provider alone not.)
    const uri = await captureServer(() => ({
      status: 200,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ AccessKeyId: "LTAIuri", AccessKeySecret: "uri-secret-value", Code: "Success" }),
    }));
    try {
      const provider = URICredentialsProvider.builder().withCredentialsURI(`${uri.url}/credentials`).build();
      const problem = await aliyunCredentialProblem(aliyunCredential({ provider }));
      assert.ok(problem, "a problem is reported");
      assert.ok(problem.includes("credentialsURI result"), `the URI provider's refusal is named: ${problem}`);
      assert.ok(problem.includes("LTAIuri"), `what is not secret stays: ${problem}`);
      assert.ok(!problem.includes("uri-secret-value"), `no secret in: ${problem}`);
      assert.equal(uri.received.length, 1, "the chain asked the URI");
    } finally {
      await uri.close();
    }
  });
});
