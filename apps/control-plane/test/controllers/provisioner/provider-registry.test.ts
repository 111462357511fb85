import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import type { CloudProvider, ProviderConfig } from "@cirrus/cloud";
import { createProviderRegistry, ProvisioningErrorCode } from "../../../src/controllers/provisioner/index.ts";
import { assertProviderCredentials } from "../../../src/controllers/provisioner/provider-registry.ts";

function recordingRegistry(env: NodeJS.ProcessEnv = {}) {
  const made: ProviderConfig[] = [];
  let closed = 0;
  const registry = createProviderRegistry({
    localDataDir: "/tmp/x",
    env,
    create: (config) => {
      made.push(config);
      return { kind: config.kind, close: async () => void closed++ } as unknown as CloudProvider;
    },
  });
  return { registry, made, closed: () => closed };
}

test("one provider per kind and region, created on first use, all closed together", async () => {
  const { registry, made, closed } = recordingRegistry();
  const a = registry.providerFor({ provider: "aws", region: "us-east-1" });
  assert.equal(registry.providerFor({ provider: "aws", region: "us-east-1" }), a);
  registry.providerFor({ provider: "aws", region: "eu-west-1" });
  registry.providerFor({ provider: "local", region: "anything" });
  registry.providerFor({ provider: "local", region: "else" });
  assert.deepEqual(made, [
    { kind: "aws", region: "us-east-1" },
    { kind: "aws", region: "eu-west-1" },
    { kind: "local", dataDir: "/tmp/x" },
  ]);
  await registry.close();
  assert.equal(closed(), 3);
});

test("aliyun takes the access key pair from env when both halves are there, else the default chain", () => {
  const half = recordingRegistry({ ALIBABA_CLOUD_ACCESS_KEY_ID: "id" });
  half.registry.providerFor({ provider: "aliyun", region: "cn-hangzhou" });
  assert.deepEqual(half.made, [{ kind: "aliyun", regionId: "cn-hangzhou" }]);
  const ok = recordingRegistry({ ALIBABA_CLOUD_ACCESS_KEY_ID: "id", ALIBABA_CLOUD_ACCESS_KEY_SECRET: "s" });
  ok.registry.providerFor({ provider: "aliyun", region: "cn-hangzhou" });
  assert.deepEqual(ok.made, [
    { kind: "aliyun", regionId: "cn-hangzhou", accessKeyId: "id", accessKeySecret: "s" },
  ]);
});

test("a provider that cannot be built becomes PROVIDER_UNAVAILABLE with the cause kept", () => {
  const registry = createProviderRegistry({
    localDataDir: "/tmp/x",
    create: () => {
      throw new Error("no region configured");
    },
  });
  assert.throws(
    () => registry.providerFor({ provider: "aws", region: "us-east-1" }),
    (error: Error & { code?: string }) =>
      error.code === ProvisioningErrorCode.PROVIDER_UNAVAILABLE &&
      /no region configured/.test(error.message) &&
      error.cause instanceof Error,
  );
});

/** An environment in which the AWS SDK's default chain finds nothing (no keys, no files, no instance role). */
function withoutAwsCredentials(): () => void {
  const saved = { ...process.env };
  for (const name of Object.keys(process.env)) if (name.startsWith("AWS_")) delete process.env[name];
  Object.assign(process.env, {
    AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/credentials",
    AWS_CONFIG_FILE: "/nonexistent/config",
    AWS_EC2_METADATA_DISABLED: "true",
  });
  return () => {
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
    Object.assign(process.env, saved);
  };
}

test("credentials are checked before a cloud cluster is made: what is missing is named", async () => {
  const missing = (error: unknown, what: RegExp) => {
    const e = error as { code?: string; message?: string };
    return e.code === ProvisioningErrorCode.CREDENTIALS_MISSING && what.test(e.message ?? "");
  };
  await assertProviderCredentials({ provider: "local", region: "local" }, {});
  await assert.rejects(assertProviderCredentials({ provider: "aliyun", region: "cn-hangzhou" }, {}), (e) =>
    missing(e, /ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET/),
  );
  const dir = mkdtempSync(join(tmpdir(), "cirrus-secrets-"));
  try {
    writeFileSync(join(dir, "secret"), "s\n");
    await assertProviderCredentials(
      { provider: "aliyun", region: "cn-hangzhou" },
      { ALIBABA_CLOUD_ACCESS_KEY_ID: "id", ALIBABA_CLOUD_ACCESS_KEY_SECRET_FILE: join(dir, "secret") },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const restore = withoutAwsCredentials();
  try {
    await assert.rejects(assertProviderCredentials({ provider: "aws", region: "us-east-1" }), (e) =>
      missing(e, /AWS credentials/),
    );
    process.env.AWS_ACCESS_KEY_ID = "AKIAEXAMPLE";
    process.env.AWS_SECRET_ACCESS_KEY = "secret";
    await assertProviderCredentials({ provider: "aws", region: "us-east-1" });
  } finally {
    restore();
  }
});
