import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { controlPlaneStack } from "../../src/aws/control-plane-stack.ts";
import { templateText } from "../../src/templates.ts";
import { skipUnlessInstalled } from "../ci-cache.ts";
import { REPO_ROOT } from "../code-scan/source-files.ts";

/** Installed by .ci/install-cfn-lint.sh (pinned, hash-checked); CI always has it. */
const CFN_LINT = join(REPO_ROOT, ".ci/cache/cfn-lint/bin/cfn-lint");
const skip = skipUnlessInstalled(existsSync(CFN_LINT), "cfn-lint", "install-cfn-lint.sh");

function lint(template: unknown): { status: number; output: string } {
  const dir = mkdtempSync(join(tmpdir(), "cirrus-cfn-"));
  try {
    const file = join(dir, "template.json");
    writeFileSync(file, templateText(template));
    try {
      return { status: 0, output: execFileSync(CFN_LINT, ["--", file], { encoding: "utf8" }) };
    } catch (error) {
      const e = error as { status?: number; stdout?: string };
      return { status: e.status ?? -1, output: e.stdout ?? String(error) };
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("AWS template under cfn-lint", { skip }, () => {
  it("has no error or warning", () => {
    const { status, output } = lint(controlPlaneStack());
    assert.equal(status, 0, output);
  });

  it("is really checked: a broken reference is reported", () => {
    const broken = controlPlaneStack() as { Resources: Record<string, unknown> };
    broken.Resources = {
      ...broken.Resources,
      Extra: { Type: "AWS::EC2::SecurityGroup", Properties: { VpcId: { Ref: "NoSuchParameter" } } },
    };
    const { status, output } = lint(broken);
    assert.notEqual(status, 0);
    assert.match(output, /NoSuchParameter/);
  });
});
