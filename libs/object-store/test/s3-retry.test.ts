// Retries against a scripted S3 endpoint: 503 SlowDown and 500 are retried with backoff and every attempt is
// counted; a request that keeps failing ends as UNAVAILABLE (retriable).
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { ObjectStoreError, ObjectStoreErrorCode } from "../src/errors.ts";
import { S3ObjectStore } from "../src/s3-object-store.ts";

let server: Server;
let endpoint: string;
/** Status codes to answer with, in order; when empty, requests succeed. */
let script: number[] = [];
let requests = 0;

before(async () => {
  server = createServer((req, res) => {
    requests++;
    req.resume();
    const status = script.shift();
    if (status !== undefined) {
      const code = status === 503 ? "SlowDown" : "InternalError";
      res.writeHead(status, { "content-type": "application/xml" });
      res.end(
        `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>scripted</Message></Error>`,
      );
      return;
    }
    res.writeHead(200, { "content-type": "application/octet-stream", "content-length": "5" });
    res.end("hello");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  await new Promise((resolve) => server.close(resolve));
});

function store(maxAttempts: number): S3ObjectStore {
  return new S3ObjectStore({
    bucket: "b",
    endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: { accessKeyId: "k", secretAccessKey: "s" },
    maxAttempts,
  });
}

describe("S3ObjectStore retries", { timeout: 30_000 }, () => {
  it("retries 503 SlowDown and 500, then succeeds", async () => {
    script = [503, 500];
    requests = 0;
    const s3 = store(4);
    assert.equal((await s3.get("k")).toString(), "hello");
    assert.equal(requests, 3);
    assert.equal(s3.requestCounts().GET, 3, "every attempt is counted");
  });

  it("gives up after maxAttempts with a retriable UNAVAILABLE", async () => {
    script = [503, 503, 503];
    requests = 0;
    const s3 = store(2);
    await assert.rejects(s3.get("k"), (error: unknown) => {
      assert.ok(error instanceof ObjectStoreError);
      assert.equal(error.code, ObjectStoreErrorCode.UNAVAILABLE);
      assert.equal(error.retriable, true);
      return true;
    });
    assert.equal(requests, 2);
    script = [];
  });
});
