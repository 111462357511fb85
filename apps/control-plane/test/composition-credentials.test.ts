// POST /v1/clusters checks the credentials the composition's provisioner will use: an access key pair in the
// `env` given to composeControlPlane (how main.ts hands over secrets read from files, and how the emulated
// regions run it), else @alicloud/credentials' default chain, which reads this process's environment (and
// files, and the ECS metadata service). Before, a control plane composed with its cloud keys in `env` refused
// every aliyun cluster with 422 CREDENTIALS_MISSING that its provider registry could in fact create.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type ComposedControlPlane, composeControlPlane } from "../src/composition.ts";
import { loadConfig } from "../src/config.ts";
import { localSpec } from "./helpers/test-app.ts";

const KEYS = [
  "ALIBABA_CLOUD_ACCESS_KEY_ID",
  "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
  "ALIBABA_CLOUD_ECS_METADATA_DISABLED",
] as const;

describe("composeControlPlane: POST /v1/clusters checks the composition's credentials", () => {
  let dir: string;
  const saved = Object.fromEntries(KEYS.map((k) => [k, process.env[k]]));
  const composed: ComposedControlPlane[] = [];
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "cirrus-composition-credentials-"));
    for (const k of KEYS) delete process.env[k];
    // Nothing for the default chain to find on this machine's metadata service.
    process.env.ALIBABA_CLOUD_ECS_METADATA_DISABLED = "true";
  });
  after(async () => {
    for (const c of composed) await c.close();
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await rm(dir, { recursive: true, force: true });
  });

  const compose = async (env: NodeJS.ProcessEnv, token: string) => {
    const config = loadConfig(
      {},
      {
        databaseUrl: "memory://",
        dataDir: join(dir, token),
        port: 0,
        logLevel: "silent",
        bootstrapAdminToken: token,
      },
    );
    // Not listening: no controller runs, so nothing reaches a cloud; only the API answers.
    const c = await composeControlPlane(config, { env });
    composed.push(c);
    return (name: string) =>
      c.controlPlane.app.server.inject({
        method: "POST",
        url: "/v1/clusters",
        headers: { authorization: `Bearer ${token}` },
        payload: {
          name,
          spec: {
            ...localSpec,
            provider: "aliyun",
            region: "cn-hangzhou",
            zones: ["cn-hangzhou-h"],
            aliyun: {
              imageId: "aliyun_3_x64_20G_alibase_20240819.vhd",
              vSwitches: { "cn-hangzhou-h": "vsw-h" },
              securityGroupId: "sg-1",
            },
          },
        },
      });
  };

  it("accepts an aliyun cluster when the keys are in the composition's env, not in process.env", async () => {
    const post = await compose(
      { ALIBABA_CLOUD_ACCESS_KEY_ID: "LTAIexample", ALIBABA_CLOUD_ACCESS_KEY_SECRET: "secret" },
      "cpt_composition_credentials_with_keys_0001",
    );
    const created = await post("with-keys");
    assert.equal(created.statusCode, 202, created.body);
  });

  it("without a pair in the composition's env, the default chain decides: 422 problem+json when it finds nothing", async () => {
    const post = await compose({}, "cpt_composition_credentials_without_keys_02");
    const refused = await post("without-keys");
    assert.equal(refused.statusCode, 422, refused.body);
    assert.match(String(refused.headers["content-type"]), /application\/problem\+json/);
    assert.equal(refused.json().code, "PROVISIONING_CREDENTIALS_MISSING");
    assert.match(refused.json().detail, /ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET/);
    assert.match(refused.json().detail, /ECS RAM role/);
  });

  it("and accepts the cluster once the chain finds a pair (an STS token here) in the process environment", async () => {
    process.env.ALIBABA_CLOUD_ACCESS_KEY_ID = "STS.process";
    process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET = "process-secret";
    process.env.ALIBABA_CLOUD_SECURITY_TOKEN = "process-token";
    try {
      const post = await compose({}, "cpt_composition_credentials_from_chain_03");
      const created = await post("from-chain");
      assert.equal(created.statusCode, 202, created.body);
      assert.ok(!created.body.includes("process-secret"));
    } finally {
      for (const k of [...KEYS, "ALIBABA_CLOUD_SECURITY_TOKEN"]) delete process.env[k];
      process.env.ALIBABA_CLOUD_ECS_METADATA_DISABLED = "true";
    }
  });
});
