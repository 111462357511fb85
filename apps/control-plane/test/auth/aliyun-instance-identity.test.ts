// Alibaba Cloud instance identities: the document and its PKCS#7 signature (made by OpenSSL with a test
// certificate standing in for Alibaba's published one) checked by verifyInstanceIdentity, and the credential
// route trading such a proof for a broker credential on an aliyun cluster.
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import {
  type InstanceIdentityProof,
  parseIdentityKeys,
  verifyInstanceIdentity,
} from "../../src/auth/instance-identity.ts";
import { issueInstanceCredential } from "../../src/services/instance-credentials.ts";
import { clusterOnCloud, requestInstanceCredential } from "../helpers/cloud-cluster.ts";
import { createTestApp, type TestApp } from "../helpers/test-app.ts";

const fixture = (name: string) => readFileSync(new URL(`fixtures/${name}`, import.meta.url), "utf8");
const CERT = fixture("aliyun-identity-test-cert.pem");
const AWS_CERT = fixture("aws-identity-test-cert.pem");
const DOCUMENT = fixture("aliyun-identity-document.txt");
/** As the metadata service serves it: the base64 body, no PEM armour. */
const SIGNATURE = fixture("aliyun-identity-pkcs7.pem").replace(/-----[A-Z0-9 ]+-----|\s+/g, "");
const keys = { aliyun: parseIdentityKeys(JSON.stringify({ "*": CERT }), "aliyun") };
const proof: InstanceIdentityProof = { provider: "aliyun", document: DOCUMENT, signature: SIGNATURE };

const refused = (pattern: RegExp) => (error: unknown) =>
  (error as { code?: string }).code === "UNAUTHORIZED" && pattern.test((error as Error).message);

describe("verifyInstanceIdentity (aliyun)", () => {
  it("accepts the document signed with the configured certificate and says what it names", () => {
    assert.deepEqual(verifyInstanceIdentity(proof, keys), {
      provider: "aliyun",
      instanceId: "i-bp1a2b3c4d5e6f7g8h9i",
      accountId: "1234567890123456",
      region: "cn-hangzhou",
      zone: "cn-hangzhou-h",
      privateIp: "172.16.0.12",
    });
  });

  it("refuses a changed document, another certificate, no certificate and an expired one", () => {
    const forged = { ...proof, document: DOCUMENT.replace("172.16.0.12", "172.16.0.99") };
    assert.throws(() => verifyInstanceIdentity(forged, keys), refused(/message digest differs/));
    const other = { aliyun: parseIdentityKeys(JSON.stringify({ "*": AWS_CERT }), "aliyun") };
    assert.throws(() => verifyInstanceIdentity(proof, other), refused(/does not match/));
    assert.throws(
      () => verifyInstanceIdentity(proof, { aws: keys.aliyun }),
      refused(/no Alibaba Cloud identity certificate is configured for region cn-hangzhou/),
    );
    const validTo = Date.parse(new X509Certificate(CERT).validTo);
    assert.throws(
      () => verifyInstanceIdentity(proof, keys, validTo + 1),
      refused(/Alibaba Cloud .* expired/),
    );
  });

  it("reads the older field names, and refuses a document lacking one or a signature that does not parse", () => {
    const parsed = JSON.parse(DOCUMENT) as Record<string, string>;
    const noZone = JSON.stringify({ ...parsed, "zone-id": undefined });
    assert.throws(() => verifyInstanceIdentity({ ...proof, document: noZone }, keys), refused(/no zone-id/));
    assert.throws(
      () => verifyInstanceIdentity({ ...proof, signature: "MIIGTw==" }, keys),
      refused(/signature does not parse/),
    );
    assert.throws(() => parseIdentityKeys("[]", "aliyun"), /Alibaba Cloud instance identity certificates/);
  });
});

describe("POST /internal/v1/instance-credentials (aliyun)", { timeout: 60_000 }, () => {
  let t: TestApp;
  let clusterId: string;
  before(async () => {
    t = await createTestApp("pglite", {
      aliyunInstanceIdentityCertificates: JSON.stringify({ "*": CERT }),
    });
    clusterId = await clusterOnCloud(t, "on-aliyun", "aliyun", "cn-hangzhou");
  });
  after(() => t.close());

  const credential = (body: unknown) => requestInstanceCredential(t, body);

  it("trades the verified identity for a credential bound to the instance, which registers as it", async () => {
    const answer = await credential({ clusterId, identity: proof });
    assert.equal(answer.statusCode, 200, answer.body);
    const { brokerToken, instanceId } = answer.json();
    assert.equal(instanceId, "i-bp1a2b3c4d5e6f7g8h9i");
    const registered = await t.app.server.inject({
      method: "POST",
      url: "/internal/v1/brokers/register",
      headers: { authorization: `Bearer ${brokerToken}` },
      payload: { instanceId, zone: "cn-hangzhou-h", host: "172.16.0.12", port: 9092 },
    });
    assert.equal(registered.statusCode, 200, registered.body);
  });

  it("issues it only to an instance of the cluster's fleet; otherwise a retriable UNAVAILABLE", async () => {
    const db = t.testDb.database.db;
    const asked: string[] = [];
    const fleet = (members: string[]) => async (cluster: string, _spec: unknown, instanceId: string) => {
      asked.push(`${cluster}/${instanceId}`);
      return members.includes(instanceId);
    };
    const issued = await issueInstanceCredential(
      db,
      keys,
      { clusterId, identity: proof },
      Date.now(),
      fleet(["i-bp1a2b3c4d5e6f7g8h9i"]),
    );
    assert.equal(issued.instanceId, "i-bp1a2b3c4d5e6f7g8h9i");
    assert.deepEqual(asked, [`${clusterId}/i-bp1a2b3c4d5e6f7g8h9i`]);
    const unavailable = (pattern: RegExp) => (error: unknown) =>
      (error as { code?: string }).code === "UNAVAILABLE" && pattern.test((error as Error).message);
    await assert.rejects(
      issueInstanceCredential(db, keys, { clusterId, identity: proof }, Date.now(), fleet(["i-bpother"])),
      unavailable(/not \(yet\) an instance of cluster .*'s fleet/),
    );
    await assert.rejects(
      issueInstanceCredential(db, keys, { clusterId, identity: proof }, Date.now(), async () => {
        throw new Error("Throttling.User");
      }),
      unavailable(/cannot be read now/),
    );
    // A forged proof is refused before the cloud is asked.
    asked.length = 0;
    await assert.rejects(
      issueInstanceCredential(
        db,
        keys,
        { clusterId, identity: { ...proof, document: DOCUMENT.replace("cn-hangzhou-h", "cn-hangzhou-i") } },
        Date.now(),
        fleet(["i-bp1a2b3c4d5e6f7g8h9i"]),
      ),
      (error: unknown) => (error as { code?: string }).code === "UNAUTHORIZED",
    );
    assert.deepEqual(asked, []);
  });

  it("refuses a forged document and an aws proof for the aliyun cluster (401 problem+json)", async () => {
    const forged = await credential({
      clusterId,
      identity: { ...proof, document: DOCUMENT.replace("i-bp1a2b3c4d5e6f7g8h9i", "i-bp9999999999999999") },
    });
    assert.equal(forged.statusCode, 401);
    assert.equal(forged.headers["content-type"], "application/problem+json; charset=utf-8");
    assert.match(forged.json().detail, /message digest differs/);
    const aws = await credential({ clusterId, identity: { ...proof, provider: "aws" } });
    assert.equal(aws.statusCode, 401);
    assert.match(aws.json().detail, /runs on aliyun, the proof is from aws/);
  });
});
