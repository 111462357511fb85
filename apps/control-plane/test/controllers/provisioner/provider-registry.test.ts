import assert from "node:assert/strict";
import { test } from "node:test";
import type { CloudProvider, ProviderConfig } from "@cirrus/cloud";
import { createProviderRegistry, ProvisioningErrorCode } from "../../../src/controllers/provisioner/index.ts";

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

test("aliyun without credentials is a typed, retriable PROVIDER_UNAVAILABLE", () => {
  const { registry } = recordingRegistry({});
  assert.throws(
    () => registry.providerFor({ provider: "aliyun", region: "cn-hangzhou" }),
    (error: { code?: string; retriable?: boolean }) =>
      error.code === ProvisioningErrorCode.PROVIDER_UNAVAILABLE && error.retriable === true,
  );
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
