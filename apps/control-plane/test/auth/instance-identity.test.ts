// Instance identity proofs: the AWS signature check (a test certificate stands in for the region's AWS
// certificate), and the credential route that trades a proof (with its signed GetCallerIdentity, on moto) for an
// instance-bound broker credential. The refusals of the GetCallerIdentity part: aws-instance-proof.test.ts.
import assert from "node:assert/strict";
import { createSign, generateKeyPairSync, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import type { MotoServer } from "@cirrus/cloud/emulators";
import { startMotoServer } from "@cirrus/cloud/emulators";
import { eq } from "drizzle-orm";
import {
  type InstanceIdentityProof,
  parseIdentityKeys,
  verifyInstanceIdentity,
} from "../../src/auth/instance-identity.ts";
import { volumes } from "../../src/db/schema.ts";
import {
  AWS_IDENTITY_CERT,
  awsChallenge,
  awsIdentityDocument,
  awsProof,
  describeWithMoto,
  INSTANCE_ROLE,
  MOTO_ACCOUNT,
  signAwsDocument,
} from "../helpers/aws-instance-proof.ts";
import { clusterOnCloud, requestInstanceCredential } from "../helpers/cloud-cluster.ts";
import { createTestApp, type TestApp } from "../helpers/test-app.ts";

const fixture = (name: string) => readFileSync(new URL(`fixtures/${name}`, import.meta.url), "utf8");
const CERT = AWS_IDENTITY_CERT;
const keys = { aws: parseIdentityKeys(JSON.stringify({ "us-east-1": CERT })) };
const documentOf = awsIdentityDocument;
const sign = (document: string) => signAwsDocument(document);

function proofOf(document = documentOf()): InstanceIdentityProof {
  return { provider: "aws", document, signature: sign(document) };
}

const refused = (pattern: RegExp) => (error: unknown) =>
  (error as { code?: string }).code === "UNAUTHORIZED" && pattern.test((error as Error).message);

describe("verifyInstanceIdentity (aws)", () => {
  it("accepts a document signed with the region's key and says what it names", () => {
    assert.deepEqual(verifyInstanceIdentity(proofOf(), keys), {
      provider: "aws",
      instanceId: "i-0123456789abcdef0",
      accountId: "123456789012",
      region: "us-east-1",
      zone: "us-east-1a",
      privateIp: "10.0.0.12",
    });
  });

  it("refuses a changed document, another key's signature, and an empty signature", () => {
    const proof = proofOf();
    const forged = {
      ...proof,
      document: proof.document.replace("i-0123456789abcdef0", "i-0fffffffffffffff0"),
    };
    assert.throws(() => verifyInstanceIdentity(forged, keys), refused(/signature does not match/));
    const other = {
      aws: parseIdentityKeys(
        JSON.stringify({
          "us-east-1": new X509Certificate(CERT).publicKey.export({ type: "spki", format: "pem" }).toString(),
        }),
      ),
    };
    assert.ok(verifyInstanceIdentity(proof, other), "a bare public key works too");
    const stranger = createSign("sha256");
    stranger.update(proof.document);
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    assert.throws(
      () =>
        verifyInstanceIdentity({ ...proof, signature: stranger.sign(privateKey).toString("base64") }, keys),
      refused(/signature does not match/),
    );
    assert.throws(() => verifyInstanceIdentity({ ...proof, signature: "" }, keys), refused(/signature/));
    // A key verify throws on (Ed25519 takes no sha256 digest): a 401 saying so, not a 500.
    const ed25519 = {
      aws: parseIdentityKeys(
        JSON.stringify({
          "us-east-1": generateKeyPairSync("ed25519").publicKey.export({ type: "spki", format: "pem" }),
        }),
      ),
    };
    assert.throws(() => verifyInstanceIdentity(proof, ed25519), refused(/cannot be checked with this key/));
  });

  it("needs a key for the region ('*' for the shared one), and refuses an expired certificate", () => {
    const proof = proofOf(documentOf({ region: "eu-west-3", availabilityZone: "eu-west-3b" }));
    assert.throws(
      () => verifyInstanceIdentity(proof, keys),
      refused(/no AWS identity certificate .* eu-west-3/),
    );
    const shared = { aws: parseIdentityKeys(JSON.stringify({ "*": CERT })) };
    assert.equal(verifyInstanceIdentity(proof, shared).region, "eu-west-3");
    const validTo = Date.parse(new X509Certificate(CERT).validTo);
    assert.throws(() => verifyInstanceIdentity(proof, shared, validTo + 1), refused(/expired/));
  });

  it("refuses documents that are not JSON or lack a field, and aliyun proofs without an aliyun certificate", () => {
    assert.throws(() => verifyInstanceIdentity(proofOf("not json"), keys), refused(/not JSON/));
    const noZone = JSON.stringify({ ...JSON.parse(documentOf()), availabilityZone: undefined });
    assert.throws(() => verifyInstanceIdentity(proofOf(noZone), keys), refused(/no availabilityZone/));
    assert.throws(
      () =>
        verifyInstanceIdentity(
          { provider: "aliyun", document: fixture("aliyun-identity-document.txt"), signature: "MA==" },
          keys,
        ),
      refused(/no Alibaba Cloud identity certificate is configured/),
    );
  });

  it("a certificate list that does not parse is an error naming the entry", () => {
    assert.throws(() => parseIdentityKeys("{"), /not JSON/);
    assert.throws(() => parseIdentityKeys("[]"), /JSON object/);
    assert.throws(
      () => parseIdentityKeys(JSON.stringify({ "us-east-1": "garbage" })),
      /us-east-1: does not parse/,
    );
  });
});

describeWithMoto("POST /internal/v1/instance-credentials", (binary) => {
  let t: TestApp;
  let clusterId: string;
  let moto: MotoServer;
  before(async () => {
    moto = await startMotoServer(binary);
    t = await createTestApp("pglite", {
      awsInstanceIdentityCertificates: JSON.stringify({ "*": CERT }),
      awsStsEndpoint: moto.endpoint,
      awsBrokerAccountId: MOTO_ACCOUNT,
    });
    // As if created on aws (the rest of an aws spec's cloud settings are not this test's subject).
    clusterId = await clusterOnCloud(t, "on-aws", "aws", "us-east-1", {
      aws: { instanceRoleName: INSTANCE_ROLE },
    });
  });
  after(async () => {
    await t?.close();
    await moto?.stop();
  });

  /** A whole proof: a fresh challenge, the document and the GetCallerIdentity signed with it. */
  const provenIdentity = async (options: { instanceId?: string } = {}) =>
    awsProof(moto.endpoint, await awsChallenge(t, clusterId), options);

  const credential = (body: unknown) => requestInstanceCredential(t, body);
  const register = (token: string, instanceId: string) =>
    t.app.server.inject({
      method: "POST",
      url: "/internal/v1/brokers/register",
      headers: { authorization: `Bearer ${token}` },
      payload: { instanceId, zone: "us-east-1a", host: "10.0.0.12", port: 9092 },
    });

  it("trades a verified identity for a credential bound to the instance", async () => {
    const answer = await credential({ clusterId, identity: await provenIdentity() });
    assert.equal(answer.statusCode, 200, answer.body);
    const { brokerToken, instanceId } = answer.json();
    assert.equal(instanceId, "i-0123456789abcdef0");
    const registered = await register(brokerToken, "i-0123456789abcdef0");
    assert.equal(registered.statusCode, 200, registered.body);
    const other = await register(brokerToken, "i-0fffffffffffffff0");
    assert.equal(other.statusCode, 403);
    assert.match(other.json().detail, /belongs to instance i-0123456789abcdef0/);
  });

  it("names the WAL volume attached for its own instance only, from the volumes table", async () => {
    const { brokerToken } = (await credential({ clusterId, identity: await provenIdentity() })).json();
    const ask = (instanceId: string, token = brokerToken) =>
      t.app.server.inject({
        method: "GET",
        url: `/internal/v1/instances/${instanceId}/wal-volume`,
        headers: token ? { authorization: `Bearer ${token}` } : {},
      });
    const db = t.testDb.database.db;
    const before = await ask("i-0123456789abcdef0");
    assert.equal(before.statusCode, 200, before.body);
    assert.deepEqual(before.json(), { volumeId: null }, "nothing attached yet");
    await db.insert(volumes).values({
      id: "vol-0a1b2c3d4e5f60718",
      clusterId,
      zone: "us-east-1a",
      sizeGiB: 1,
      state: "AVAILABLE",
      instanceId: "i-0123456789abcdef0",
    });
    assert.deepEqual((await ask("i-0123456789abcdef0")).json(), { volumeId: null }, "created, not attached");
    await db.update(volumes).set({ state: "IN_USE" }).where(eq(volumes.id, "vol-0a1b2c3d4e5f60718"));
    assert.deepEqual((await ask("i-0123456789abcdef0")).json(), { volumeId: "vol-0a1b2c3d4e5f60718" });
    const other = await ask("i-0fffffffffffffff0");
    assert.equal(other.statusCode, 403);
    assert.match(
      other.json().detail,
      /belongs to instance i-0123456789abcdef0; it cannot read the volume of/,
    );
    assert.equal((await ask("i-0123456789abcdef0", "")).statusCode, 401);
  });

  it("a new proof from the instance replaces its credential", async () => {
    const first = (await credential({ clusterId, identity: await provenIdentity() })).json().brokerToken;
    const second = (await credential({ clusterId, identity: await provenIdentity() })).json().brokerToken;
    assert.notEqual(first, second);
    assert.equal((await register(second, "i-0123456789abcdef0")).statusCode, 200);
    assert.equal((await register(first, "i-0123456789abcdef0")).statusCode, 401);
  });

  it("refuses forged proofs, another region, another cloud, unknown clusters and bad bodies", async () => {
    const good = await provenIdentity();
    const forged = { ...good, signature: sign(documentOf({ instanceId: "i-0aaaaaaaaaaaaaaa0" })) };
    const region = documentOf({ region: "us-west-2", availabilityZone: "us-west-2a" });
    const answers = {
      forged: await credential({ clusterId, identity: forged }),
      region: await credential({
        clusterId,
        identity: { ...good, document: region, signature: sign(region) },
      }),
      cloud: await credential({ clusterId, identity: { ...good, provider: "aliyun" } }),
      unknown: await credential({ clusterId: "no-such-cluster", identity: good }),
      body: await credential({ clusterId, identity: { provider: "aws", document: "{}" } }),
    };
    assert.equal(answers.forged.statusCode, 401);
    assert.match(answers.forged.json().detail, /signature does not match/);
    assert.equal(answers.region.statusCode, 401);
    assert.match(answers.region.json().detail, /us-west-2, the cluster in us-east-1/);
    assert.equal(answers.cloud.statusCode, 401);
    assert.match(answers.cloud.json().detail, /runs on aws, the proof is from aliyun/);
    assert.equal(answers.unknown.statusCode, 401);
    assert.equal(answers.body.statusCode, 400);
    assert.equal(answers.body.headers["content-type"], "application/problem+json; charset=utf-8");
  });
});
