// The broker's node-identity seam (aws IMDSv2, aliyun metadata) against the instance runner's metadata
// emulator: identity, the session-token dance, interruption notices, the signed identity, and clear errors
// when the service is away or answers nonsense.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { generateKeyPairSync, verify } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { promisify } from "node:util";
import { AliyunMetadataIdentity, AwsImdsIdentity } from "@cirrus/broker/node-identity";
import { identitySigner } from "../../harness/cloud-instance/aliyun-cluster-kit.ts";
import {
  instanceRoleOn,
  MetadataEmulator,
  type MetadataEmulatorOptions,
  startRegionSts,
} from "../../harness/cloud-instance/index.ts";

const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const signingKey = privateKey.export({ type: "pkcs8", format: "pem" }).toString();

const emulators: MetadataEmulator[] = [];
async function emulator(options: Partial<MetadataEmulatorOptions>) {
  const started = await MetadataEmulator.start({
    provider: "aws",
    instanceId: "i-0123456789abcdef0",
    zone: "us-east-1b",
    privateIp: "10.0.1.17",
    signingKey,
    ...options,
  });
  emulators.push(started);
  return started;
}
after(async () => {
  for (const e of emulators) await e.close();
});

function rejectsWithCode(code: string) {
  return (error: unknown) => (error as { code?: string }).code === code;
}

describe("aws IMDSv2", () => {
  it("reads instance id, zone, private address and lifecycle with a session token", async () => {
    const imds = await emulator({ lifecycle: "spot" });
    const identity = await new AwsImdsIdentity({ baseUrl: imds.url }).describe();
    assert.deepEqual(identity, {
      provider: "aws",
      instanceId: "i-0123456789abcdef0",
      zone: "us-east-1b",
      privateAddress: "10.0.1.17",
      lifecycle: "spot",
    });
    assert.deepEqual(imds.requests[0], { method: "PUT", path: "/latest/api/token", status: 200 });
    assert.equal(imds.requests.filter((r) => r.method === "PUT").length, 1, "one token for every read");
    assert.ok(imds.requests.every((r) => r.status === 200));
  });

  it("the emulator refuses IMDSv1 (a GET without a token is 401)", async () => {
    const imds = await emulator({});
    const response = await fetch(`${imds.url}/latest/meta-data/instance-id`);
    assert.equal(response.status, 401);
  });

  it("fetches a new token when the old one is refused (401)", async () => {
    const imds = await emulator({});
    const source = new AwsImdsIdentity({ baseUrl: imds.url });
    await source.describe();
    imds.revokeTokens();
    assert.equal((await source.describe()).instanceId, "i-0123456789abcdef0");
    assert.ok(imds.requests.some((r) => r.status === 401));
    assert.equal(imds.requests.filter((r) => r.method === "PUT").length, 2);
  });

  it("reports no notice, then a spot interruption and a rebalance recommendation", async () => {
    const imds = await emulator({ lifecycle: "spot" });
    const source = new AwsImdsIdentity({ baseUrl: imds.url });
    assert.deepEqual(await source.notices(), []);
    imds.announceSpotInterruption(new Date("2026-12-06T22:02:00Z"), "terminate");
    imds.announceRebalanceRecommendation(new Date("2026-12-06T21:58:00Z"));
    assert.deepEqual(await source.notices(), [
      {
        kind: "spot-interruption",
        instanceId: "i-0123456789abcdef0",
        at: "2026-12-06T22:02:00.000Z",
        action: "terminate",
      },
      { kind: "rebalance-recommendation", instanceId: "i-0123456789abcdef0", at: "2026-12-06T21:58:00.000Z" },
    ]);
  });

  it("serves the identity document with a signature the region's key verifies", async () => {
    const imds = await emulator({});
    const proof = await new AwsImdsIdentity({ baseUrl: imds.url }).proof();
    assert.equal(JSON.parse(proof.document).instanceId, "i-0123456789abcdef0");
    assert.ok(
      verify("sha256", Buffer.from(proof.document), publicKey, Buffer.from(proof.signature, "base64")),
    );
  });

  it("with a challenge, signs sts:GetCallerIdentity with the instance role's IMDS credentials (moto: who signed)", async () => {
    const moto = await startRegionSts();
    try {
      const imds = await emulator({ instanceRole: instanceRoleOn(moto, "cirrus-broker") });
      const audience = "cirrus:cluster-1:Qm9vdHN0cmFwTm9uY2VGb3JUZXN0aW5nT25seTAwMDAx";
      const stsUrl = `${moto.endpoint}/`;
      // The emulated region's STS, configured as the broker's (it signs for no other but its region's own).
      const proof = await new AwsImdsIdentity({ baseUrl: imds.url, stsEndpoint: moto.endpoint }).proof({
        audience,
        stsUrl,
      });
      const signed = proof.callerIdentity;
      assert.ok(signed, "a signed GetCallerIdentity");
      assert.equal(signed.url, stsUrl);
      assert.equal(signed.headers["x-cirrus-challenge"], audience);
      assert.match(
        signed.headers.authorization ?? "",
        /\/us-east-1\/sts\/aws4_request, SignedHeaders=[a-z0-9;-]*x-cirrus-challenge/,
      );
      // Sent as the control plane sends it: STS (moto) names the role session of this instance.
      const { host: _, ...headers } = signed.headers;
      const answer = await (await fetch(signed.url, { method: "POST", headers, body: signed.body })).text();
      assert.match(
        answer,
        /<Arn>arn:aws:sts::123456789012:assumed-role\/cirrus-broker\/i-0123456789abcdef0<\/Arn>/,
      );
      // Without a challenge naming an STS endpoint (aliyun's kind), no request is signed.
      assert.equal(
        (await new AwsImdsIdentity({ baseUrl: imds.url }).proof({ audience })).callerIdentity,
        undefined,
      );
    } finally {
      await moto.stop();
    }
  });

  it("signs only for its region's STS or the configured one: any other URL is NODE_IDENTITY_UNAVAILABLE naming it", async () => {
    const imds = await emulator({
      instanceRole: {
        name: "cirrus-broker",
        credentials: async () => ({
          accessKeyId: "ASIAEXAMPLE",
          secretAccessKey: "secret",
          sessionToken: "t",
          expiration: new Date(Date.now() + 3_600_000).toISOString(),
        }),
      },
    });
    const audience = "cirrus:c:n";
    // Its own region's (us-east-1, from the identity document): signed, for that URL, in that region.
    const own = await new AwsImdsIdentity({ baseUrl: imds.url }).proof({
      audience,
      stsUrl: "https://STS.us-east-1.amazonaws.com:443",
    });
    assert.equal(own.callerIdentity?.url, "https://sts.us-east-1.amazonaws.com/");
    assert.match(own.callerIdentity?.headers.authorization ?? "", /\/us-east-1\/sts\/aws4_request/);
    const configured = "http://127.0.0.1:4566";
    const refusedFor = async (stsUrl: string, stsEndpoint?: string) =>
      assert.rejects(
        new AwsImdsIdentity({ baseUrl: imds.url, ...(stsEndpoint ? { stsEndpoint } : {}) }).proof({
          audience,
          stsUrl,
        }),
        (error: Error & { code?: string }) =>
          error.code === "NODE_IDENTITY_UNAVAILABLE" &&
          error.message.includes(JSON.stringify(stsUrl)) &&
          /signs only for/.test(error.message),
        stsUrl,
      );
    for (const stsUrl of [
      "https://sts.eu-west-1.amazonaws.com/", // another region's
      "http://sts.us-east-1.amazonaws.com/", // not https
      "https://sts.us-east-1.amazonaws.com.evil.example/",
      "https://sts.us-east-1.amazonaws.com/?Action=AssumeRole",
      "https://sts.us-east-1.amazonaws.com/vault",
      "https://vault.internal.example:8200/",
      "not a url",
      configured, // an emulator the broker was not told of
    ]) {
      await refusedFor(stsUrl);
    }
    // Configured: that one, and still not any other (the region's own stays allowed only when none is configured).
    const viaConfigured = await new AwsImdsIdentity({ baseUrl: imds.url, stsEndpoint: configured }).proof({
      audience,
      stsUrl: `${configured}/`,
    });
    assert.equal(viaConfigured.callerIdentity?.url, `${configured}/`);
    await refusedFor("http://127.0.0.1:4567/", configured);
  });

  it("an instance without an instance profile role cannot sign its proof: NODE_IDENTITY_UNAVAILABLE saying so", async () => {
    const imds = await emulator({});
    await assert.rejects(
      new AwsImdsIdentity({ baseUrl: imds.url }).proof({
        audience: "cirrus:c:n",
        stsUrl: "https://sts.us-east-1.amazonaws.com/",
      }),
      (error: Error & { code?: string }) =>
        error.code === "NODE_IDENTITY_UNAVAILABLE" && /no instance profile role/.test(error.message),
    );
  });

  it("a metadata service that does not answer is NODE_IDENTITY_UNAVAILABLE, not a hang", async () => {
    const closed = await emulator({});
    const url = closed.url;
    await closed.close();
    emulators.splice(emulators.indexOf(closed), 1);
    const started = Date.now();
    await assert.rejects(
      new AwsImdsIdentity({ baseUrl: url, timeoutMs: 200 }).describe(),
      rejectsWithCode("NODE_IDENTITY_UNAVAILABLE"),
    );
    assert.ok(Date.now() - started < 5_000);
  });

  it("nonsense answers are NODE_IDENTITY_UNAVAILABLE naming the path", async () => {
    // A stand-in that answers a token, then garbage for the notice and an empty instance id.
    const server = createServer((request, response) => {
      if (request.method === "PUT") return void response.end("token");
      if (request.url?.endsWith("/spot/instance-action")) return void response.end("{not json");
      if (request.url?.endsWith("/events/recommendations/rebalance"))
        return void response.writeHead(404).end();
      if (request.url?.endsWith("/instance-id")) return void response.end("   ");
      response.end("x");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const source = new AwsImdsIdentity({ baseUrl: url });
      await assert.rejects(source.describe(), /instance-id: empty answer/);
      await assert.rejects(source.notices(), rejectsWithCode("NODE_IDENTITY_UNAVAILABLE"));
    } finally {
      server.close();
    }
  });
});

describe("aliyun metadata", () => {
  it("reads identity in hardened mode, and the spot termination time once scheduled", async () => {
    const meta = await emulator({
      provider: "aliyun",
      instanceId: "i-bp1abcdefghijklmnopq",
      zone: "cn-hangzhou-h",
      privateIp: "192.168.3.9",
      requireToken: true,
    });
    const source = new AliyunMetadataIdentity({ baseUrl: meta.url });
    assert.deepEqual(await source.describe(), {
      provider: "aliyun",
      instanceId: "i-bp1abcdefghijklmnopq",
      zone: "cn-hangzhou-h",
      privateAddress: "192.168.3.9",
      lifecycle: "unknown",
    });
    assert.equal((await fetch(`${meta.url}/latest/meta-data/instance-id`)).status, 403, "hardened mode");
    assert.deepEqual(await source.notices(), []);
    meta.announceSpotInterruption(new Date("2026-12-06T22:10:00Z"));
    assert.deepEqual(await source.notices(), [
      {
        kind: "spot-interruption",
        instanceId: "i-bp1abcdefghijklmnopq",
        at: "2026-12-06T22:10:00.000Z",
        action: "terminate",
      },
    ]);
  });
});

describe("aliyun identity signed with an audience", () => {
  it("pkcs7?audience=X signs the document with X appended; the proof carries X", async () => {
    const dir = await mkdtemp(join(tmpdir(), "cirrus-audience-"));
    try {
      const signer = await identitySigner(dir);
      const meta = await emulator({
        provider: "aliyun",
        instanceId: "i-bp1audience00000001",
        zone: "cn-hangzhou-h",
        privateIp: "192.168.3.10",
        requireToken: true,
        signingKey: signer.key,
        signingCertificate: signer.certificate,
      });
      const audience = "cirrus:cluster-1:Qm9vdHN0cmFwTm9uY2VGb3JUZXN0aW5nT25seTAwMDAx";
      const proof = await new AliyunMetadataIdentity({ baseUrl: meta.url }).proof({ audience });
      assert.equal(proof.audience, audience);
      assert.ok(
        meta.requests.some((r) => r.path === "/latest/dynamic/instance-identity/pkcs7" && r.status === 200),
      );
      // OpenSSL verifies the signature over the document with the audience appended, and not over the bare one.
      const verifies = async (content: string) => {
        await writeFile(join(dir, "content"), content);
        await writeFile(
          join(dir, "sig.pem"),
          `-----BEGIN PKCS7-----\n${proof.signature}\n-----END PKCS7-----\n`,
        );
        const args = ["smime", "-verify", "-binary", "-inform", "PEM", "-in", join(dir, "sig.pem")];
        args.push("-content", join(dir, "content"), "-noverify", "-out", "/dev/null");
        return promisify(execFile)("openssl", args).then(
          () => true,
          () => false,
        );
      };
      assert.equal(await verifies(`${proof.document.slice(0, -1)},"audience":"${audience}"}`), true);
      assert.equal(await verifies(proof.document), false);
      // An audience Alibaba refuses (a quote) is a 400: the proof cannot be read.
      await assert.rejects(
        new AliyunMetadataIdentity({ baseUrl: meta.url }).proof({ audience: 'bad"audience' }),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
