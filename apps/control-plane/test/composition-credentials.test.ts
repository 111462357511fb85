// POST /v1/clusters checks the credentials the composition's provisioner will use: the `env` given to
// composeControlPlane, not this process's environment. Before, a control plane composed with its cloud
// keys in `env` (how main.ts hands over secrets read from files, and how the emulated regions run it) refused
// every aliyun cluster with 422 CREDENTIALS_MISSING that its provider registry could in fact create.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type ComposedControlPlane, composeControlPlane } from "../src/composition.ts";
import { loadConfig } from "../src/config.ts";
import { localSpec } from "./helpers/test-app.ts";

const KEYS = ["ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET"] as const;

describe("composeControlPlane: POST /v1/clusters checks the composition's credentials", () => {
  let dir: string;
  const saved = Object.fromEntries(KEYS.map((k) => [k, process.env[k]]));
  const composed: ComposedControlPlane[] = [];
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "cirrus-composition-credentials-"));
    for (const k of KEYS) delete process.env[k];
  });
  after(async () => {
    for (const c of composed) await c.close();
    for (const [k, v] of Object.entries(saved)) if (v !== undefined) process.env[k] = v;
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

  it("refuses it (422 problem+json) when the composition's env lacks them, whatever process.env has", async () => {
    process.env.ALIBABA_CLOUD_ACCESS_KEY_ID = "LTAIprocess";
    process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET = "process-secret";
    try {
      const post = await compose({}, "cpt_composition_credentials_without_keys_02");
      const refused = await post("without-keys");
      assert.equal(refused.statusCode, 422, refused.body);
      assert.equal(refused.json().code, "PROVISIONING_CREDENTIALS_MISSING");
    } finally {
      for (const k of KEYS) delete process.env[k];
    }
  });
});
