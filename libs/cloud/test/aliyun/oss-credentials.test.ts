import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { aliyunCredential } from "../../src/aliyun/aliyun-credentials.ts";
import {
  aliyunS3Credentials,
  isOssEndpoint,
  objectStoreCredentials,
} from "../../src/aliyun/oss-credentials.ts";
import { CloudErrorCode, isCloudError } from "../../src/errors.ts";

describe("OSS credentials for the S3 client", () => {
  it("knows OSS endpoints by their aliyuncs.com host, nothing else", () => {
    assert.equal(isOssEndpoint("https://oss-cn-hangzhou.aliyuncs.com"), true);
    assert.equal(isOssEndpoint("https://oss-cn-hangzhou-internal.aliyuncs.com"), true);
    assert.equal(isOssEndpoint("https://cirrus.oss-cn-hangzhou.aliyuncs.com:443"), true);
    assert.equal(isOssEndpoint("https://s3.us-east-1.amazonaws.com"), false);
    assert.equal(isOssEndpoint("http://127.0.0.1:9000"), false);
    assert.equal(isOssEndpoint("https://notaliyuncs.com"), false);
    assert.equal(isOssEndpoint("https://aliyuncs.com.example.org"), false);
    assert.equal(isOssEndpoint("not a url"), false);
    assert.equal(isOssEndpoint(undefined), false);
  });

  it("picks the aliyun chain for OSS, unless the environment gives the S3 SDK a static pair", () => {
    const oss = "https://oss-cn-hangzhou-internal.aliyuncs.com";
    assert.equal(typeof objectStoreCredentials(oss, {}), "function");
    assert.equal(objectStoreCredentials(oss, { AWS_ACCESS_KEY_ID: "AKIASTATIC" }), undefined);
    assert.equal(objectStoreCredentials("https://s3.us-east-1.amazonaws.com", {}), undefined);
    assert.equal(objectStoreCredentials(undefined, {}), undefined);
  });

  it("hands the S3 SDK the STS triple, marked for asking again before the next request", async () => {
    const provider = aliyunS3Credentials(
      aliyunCredential({ accessKeyId: "STS.id", accessKeySecret: "secret", securityToken: "token" }),
    );
    const identity = await provider();
    assert.equal(identity.accessKeyId, "STS.id");
    assert.equal(identity.secretAccessKey, "secret");
    assert.equal(identity.sessionToken, "token");
    // The S3 SDK keeps an identity until 5 minutes before its expiration: this one it asks for again.
    assert.ok(identity.expiration && identity.expiration.getTime() <= Date.now());
  });

  it("a plain access key pair: no session token", async () => {
    const identity = await aliyunS3Credentials(
      aliyunCredential({ accessKeyId: "LTAI", accessKeySecret: "s" }),
    )();
    assert.equal(identity.sessionToken, undefined);
    assert.equal(identity.accessKeyId, "LTAI");
  });

  it("a chain that gives half a pair: CLOUD_CREDENTIALS_MISSING naming every option, not the half", async () => {
    const provider = aliyunS3Credentials(
      aliyunCredential({
        provider: {
          getProviderName: () => "half",
          getCredentials: async () => ({ accessKeyId: "LTAIHALFPAIR", providerName: "half" }) as never,
        },
      }),
    );
    await assert.rejects(provider(), (error: unknown) => {
      assert.ok(isCloudError(error, CloudErrorCode.CREDENTIALS_MISSING));
      assert.match(error.message, /ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET/);
      assert.match(error.message, /incomplete pair/);
      assert.doesNotMatch(error.message, /LTAIHALFPAIR/);
      return true;
    });
  });
});
