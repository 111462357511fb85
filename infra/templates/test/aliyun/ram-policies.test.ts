import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import {
  brokerRamPolicy,
  CMS_ACTIONS,
  controlPlaneRamPolicy,
  ECS_ACTIONS,
  ESS_ACTIONS,
  type RamPolicy,
} from "../../src/aliyun/ram-policies.ts";
import { brokerCodeActions, controlPlaneCodeActions } from "../aws/code-actions.ts";
import { essActions, generatedClientActions } from "../code-scan/aliyun-calls.ts";
import { REPO_ROOT, sourceFiles } from "../code-scan/source-files.ts";

/** Alibaba's official ESS 2014-08-28 request classes, unpacked by .ci/install-cloud-definitions.sh. */
const ESS_DEFINITIONS = join(REPO_ROOT, ".ci/cache/cloud-definitions/aliyunsdkess/request/v20140828");

/** OSS's RAM action for each S3 permission the object store's S3-compatible calls need. */
const OSS_FOR_S3: Readonly<Record<string, string>> = {
  "s3:AbortMultipartUpload": "oss:AbortMultipartUpload",
  "s3:DeleteObject": "oss:DeleteObject",
  "s3:GetObject": "oss:GetObject",
  "s3:ListBucket": "oss:ListObjects",
  "s3:PutObject": "oss:PutObject",
};

/** The OSS actions behind the S3 calls the code makes (derived as for AWS, test/aws/code-actions.ts). */
function ossActions(code: Map<string, string>): Set<string> {
  return new Set(
    [...code.keys()]
      .filter((a) => a.startsWith("s3:"))
      .map((a) => {
        const oss = OSS_FOR_S3[a];
        assert.ok(oss, `${a}: which OSS action?`);
        return oss;
      }),
  );
}

const granted = (policy: RamPolicy) => new Set(policy.Statement.flatMap((s) => s.Action));
const sorted = (items: Iterable<string>) => [...items].sort();

describe("RAM policies (Alibaba Cloud)", () => {
  const files = sourceFiles("libs/cloud/src/aliyun");

  it("grant exactly the ESS, ECS and CloudMonitor actions the aliyun provider calls", () => {
    assert.deepEqual(sorted(ESS_ACTIONS), sorted(essActions(files)));
    assert.deepEqual(
      sorted(ECS_ACTIONS),
      sorted(generatedClientActions(files, "ecs", "@alicloud/ecs20140526")),
    );
    assert.deepEqual(
      sorted(CMS_ACTIONS),
      sorted(generatedClientActions(files, "cms", "@alicloud/cms20190101")),
    );
  });

  it("name only ESS actions Alibaba's official ESS definitions define", {
    skip: existsSync(ESS_DEFINITIONS) || process.env.CI ? false : "bash .ci/install-cloud-definitions.sh",
  }, () => {
    const undefinedActions = ESS_ACTIONS.filter((a) => !existsSync(join(ESS_DEFINITIONS, `${a}Request.py`)));
    assert.deepEqual(undefinedActions, []);
  });

  it("give the control plane the object purge's OSS actions on the bucket, and pass only the brokers' role", () => {
    const policy = controlPlaneRamPolicy("my-bucket", "cirrus-broker");
    const actions = granted(policy);
    assert.deepEqual(
      sorted([...actions].filter((a) => a.startsWith("oss:"))),
      sorted(ossActions(controlPlaneCodeActions())),
    );
    assert.deepEqual(sorted([...actions].filter((a) => a.startsWith("ram:"))), [
      "ram:CreateServiceLinkedRole",
      "ram:PassRole",
    ]);
    const linked = policy.Statement.find((s) => s.Action.includes("ram:CreateServiceLinkedRole"));
    assert.deepEqual(linked?.Condition, { StringEquals: { "ram:ServiceName": "ess.aliyuncs.com" } });
    const pass = policy.Statement.find((s) => s.Action.includes("ram:PassRole"));
    assert.equal(pass?.Resource, "acs:ram:*:*:role/cirrus-broker");
    for (const s of policy.Statement.filter((s) => s.Action.some((a) => a.startsWith("oss:"))))
      assert.match(String(s.Resource), /^acs:oss:\*:\*:my-bucket(\/\*)?$/);
  });

  it("give brokers their bucket's object actions and nothing else", () => {
    const actions = granted(brokerRamPolicy("my-bucket"));
    assert.ok([...actions].every((a) => a.startsWith("oss:")));
    assert.deepEqual(sorted(actions), sorted(ossActions(brokerCodeActions())));
  });
});
