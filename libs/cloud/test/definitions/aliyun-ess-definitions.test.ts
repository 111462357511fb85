import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  essDefinitions,
  parameterPattern,
  parseRequestClass,
  undefinedParameters,
} from "./aliyun-ess-definitions.ts";

describe("ESS 2014-08-28 request definitions (official aliyun-python-sdk-ess)", () => {
  it("reads plain, repeated, nested and numbered parameter names from a request class", () => {
    const parsed = parseRequestClass(`
		RpcRequest.__init__(self, 'Ess', '2014-08-28', 'Demo','ess')
		self.add_query_param('ScalingGroupId', ScalingGroupId)
			self.add_query_param('InstanceId.' + str(depth1 + 1), InstanceId[depth1])
				self.add_query_param('Tag.' + str(depth1 + 1) + '.Key', Tag[depth1].get('Key'))
						self.add_query_param('V.' + str(depth1 + 1) + '.A.'  + str(depth2 + 1) + '.Port', x)
		self.add_query_param('RemovalPolicy.2', RemovalPolicy2)
		self.add_query_param("LifecycleHookContext", json.dumps(LifecycleHookContext))`);
    assert.equal(parsed.action, "Demo");
    assert.equal(parsed.version, "2014-08-28");
    assert.deepEqual([...parsed.params].sort(), [
      "InstanceId.N",
      "LifecycleHookContext",
      "RemovalPolicy.N",
      "ScalingGroupId",
      "Tag.N.Key",
      "V.N.A.N.Port",
    ]);
    assert.equal(
      parameterPattern("VServerGroup.3.VServerGroupAttribute.12.Port"),
      "VServerGroup.N.VServerGroupAttribute.N.Port",
    );
  });

  it("knows every action the aliyun provider calls, at version 2014-08-28", () => {
    const defs = essDefinitions();
    assert.equal(defs.version, "2014-08-28");
    for (const action of [
      "CreateScalingGroup",
      "CreateScalingConfiguration",
      "CreateLifecycleHook",
      "EnableScalingGroup",
      "ModifyScalingGroup",
      "ModifyScalingConfiguration",
      "ScaleWithAdjustment",
      "RemoveInstances",
      "SetInstancesProtection",
      "DescribeScalingGroups",
      "DescribeScalingInstances",
      "DescribeScalingActivities",
      "DescribeLifecycleActions",
      "DescribeLifecycleHooks",
      "DescribeScalingConfigurations",
      "CompleteLifecycleAction",
      "RecordLifecycleActionHeartbeat",
      "DeleteScalingGroup",
      "ListTagResources",
    ]) {
      assert.ok(defs.actions.has(action), action);
    }
  });

  it("lists the parameters an action does not define", () => {
    const defs = essDefinitions();
    assert.deepEqual(
      undefinedParameters(defs, "RemoveInstances", {
        RegionId: "cn-hangzhou",
        ScalingGroupId: "asg",
        "InstanceId.1": "i-1",
        "InstanceIds.1": "i-1",
      }),
      ["InstanceIds.1"],
    );
    assert.deepEqual(undefinedParameters(defs, "Nope", {}), ["action Nope"]);
  });
});
