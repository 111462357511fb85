import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ObjectStoreErrorCode } from "../src/errors.ts";
import { FileObjectStore } from "../src/file-object-store.ts";
import { MemObjectStore } from "../src/mem-object-store.ts";
import { splitIntoParts } from "../src/multipart.ts";
import { openObjectStore, parseS3Uri } from "../src/open-object-store.ts";
import { code } from "./object-store-suite.ts";

describe("openObjectStore", () => {
  it("chooses the store by scheme", () => {
    assert.ok(openObjectStore("mem://") instanceof MemObjectStore);
    const file = openObjectStore("file:///tmp/cirrus-x");
    assert.ok(file instanceof FileObjectStore);
    assert.equal(file.uri, "file:///tmp/cirrus-x");
    assert.ok(openObjectStore() instanceof FileObjectStore, "file:// under ./data is the default");
  });

  it("refuses unknown schemes and empty paths with INVALID_URI", () => {
    assert.throws(() => openObjectStore("ftp://x"), code(ObjectStoreErrorCode.INVALID_URI));
    assert.throws(() => openObjectStore("file://"), code(ObjectStoreErrorCode.INVALID_URI));
    assert.throws(() => openObjectStore("no-scheme"), code(ObjectStoreErrorCode.INVALID_URI));
  });

  it("reads s3 options from the URI, then the environment; explicit options win", () => {
    const env = { AWS_ENDPOINT_URL: "http://env:9000", AWS_REGION: "eu-west-1" };
    assert.deepEqual(parseS3Uri("s3://bkt/a/b", {}, env), {
      bucket: "bkt",
      prefix: "a/b",
      endpoint: "http://env:9000",
      region: "eu-west-1",
      forcePathStyle: false,
    });
    const fromQuery = parseS3Uri(
      "s3://bkt?endpoint=http%3A%2F%2Fq%3A1&region=cn-hangzhou&forcePathStyle=true",
      {},
      env,
    );
    assert.equal(fromQuery.endpoint, "http://q:1");
    assert.equal(fromQuery.region, "cn-hangzhou");
    assert.equal(fromQuery.forcePathStyle, true);
    assert.equal(parseS3Uri("s3://bkt", { region: "x" }, env).region, "x");
  });
});

describe("openObjectStore: s3 credentials", () => {
  // The provider fails with a marker: the store asked it, before anything was sent (nothing listens there).
  const marker = (name: string) => async () => {
    throw new Error(`asked ${name}`);
  };

  it("asks s3CredentialsFor with the store's endpoint and environment, and signs with what it gives", async () => {
    const calls: [string | undefined, NodeJS.ProcessEnv][] = [];
    const env = { AWS_REGION: "oss-cn-hangzhou" };
    const store = openObjectStore("s3://b/p?endpoint=http://127.0.0.1:1&forcePathStyle=true", {
      env,
      s3: { maxAttempts: 1 },
      s3CredentialsFor: (endpoint, given) => {
        calls.push([endpoint, given]);
        return marker("the endpoint's provider");
      },
    });
    assert.deepEqual(calls, [["http://127.0.0.1:1", env]]);
    await assert.rejects(store.put("k", Buffer.from("x")), /asked the endpoint's provider/);
    await store.close();
  });

  it("explicit credentials win: s3CredentialsFor is not asked", async () => {
    let asked = false;
    const store = openObjectStore("s3://b/p?endpoint=http://127.0.0.1:1&forcePathStyle=true", {
      env: {},
      s3: { maxAttempts: 1, credentials: marker("the explicit provider") },
      s3CredentialsFor: () => {
        asked = true;
        return marker("the endpoint's provider");
      },
    });
    assert.equal(asked, false);
    await assert.rejects(store.put("k", Buffer.from("x")), /asked the explicit provider/);
    await store.close();
  });
});

describe("splitIntoParts", () => {
  it("cuts chunks into parts of the given size, the last one shorter", () => {
    const data = Buffer.from(Array.from({ length: 23 }, (_, i) => i));
    const parts = splitIntoParts([data.subarray(0, 4), data.subarray(4, 17), data.subarray(17)], 23, 10);
    assert.deepEqual(
      parts.map((p) => p.length),
      [10, 10, 3],
    );
    assert.deepEqual(Buffer.concat(parts), data);
  });
});
