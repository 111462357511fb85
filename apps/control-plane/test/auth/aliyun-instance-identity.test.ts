// Alibaba Cloud instance identities: the document and its PKCS#7 signature (made by OpenSSL with a test
// certificate standing in for Alibaba's published one) checked by verifyInstanceIdentity, with and without an
// audience signed in; the challenge route, and the credential route trading a proof signed with a challenge
// for a broker credential on an aliyun cluster (once, in time, for this cluster; never without an audience).
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import {
  documentWithAudience,
  type InstanceIdentityProof,
  parseIdentityKeys,
  verifyInstanceIdentity,
} from "../../src/auth/instance-identity.ts";
import { CHALLENGE_TTL_MS, issueInstanceChallenge } from "../../src/services/instance-challenges.ts";
import { issueInstanceCredential } from "../../src/services/instance-credentials.ts";
import { aliyunPkcs7Of } from "../helpers/aliyun-identity-signer.ts";
import { clusterOnCloud, requestInstanceCredential } from "../helpers/cloud-cluster.ts";
import { createTestApp, type TestApp } from "../helpers/test-app.ts";
import { testBackends } from "../helpers/test-database.ts";

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

  it("with an audience: verifies the document with it appended, and nothing else", async () => {
    const audience = "cirrus:c-1:abc";
    assert.equal(
      documentWithAudience(DOCUMENT, audience),
      `${DOCUMENT.slice(0, -1)},"audience":"cirrus:c-1:abc"}`,
    );
    const signature = await aliyunPkcs7Of(documentWithAudience(DOCUMENT, audience));
    const bound = { ...proof, signature, audience };
    assert.equal(verifyInstanceIdentity(bound, keys).instanceId, "i-bp1a2b3c4d5e6f7g8h9i");
    assert.throws(
      () => verifyInstanceIdentity({ ...bound, audience: "cirrus:c-1:abd" }, keys),
      refused(/message digest differs/),
    );
    const { audience: _, ...withoutAudience } = bound;
    assert.throws(() => verifyInstanceIdentity(withoutAudience, keys), refused(/message digest differs/));
    assert.throws(() => documentWithAudience(DOCUMENT, 'a"b'), refused(/audience is malformed/));
  });
});

for (const kind of testBackends())
  describe(`POST /internal/v1/instance-credentials (aliyun, ${kind})`, { timeout: 60_000 }, () => {
    let t: TestApp;
    let clusterId: string;
    before(async () => {
      t = await createTestApp(kind, {
        aliyunInstanceIdentityCertificates: JSON.stringify({ "*": CERT }),
      });
      clusterId = await clusterOnCloud(t, "on-aliyun", "aliyun", "cn-hangzhou");
    });
    after(() => t.close());

    const credential = (body: unknown) => requestInstanceCredential(t, body);

    /** A proof signed with a new challenge of the control plane for `cluster` (as a broker makes it). */
    async function challenged(cluster = clusterId, document = DOCUMENT): Promise<InstanceIdentityProof> {
      const { audience } = await issueInstanceChallenge(t.testDb.database.db, cluster);
      const signature = await aliyunPkcs7Of(documentWithAudience(document, audience));
      return { provider: "aliyun", document, signature, audience };
    }

    it("trades the verified identity for a credential bound to the instance, which registers as it", async () => {
      const answer = await credential({ clusterId, identity: await challenged() });
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
        { clusterId, identity: await challenged() },
        Date.now(),
        fleet(["i-bp1a2b3c4d5e6f7g8h9i"]),
      );
      assert.equal(issued.instanceId, "i-bp1a2b3c4d5e6f7g8h9i");
      assert.deepEqual(asked, [`${clusterId}/i-bp1a2b3c4d5e6f7g8h9i`]);
      const unavailable = (pattern: RegExp) => (error: unknown) =>
        (error as { code?: string }).code === "UNAVAILABLE" && pattern.test((error as Error).message);
      await assert.rejects(
        issueInstanceCredential(
          db,
          keys,
          { clusterId, identity: await challenged() },
          Date.now(),
          fleet(["i-bpother"]),
        ),
        unavailable(/not \(yet\) an instance of cluster .*'s fleet/),
      );
      await assert.rejects(
        issueInstanceCredential(
          db,
          keys,
          { clusterId, identity: await challenged() },
          Date.now(),
          async () => {
            throw new Error("Throttling.User");
          },
        ),
        unavailable(/cannot be read now/),
      );
      // A forged proof is refused before the cloud is asked.
      asked.length = 0;
      await assert.rejects(
        issueInstanceCredential(
          db,
          keys,
          {
            clusterId,
            identity: {
              ...(await challenged()),
              document: DOCUMENT.replace("cn-hangzhou-h", "cn-hangzhou-i"),
            },
          },
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
        identity: {
          ...(await challenged()),
          document: DOCUMENT.replace("i-bp1a2b3c4d5e6f7g8h9i", "i-bp9999999999999999"),
        },
      });
      assert.equal(forged.statusCode, 401);
      assert.equal(forged.headers["content-type"], "application/problem+json; charset=utf-8");
      assert.match(forged.json().detail, /message digest differs/);
      const aws = await credential({ clusterId, identity: { ...(await challenged()), provider: "aws" } });
      assert.equal(aws.statusCode, 401);
      assert.match(aws.json().detail, /runs on aliyun, the proof is from aws/);
    });

    it("POST /internal/v1/instance-challenges: a challenge for the cluster; 401 for an unknown one, 400 for no id", async () => {
      const before = Date.now();
      const answer = await t.app.server.inject({
        method: "POST",
        url: "/internal/v1/instance-challenges",
        payload: { clusterId },
      });
      assert.equal(answer.statusCode, 200, answer.body);
      const { audience, expiresAt } = answer.json();
      assert.match(audience, new RegExp(`^cirrus:${clusterId}:[A-Za-z0-9_-]{43}$`));
      assert.ok(expiresAt >= before + CHALLENGE_TTL_MS && expiresAt <= Date.now() + CHALLENGE_TTL_MS);
      const unknown = await t.app.server.inject({
        method: "POST",
        url: "/internal/v1/instance-challenges",
        payload: { clusterId: "no-such-cluster" },
      });
      assert.equal(unknown.statusCode, 401);
      assert.equal(unknown.headers["content-type"], "application/problem+json; charset=utf-8");
      const bad = await t.app.server.inject({
        method: "POST",
        url: "/internal/v1/instance-challenges",
        payload: {},
      });
      assert.equal(bad.statusCode, 400);
    });

    it("refuses a proof without an audience (an old broker) with a 401 problem saying what to do", async () => {
      const old = await credential({ clusterId, identity: proof });
      assert.equal(old.statusCode, 401);
      assert.equal(old.headers["content-type"], "application/problem+json; charset=utf-8");
      assert.match(old.json().detail, /must be signed with a challenge as its audience.*instance-challenges/);
    });

    it("a challenge is good once: the same proof again is 401, and of two racing proofs one wins", async () => {
      const once = await challenged();
      assert.equal((await credential({ clusterId, identity: once })).statusCode, 200);
      const again = await credential({ clusterId, identity: once });
      assert.equal(again.statusCode, 401);
      assert.match(again.json().detail, /challenge was already used: ask for a new one/);
      const raced = await challenged();
      const answers = await Promise.all([1, 2].map(() => credential({ clusterId, identity: raced })));
      assert.deepEqual(answers.map((a) => a.statusCode).sort(), [200, 401]);
    });

    it("refuses an expired challenge, another cluster's, one this control plane never issued, and a foreign audience", async () => {
      const db = t.testDb.database.db;
      await assert.rejects(
        issueInstanceCredential(
          db,
          keys,
          { clusterId, identity: await challenged() },
          Date.now() + CHALLENGE_TTL_MS + 1,
        ),
        refused(/challenge expired: ask for a new one/),
      );
      const otherCluster = await clusterOnCloud(t, "other-aliyun", "aliyun", "cn-hangzhou");
      const theirs = await credential({ clusterId, identity: await challenged(otherCluster) });
      assert.equal(theirs.statusCode, 401);
      assert.match(theirs.json().detail, /challenge is for another cluster/);
      /** The detail of the 401 for a proof validly signed with `audience`, a challenge we did not issue. */
      const refusalOf = async (audience: string) => {
        const signature = await aliyunPkcs7Of(documentWithAudience(DOCUMENT, audience));
        const answer = await credential({ clusterId, identity: { ...proof, audience, signature } });
        assert.equal(answer.statusCode, 401);
        return answer.json().detail as string;
      };
      assert.match(
        await refusalOf(`cirrus:${clusterId}:${"A".repeat(43)}`),
        /challenge was not issued by this control plane/,
      );
      assert.match(
        await refusalOf("someone-elses-audience"),
        /audience is not a challenge of this control plane/,
      );
    });
  });
