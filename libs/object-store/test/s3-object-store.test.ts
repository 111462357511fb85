import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { ObjectStoreErrorCode } from "../src/errors.ts";
import { openObjectStore } from "../src/open-object-store.ts";
import { S3ObjectStore } from "../src/s3-object-store.ts";
import { type RunningS3Server, startS3Server } from "./helpers/s3-server.ts";
import { code, objectStoreSuite } from "./object-store-suite.ts";

let server: RunningS3Server;
let prefixCounter = 0;
before(async () => {
  server = await startS3Server();
});
after(async () => {
  await server.stop();
});

function open(options: Partial<ConstructorParameters<typeof S3ObjectStore>[0]> = {}): S3ObjectStore {
  return new S3ObjectStore({
    bucket: server.bucket,
    prefix: `t${prefixCounter++}`,
    endpoint: server.endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: server.credentials,
    maxAttempts: 2,
    ...options,
  });
}

objectStoreSuite("s3:// (s3rver)", async () => open());

describe("S3ObjectStore", () => {
  it("uploads large bodies as multipart, counting every part as a PUT", async () => {
    const store = open({ multipartThresholdBytes: 5 * 1024 * 1024, partSizeBytes: 5 * 1024 * 1024 });
    const data = randomBytes(12 * 1024 * 1024);
    await store.put("big", [data.subarray(0, 1_000_000), data.subarray(1_000_000)]);
    // create + 3 parts + complete
    assert.equal(store.requestCounts().PUT, 5);
    const back = await store.get("big", { start: 6 * 1024 * 1024, end: 6 * 1024 * 1024 + 100 });
    assert.deepEqual(back, data.subarray(6 * 1024 * 1024, 6 * 1024 * 1024 + 100));
    assert.equal((await store.head("big"))?.size, data.length);
  });

  it("is chosen by an s3:// URI with endpoint and path style in the query", async () => {
    const store = openObjectStore(
      `s3://${server.bucket}/via-uri?endpoint=${encodeURIComponent(server.endpoint)}&forcePathStyle=true&region=us-east-1`,
      { s3: { credentials: server.credentials, maxAttempts: 1 } },
    );
    await store.put("x", Buffer.from("hello"));
    assert.equal((await store.get("x")).toString(), "hello");
    assert.equal(store.uri, `s3://${server.bucket}/via-uri/`);
  });

  it("reports a missing bucket as REQUEST_REFUSED (not retriable)", async () => {
    const store = open({ bucket: "no-such-bucket" });
    await assert.rejects(store.put("x", Buffer.alloc(1)), (error: unknown) => {
      code(ObjectStoreErrorCode.REQUEST_REFUSED)(error);
      return true;
    });
  });

  it("reports an unreachable endpoint as UNAVAILABLE after its retries", async () => {
    const store = open({ endpoint: "http://127.0.0.1:1", maxAttempts: 2, connectionTimeoutMs: 500 });
    await assert.rejects(store.get("x"), code(ObjectStoreErrorCode.UNAVAILABLE));
    assert.equal(store.requestCounts().GET, 2, "each attempt is counted");
  });
});
