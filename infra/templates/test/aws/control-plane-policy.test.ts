import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import {
  BOOT_STATEMENTS,
  IMPLIED_ACTIONS,
  IMPLIED_STATEMENTS,
  PROVIDER_STATEMENTS,
} from "../../src/aws/control-plane-policy.ts";
import { CONTROL_PLANE_USER_DATA } from "../../src/aws/control-plane-user-data.ts";
import { grantedActions, sub } from "../../src/aws/iam-policy.ts";
import { CLUSTER_TAG, FLEET_TAG, resourceTagged } from "../../src/aws/tags.ts";
import { REPO_ROOT } from "../code-scan/source-files.ts";
import { controlPlaneCodeActions, missingFrom } from "./code-actions.ts";

describe("control-plane role (AWS)", () => {
  const code = controlPlaneCodeActions();

  it("grants every action the aws provider and the object purge call, and no other", () => {
    const granted = grantedActions(PROVIDER_STATEMENTS);
    assert.deepEqual(missingFrom(code.keys(), granted), [], "called by the code but not granted");
    assert.deepEqual(missingFrom(granted, code), [], "granted but never called (least privilege)");
    // The derivation itself finds the calls it should (a scan that finds nothing would pass the above only if
    // the policy were empty too).
    for (const a of [
      "autoscaling:CreateAutoScalingGroup",
      "ec2:AttachVolume",
      "cloudwatch:GetMetricData",
      "s3:DeleteObject",
    ])
      assert.ok(code.has(a), `${a} derived from the code`);
  });

  it("grants an implied action only while the calls that need it are in the code", () => {
    assert.deepEqual(
      [...grantedActions(IMPLIED_STATEMENTS)].sort(),
      IMPLIED_ACTIONS.map((i) => i.action).sort(),
    );
    for (const implied of IMPLIED_ACTIONS)
      assert.deepEqual(
        missingFrom(implied.by, code),
        [],
        `${implied.action} is implied by calls the code no longer makes`,
      );
  });

  it("lets the boot script read exactly the release and the secrets it reads", () => {
    const cli: Record<string, string> = {
      "s3 cp": "s3:GetObject",
      "secretsmanager get-secret-value": "secretsmanager:GetSecretValue",
    };
    const used = new Set(
      [...CONTROL_PLANE_USER_DATA.matchAll(/(?:^|\$\()aws (\S+) (\S+)/gm)].map(([, service, command]) => {
        const action = cli[`${service} ${command}`];
        assert.ok(action, `aws ${service} ${command} in the user data: which IAM action is it?`);
        return action;
      }),
    );
    assert.deepEqual([...used].sort(), [...grantedActions(BOOT_STATEMENTS)].sort());
  });

  it("scopes every mutating action by resource or by the tags the code sets", () => {
    for (const s of [...PROVIDER_STATEMENTS, ...IMPLIED_STATEMENTS]) {
      const readOnly = s.Action.every((a) => /:(Describe|Get|List)/.test(a) && a !== "ssm:GetParameters");
      if (readOnly) continue;
      assert.ok(
        s.Resource !== "*" || s.Condition,
        `${s.Sid}: ${s.Action.join(", ")} on every resource, unconditioned`,
      );
    }
  });

  it("lets the role launch instances only from its fleets' launch templates", () => {
    const launchTemplates = "launch-template/*";
    const runs = [...PROVIDER_STATEMENTS, ...IMPLIED_STATEMENTS].filter((s) =>
      s.Action.some((a) => a === "ec2:RunInstances" || a === "ec2:*" || a === "*"),
    );
    assert.ok(runs.length > 0, "ec2:RunInstances is granted (Auto Scaling checks it)");
    for (const s of runs) {
      assert.deepEqual(s.Action, ["ec2:RunInstances"], `${s.Sid}: RunInstances in a statement of its own`);
      const resources = (Array.isArray(s.Resource) ? s.Resource : [s.Resource]).map((r) => JSON.stringify(r));
      assert.ok(!resources.includes('"*"'), `${s.Sid}: RunInstances on every resource`);
      if (resources.some((r) => r.includes(launchTemplates))) {
        // The template resource: only one tagged as a fleet's (the tag CreateLaunchTemplate must set).
        const ownTemplates = sub(
          "arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:launch-template/*",
        );
        assert.deepEqual(
          resources,
          [JSON.stringify(ownTemplates)],
          `${s.Sid}: templates of this account only`,
        );
        assert.deepEqual(s.Condition, resourceTagged(FLEET_TAG), `${s.Sid}: any launch template`);
      } else {
        // Everything else the launch uses: only when it goes through a launch template of this account.
        assert.ok(
          JSON.stringify(s.Condition?.ArnLike?.["ec2:LaunchTemplate"] ?? "").includes(launchTemplates),
          `${s.Sid}: RunInstances without a launch template`,
        );
        assert.equal(
          Object.keys(s.Condition ?? {}).length,
          1,
          `${s.Sid}: only the launch template condition`,
        );
      }
    }
    assert.ok(
      runs.some((s) => JSON.stringify(s.Resource).includes("launch-template/*")),
      "the template itself must be allowed, or no group can launch",
    );
  });

  it("uses the tag keys the code puts on groups, instances, templates and volumes", () => {
    const read = (path: string) => readFileSync(join(REPO_ROOT, path), "utf8");
    assert.match(read("libs/cloud/src/aws/launch-template.ts"), new RegExp(`FLEET_TAG = "${FLEET_TAG}"`));
    assert.match(
      read("apps/control-plane/src/controllers/provisioner/wal-volumes.ts"),
      new RegExp(`"${CLUSTER_TAG}": clusterId`),
    );
    assert.match(
      read("apps/control-plane/src/controllers/provisioner/cluster-fleet.ts"),
      new RegExp(`tags: \\{ "${CLUSTER_TAG}": clusterId \\}`),
    );
  });
});
