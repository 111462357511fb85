// Brokers and the control plane on aliyun reach OSS's S3-compatible API with the RAM role's STS credentials:
// the real S3 client (S3ObjectStore) given aliyunS3Credentials over `@alicloud/credentials`' ECS RAM role
// provider, against the emulated metadata service that rotates the role's credentials. The S3 endpoint is a
// local server that records each request's headers and keeps bodies (s3rver, the S3 tests' server, checks no
// session token, so it could not tell a signed triple from a bare pair).
import assert from "node:assert/strict";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { after, describe, it } from "node:test";
import { aliyunCredential, aliyunS3Credentials } from "@cirrus/cloud";
import { ObjectStoreError, ObjectStoreErrorCode, S3ObjectStore } from "@cirrus/object-store";
import { MetadataEmulator, ramRoleProviderOn } from "../../harness/cloud-instance/index.ts";

/** A path-style S3 endpoint: PUT keeps the body, GET returns it; every request's method and headers recorded. */
async function recordingS3() {
  const seen: { method: string; headers: IncomingHttpHeaders }[] = [];
  const objects = new Map<string, Buffer>();
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      seen.push({ method: request.method ?? "", headers: request.headers });
      const path = new URL(request.url ?? "/", "http://x").pathname;
      if (request.method === "PUT") {
        objects.set(path, Buffer.concat(chunks));
        response.writeHead(200, { etag: '"e"' }).end();
      } else if (request.method === "GET" && objects.has(path)) {
        const body = objects.get(path) as Buffer;
        response.writeHead(200, { "content-length": body.length }).end(body);
      } else {
        response
          .writeHead(404, { "content-type": "application/xml" })
          .end("<Error><Code>NoSuchKey</Code></Error>");
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { seen, url, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

function storeOn(endpoint: string, metadata: MetadataEmulator): S3ObjectStore {
  return new S3ObjectStore({
    bucket: "cirrus-oss",
    endpoint,
    region: "oss-cn-hangzhou",
    forcePathStyle: true,
    maxAttempts: 1,
    credentials: aliyunS3Credentials(aliyunCredential({ provider: ramRoleProviderOn(metadata) })),
  });
}

describe("aliyun: OSS through the S3 API with the RAM role's STS credentials", () => {
  const closers: (() => Promise<void>)[] = [];
  after(async () => {
    for (const close of closers) await close();
  });

  it("signs PUT and GET with the role's current STS triple, and a rotated one once ECS serves it", async () => {
    let clock = Date.now();
    const metadata = await MetadataEmulator.start({
      provider: "aliyun",
      instanceId: "i-bp1broker00000001",
      zone: "cn-hangzhou-h",
      privateIp: "172.16.0.7",
      requireToken: true,
      // Shorter than `@alicloud/credentials`' 15-minute stale window: it asks the metadata service before each use.
      ramRole: { name: "CirrusBroker", credentialTtlMs: 10 * 60_000 },
      now: () => clock,
    });
    const s3 = await recordingS3();
    closers.push(() => metadata.close(), s3.close);
    const store = storeOn(s3.url, metadata);
    closers.push(() => store.close());

    await store.put("a", Buffer.from("first"));
    assert.equal((await store.get("a")).toString(), "first");
    const first = metadata.issuedRoleCredentials[0];
    assert.ok(first, "the emulator issued the role's credentials");
    for (const { headers } of s3.seen) {
      assert.match(
        String(headers.authorization),
        new RegExp(`^AWS4-HMAC-SHA256 Credential=${first.AccessKeyId}/`),
      );
      assert.equal(headers["x-amz-security-token"], first.SecurityToken);
    }

    clock += 11 * 60_000; // the first set expired: ECS serves a new one
    const before = s3.seen.length;
    await store.put("b", Buffer.from("second"));
    const second = metadata.issuedRoleCredentials.at(-1);
    assert.ok(second && second.AccessKeyId !== first.AccessKeyId, "a second set was issued");
    const resigned = s3.seen[before];
    assert.match(String(resigned?.headers.authorization), new RegExp(`Credential=${second.AccessKeyId}/`));
    assert.equal(resigned?.headers["x-amz-security-token"], second.SecurityToken);
  });

  it("no role attached: the request fails with an error naming every option, no value, and nothing sent", async () => {
    const metadata = await MetadataEmulator.start({
      provider: "aliyun",
      instanceId: "i-bp1broker00000002",
      zone: "cn-hangzhou-h",
      privateIp: "172.16.0.8",
      requireToken: true,
    });
    const s3 = await recordingS3();
    closers.push(() => metadata.close(), s3.close);
    const store = storeOn(s3.url, metadata);
    closers.push(() => store.close());

    const error = await store.put("a", Buffer.from("x")).then(
      () => assert.fail("a put without credentials succeeded"),
      (e: unknown) => e,
    );
    assert.ok(error instanceof ObjectStoreError);
    assert.equal(error.code, ObjectStoreErrorCode.UNAVAILABLE);
    assert.match(error.message, /no Alibaba Cloud credentials: set ALIBABA_CLOUD_ACCESS_KEY_ID/);
    assert.match(error.message, /ECS RAM role attached to the instance/);
    assert.equal(s3.seen.length, 0, "nothing reached the object store");
  });
});
