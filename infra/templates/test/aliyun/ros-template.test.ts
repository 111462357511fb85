import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ALIYUN_CONTROL_PLANE_USER_DATA } from "../../src/aliyun/control-plane-user-data.ts";
import { controlPlaneRamPolicy } from "../../src/aliyun/ram-policies.ts";
import { rosStack } from "../../src/aliyun/ros-stack.ts";
import { skipUnlessInstalled } from "../ci-cache.ts";
import { rosDefinitions } from "./ros-definitions.ts";
import { rosTemplateProblems } from "./ros-template-check.ts";

const definitions = rosDefinitions();
const skip = skipUnlessInstalled(definitions !== undefined, "ROS definitions", "install-ros-definitions.sh");

describe("ROS template (Alibaba Cloud)", { skip }, () => {
  it("uses only resource types, properties and attributes the ROS definitions define, every reference resolved", () => {
    assert.deepEqual(rosTemplateProblems(rosStack(), definitions!), []);
  });

  it("is really checked: a wrong property, a missing required one and a wrong attribute are reported", () => {
    const broken = structuredClone(rosStack());
    const instance = broken.Resources.ControlPlaneInstance.Properties as Record<string, unknown>;
    instance.RamRole = instance.RamRoleName;
    delete instance.InstanceType;
    instance.Description = { "Fn::GetAtt": ["Database", "NoSuchAttribute"] };
    const problems = rosTemplateProblems(broken, definitions!);
    assert.ok(
      problems.some((p) => /has no property RamRole$/.test(p)),
      problems.join("\n"),
    );
    assert.ok(
      problems.some((p) => /InstanceType is required/.test(p)),
      problems.join("\n"),
    );
    assert.ok(
      problems.some((p) => /no attribute NoSuchAttribute/.test(p)),
      problems.join("\n"),
    );
  });

  it("gives the control-plane role the RAM policy checked against the code, with the template's names", () => {
    const role = rosStack().Resources.ControlPlaneRole.Properties;
    const document = JSON.stringify(role.Policies[0]?.PolicyDocument);
    const expected = controlPlaneRamPolicy("B", "R");
    for (const action of expected.Statement.flatMap((s) => s.Action))
      assert.ok(document.includes(`"${action}"`), action);
    assert.match(document, /\{"Fn::Sub":"acs:oss:\*:\*:\$\{BucketName\}"\}/);
    assert.match(document, /\{"Fn::Sub":"acs:ram:\*:\*:role\/\$\{BrokerRoleName\}"\}/);
  });

  it("boots with the role the instance runs as", () => {
    assert.match(ALIYUN_CONTROL_PLANE_USER_DATA, /ALIBABA_CLOUD_ECS_METADATA=\$\{ControlPlaneRoleName\}/);
  });
});
