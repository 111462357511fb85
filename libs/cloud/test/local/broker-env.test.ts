// A local broker gets its launch's environment and only the part of the control plane's own that is meant for
// it: never the database URL, the admin token or cloud API keys of the process that starts it.
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { inheritedBrokerEnv, spawnBroker } from "../../src/local/broker-process.ts";

test("keeps the process basics, LC_*, CIRRUS_* and AWS_*, and nothing else", () => {
  const kept = inheritedBrokerEnv({
    PATH: "/usr/bin",
    HOME: "/root",
    LC_ALL: "C.UTF-8",
    CIRRUS_LOG_LEVEL: "debug",
    AWS_REGION: "eu-west-1",
    DATABASE_URL: "postgres://cp:secret@db/cirrus",
    BOOTSTRAP_ADMIN_TOKEN: "cpt_secret",
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: "secret",
    PORT: "8080",
  });
  assert.deepEqual(Object.keys(kept).sort(), ["AWS_REGION", "CIRRUS_LOG_LEVEL", "HOME", "LC_ALL", "PATH"]);
});

test("a spawned broker process does not see the control plane's secrets", async () => {
  const dir = await mkdtemp(join(tmpdir(), "cirrus-broker-env-"));
  const saved = { ...process.env };
  process.env.DATABASE_URL = "postgres://cp:secret@db/cirrus";
  process.env.BOOTSTRAP_ADMIN_TOKEN = "cpt_secret_admin_token_value";
  try {
    const child = await spawnBroker(
      {
        command: process.execPath,
        args: ["-e", "process.stdout.write(JSON.stringify(Object.keys(process.env)))"],
        env: { CIRRUS_CLUSTER_ID: "c1" },
      },
      { CIRRUS_INSTANCE_ID: "i-1" },
      dir,
    );
    await new Promise((resolve) => child.once("exit", resolve));
    const names = JSON.parse(await readFile(join(dir, "broker.log"), "utf8")) as string[];
    assert.ok(names.includes("CIRRUS_CLUSTER_ID") && names.includes("CIRRUS_INSTANCE_ID"), names.join(","));
    assert.ok(names.includes("PATH"));
    assert.ok(!names.includes("DATABASE_URL") && !names.includes("BOOTSTRAP_ADMIN_TOKEN"), names.join(","));
  } finally {
    process.env = saved;
    await rm(dir, { recursive: true, force: true });
  }
});
