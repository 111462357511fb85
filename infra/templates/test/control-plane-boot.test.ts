import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ALIYUN_CONTROL_PLANE_USER_DATA } from "../src/aliyun/control-plane-user-data.ts";
import { CONTROL_PLANE_USER_DATA } from "../src/aws/control-plane-user-data.ts";
import { REPO_ROOT } from "./code-scan/source-files.ts";

/** Read by the cloud SDKs' credential chains, not by the control plane's config. */
const SDK_VARIABLES = new Set(["AWS_REGION", "ALIBABA_CLOUD_ECS_METADATA"]);
const CONFIG = readFileSync(join(REPO_ROOT, "apps/control-plane/src/config.ts"), "utf8");

/** The script as the instance gets it once the template substituted its `${Name}` references. */
const substituted = (script: string) => script.replace(/\$\{[A-Za-z][\w:.]*\}/g, "value");

function bashSyntax(script: string): { status: number | null; stderr: string } {
  const run = spawnSync("bash", ["-n"], { input: script, encoding: "utf8" });
  return { status: run.status, stderr: run.stderr };
}

describe("control-plane boot scripts", () => {
  for (const [cloud, script] of [
    ["aws", CONTROL_PLANE_USER_DATA],
    ["aliyun", ALIYUN_CONTROL_PLANE_USER_DATA],
  ] as const) {
    it(`${cloud}: is valid bash once substituted, and runs main.ts under systemd`, () => {
      const { status, stderr } = bashSyntax(substituted(script));
      assert.equal(status, 0, stderr);
      assert.match(
        script,
        /ExecStart=\/opt\/cirrus\/release\/node_modules\/\.bin\/node apps\/control-plane\/src\/main\.ts/,
      );
      for (const name of ["DATABASE_URL", "CIRRUS_SECRETS_KEY", "ADVERTISED_URL", "HOST", "PORT"])
        assert.match(script, new RegExp(`echo "${name}=`), name);
      // Every variable written is one the control plane reads (config.ts's ENV, `_FILE` for secrets) or an SDK's.
      for (const [, name, file] of script.matchAll(/echo "?([A-Z][A-Z0-9_]*?)(_FILE)?=/g)) {
        if (SDK_VARIABLES.has(name!)) continue;
        assert.match(CONFIG, new RegExp(`: "${name}",`), `${name}${file ?? ""}: not a control-plane setting`);
      }
    });
  }

  it("a broken script is reported (the check can fail)", () => {
    assert.notEqual(bashSyntax(`${substituted(CONTROL_PLANE_USER_DATA)}\nif then\n`).status, 0);
  });
});
