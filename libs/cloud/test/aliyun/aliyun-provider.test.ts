import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { aliyunBaselineBandwidth } from "../../src/aliyun/aliyun-bandwidth.ts";
import { createAliyunClients } from "../../src/aliyun/aliyun-clients.ts";
import { aliyunCredential } from "../../src/aliyun/aliyun-credentials.ts";
import { fromAliyunError } from "../../src/aliyun/aliyun-errors.ts";
import { AliyunProvider } from "../../src/aliyun/aliyun-provider.ts";
import { EssRpc, flattenRpcQuery } from "../../src/aliyun/ess-rpc.ts";
import { CloudErrorCode, isCloudError } from "../../src/errors.ts";
import type { FleetSpec } from "../../src/provider.ts";
import { fakeCms, fakeEcs } from "../fakes/aliyun-fake-ecs-cms.ts";
import { fakeEss } from "../fakes/aliyun-fake-ess.ts";
import { aliyunError, FakeAliyunAccount } from "../fakes/aliyun-fake-state.ts";

function setup() {
  const account = new FakeAliyunAccount();
  const cms = fakeCms(account);
  const provider = new AliyunProvider({
    regionId: account.regionId,
    pollIntervalMs: 20,
    clients: { ess: fakeEss(account), ecs: fakeEcs(account), cms },
  });
  const spec: FleetSpec = {
    name: "brokers",
    minSize: 0,
    maxSize: 6,
    desiredCapacity: 3,
    zones: account.zones,
    instanceTypes: ["ecs.g7.large", "ecs.g8i.large"],
    onDemandBaseCapacity: 1,
    onDemandPercentageAboveBase: 0,
    capacityRebalance: true,
    terminationHook: { heartbeatTimeoutSeconds: 600, defaultResult: "CONTINUE" },
    launch: { command: "/opt/cirrus/broker", args: [], env: {} },
    aliyun: { imageId: "img-1", vSwitchIds: ["vsw-h", "vsw-i"], securityGroupId: "sg-1" },
  };
  const sent = (action: string) => account.requests.filter((r) => r.action === action).map((r) => r.args);
  return { account, provider, spec, sent, cms };
}

describe("aliyun provider requests", () => {
  it("numbers repeated RPC fields and leaves out undefined ones", () => {
    assert.deepEqual(
      flattenRpcQuery({
        InstanceId: ["a", "b"],
        Tag: [{ Key: "k", Value: "v" }],
        Flag: true,
        N: 3,
        Skip: undefined,
      }),
      {
        "InstanceId.1": "a",
        "InstanceId.2": "b",
        "Tag.1.Key": "k",
        "Tag.1.Value": "v",
        Flag: "true",
        N: "3",
      },
    );
  });

  it("creates group (COST_OPTIMIZED), spot configuration, SCALE_IN hook, then enables, as RPC calls", async () => {
    const { provider, spec, sent } = setup();
    await provider.createFleet(spec);
    const [group] = sent("CreateScalingGroup");
    assert.equal(group!.MultiAZPolicy, "COST_OPTIMIZED");
    assert.equal(group!.OnDemandBaseCapacity, "1");
    assert.equal(group!.OnDemandPercentageAboveBaseCapacity, "0");
    assert.equal(group!["VSwitchIds.2"], "vsw-i");
    assert.equal(group!.SpotInstanceRemedy, "true");
    const [config] = sent("CreateScalingConfiguration");
    assert.equal(config!.SpotStrategy, "SpotAsPriceGo");
    assert.equal(config!["InstanceTypes.1"], "ecs.g7.large");
    assert.match(Buffer.from(String(config!.UserData), "base64").toString(), /exec '\/opt\/cirrus\/broker'/);
    assert.equal(sent("CreateLifecycleHook")[0]!.LifecycleTransition, "SCALE_IN");
    assert.equal(sent("EnableScalingGroup").length, 1);
    const instances = await provider.listInstances("brokers");
    assert.deepEqual(instances.map((i) => i.lifecycle).sort(), ["on-demand", "spot", "spot"]);
    await provider.createFleet(spec);
    assert.equal(sent("CreateScalingGroup").length, 1, "an existing active group is returned as is");
  });

  it("finishes a create that crashed after the group was made", async () => {
    const { account, provider, spec, sent } = setup();
    await assert.rejects(
      provider.createFleet({ ...spec, aliyun: { ...spec.aliyun!, securityGroupId: "" } }),
      (e) => isCloudError(e, CloudErrorCode.INVALID_ARGUMENT),
    );
    // Simulate the crash: the group exists, inactive, with nothing else.
    const ess = fakeEss(account);
    await ess.callApi(
      { action: "CreateScalingGroup", version: "2014-08-28", style: "RPC", pathname: "/" } as never,
      {
        query: {
          RegionId: account.regionId,
          ScalingGroupName: "brokers",
          MinSize: "0",
          MaxSize: "6",
          DesiredCapacity: "3",
          "VSwitchIds.1": "vsw-h",
        },
      } as never,
      {} as never,
    );
    assert.equal((await provider.describeFleet("brokers"))?.status, "incomplete", "Inactive is not done");
    const fleet = await provider.createFleet(spec);
    assert.equal(fleet.status, "active");
    assert.equal(sent("EnableScalingGroup").length, 1, "the Inactive group is enabled");
    assert.equal(sent("CreateScalingGroup").length, 1, "the leftover group is reused");
    assert.equal((await provider.listInstances("brokers")).length, 3);
  });

  it("sends ClientTokens derived from the request: a lost response retried makes nothing twice", async () => {
    const { account, provider, spec, sent } = setup();
    await provider.createFleet(spec);
    const [group] = sent("CreateScalingGroup");
    const [config] = sent("CreateScalingConfiguration");
    assert.match(String(group!.ClientToken), /^sg-[0-9a-f]{40}$/);
    assert.match(String(config!.ClientToken), /^sc-[0-9a-f]{40}$/);
    const ess = new EssRpc(fakeEss(account), account.regionId);
    // The first response was lost: the same request again answers with the same group.
    const again = await ess.call<{ ScalingGroupId: string }>("CreateScalingGroup", group as never);
    assert.equal(again.ScalingGroupId, [...account.groups.values()][0]!.id);
    assert.equal(account.groups.size, 1);
    await assert.rejects(
      ess.call("CreateScalingGroup", { ...(group as Record<string, string>), MaxSize: "7" }),
      /IdempotentParameterMismatch|already used clientToken/,
    );
  });

  it("updates instance types and user data on the scaling configuration, sizes on the group", async () => {
    const { provider, spec, sent } = setup();
    await provider.createFleet(spec);
    await provider.updateFleet("brokers", {
      instanceTypes: ["ecs.g8i.xlarge"],
      launch: { command: "/b2", args: [], env: {} },
      maxSize: 9,
    });
    const [config] = sent("ModifyScalingConfiguration");
    assert.equal(config!["InstanceTypes.1"], "ecs.g8i.xlarge");
    assert.match(Buffer.from(String(config!.UserData), "base64").toString(), /\/b2/);
    assert.equal(sent("ModifyScalingGroup")[0]!.MaxSize, "9");
    assert.equal((await provider.describeFleet("brokers"))?.maxSize, 9);
  });

  it("removes a chosen instance with DecreaseDesiredCapacity and release", async () => {
    const { provider, spec, sent } = setup();
    await provider.createFleet({ ...spec, terminationHook: undefined });
    const [a] = await provider.listInstances("brokers");
    await provider.terminateInstance("brokers", a!.id, { decrementCapacity: false });
    const [remove] = sent("RemoveInstances");
    assert.deepEqual(
      [remove!["InstanceId.1"], remove!.DecreaseDesiredCapacity, remove!.RemovePolicy],
      [a!.id, "false", "release"],
    );
    await provider.setDesiredCapacity("brokers", 2);
    assert.deepEqual(
      [sent("ScaleWithAdjustment")[0]!.AdjustmentType, sent("ScaleWithAdjustment")[0]!.AdjustmentValue],
      ["TotalCapacity", "2"],
    );
  });

  it("creates ESSD disks with a performance level that fits the size", async () => {
    const { provider, sent } = setup();
    await provider.createVolume({
      zone: "cn-hangzhou-h",
      sizeGiB: 10,
      type: "cloud_essd",
      multiAttach: true,
      clientToken: "a",
    });
    await provider.createVolume({
      zone: "cn-hangzhou-h",
      sizeGiB: 40,
      type: "cloud_essd",
      multiAttach: false,
      clientToken: "b",
    });
    assert.deepEqual(
      sent("CreateDisk").map((r) => [r.performanceLevel, r.multiAttach]),
      [
        ["PL0", "Enabled"],
        ["PL1", "Disabled"],
      ],
    );
    await assert.rejects(
      provider.createVolume({
        zone: "cn-hangzhou-h",
        sizeGiB: 0,
        type: "cloud_essd",
        multiAttach: false,
        clientToken: "c",
      }),
      (e) => isCloudError(e, CloudErrorCode.INVALID_ARGUMENT),
    );
  });

  it("reads CloudMonitor bits/s as bytes/s and reports a failed metrics body as METRICS_UNAVAILABLE", async () => {
    const { account, provider } = setup();
    account.traffic.set("i-1", { in: 1000, out: 10 });
    const [rate] = await provider.networkRates(["i-1"], 180);
    assert.deepEqual([rate!.inBytesPerSecond, rate!.outBytesPerSecond], [1000, 10]);
    const broken = new AliyunProvider({
      regionId: account.regionId,
      clients: {
        ess: fakeEss(account),
        ecs: fakeEcs(account),
        cms: {
          ...fakeCms(account),
          describeMetricList: async () => ({ body: { success: false, code: "500", message: "busy" } }),
        },
      },
    });
    await assert.rejects(
      broken.networkRates(["i-1"], 60),
      (e) => isCloudError(e, CloudErrorCode.METRICS_UNAVAILABLE) && e.retriable,
    );
    await assert.rejects(provider.networkRates(["i-1"], -1), (e) =>
      isCloudError(e, CloudErrorCode.INVALID_ARGUMENT),
    );
  });

  it("heartbeats with the lowerCamelCase parameters ESS documents for that action", async () => {
    const { provider, spec, sent } = setup();
    await provider.createFleet(spec);
    const sub = provider.interruptions();
    const [a] = await provider.listInstances("brokers");
    await provider.terminateInstance("brokers", a!.id, { decrementCapacity: true });
    const notice = (await sub[Symbol.asyncIterator]().next()).value!;
    sub.close();
    const ref = {
      fleet: "brokers",
      instanceId: a!.id,
      hookName: notice.lifecycle!.hookName,
      token: notice.lifecycle!.token,
    };
    await provider.recordLifecycleHeartbeat(ref);
    assert.deepEqual(Object.keys(sent("RecordLifecycleActionHeartbeat")[0]!).sort(), [
      "RegionId",
      "lifecycleActionToken",
      "lifecycleHookId",
    ]);
  });
});

describe("aliyun scaling activities", () => {
  it("runs one scaling activity at a time: CONVERGING while a hooked removal waits, then goes on", async () => {
    const { account, provider, spec, sent } = setup();
    await provider.createFleet(spec);
    const [a, b] = await provider.listInstances("brokers");
    await provider.terminateInstance("brokers", a!.id, { decrementCapacity: true });
    await assert.rejects(
      provider.terminateInstance("brokers", b!.id, { decrementCapacity: true }),
      (e) => isCloudError(e, CloudErrorCode.CONVERGING) && e.retriable,
    );
    await assert.rejects(provider.setDesiredCapacity("brokers", 1), (e) =>
      isCloudError(e, CloudErrorCode.CONVERGING),
    );
    assert.equal(sent("RemoveInstances").length, 1, "the second removal was never sent");
    assert.equal(sent("ScaleWithAdjustment").length, 0);
    const action = account.lifecycleActions[0]!;
    await provider.completeLifecycleAction(
      { fleet: "brokers", instanceId: a!.id, hookName: action.hookId, token: action.token },
      "CONTINUE",
    );
    await provider.terminateInstance("brokers", b!.id, { decrementCapacity: true });
    assert.equal(sent("RemoveInstances").length, 2);
  });

  it("the ESS fake refuses a removal while an activity runs, as ESS does", async () => {
    const { account, provider, spec } = setup();
    await provider.createFleet(spec);
    const [a, b] = await provider.listInstances("brokers");
    await provider.terminateInstance("brokers", a!.id, { decrementCapacity: true });
    const ess = new EssRpc(fakeEss(account), account.regionId);
    await assert.rejects(
      ess.call("RemoveInstances", {
        ScalingGroupId: [...account.groups.values()][0]!.id,
        InstanceId: [b!.id],
      }),
      (e) => isCloudError(e, CloudErrorCode.CONVERGING) && /ScalingActivityInProgress/.test(e.message),
    );
  });
});

describe("aliyun errors, clients and bandwidth", () => {
  it("maps Tea error codes to stable codes", () => {
    const throttled = fromAliyunError(
      aliyunError("Throttling.User", "Request was denied due to user flow control."),
      "X",
    );
    assert.deepEqual([throttled.code, throttled.retriable], [CloudErrorCode.THROTTLED, true]);
    assert.equal(
      fromAliyunError(aliyunError("InvalidDiskId.NotFound", "x"), "X", CloudErrorCode.VOLUME_NOT_FOUND).code,
      CloudErrorCode.VOLUME_NOT_FOUND,
    );
    assert.equal(
      fromAliyunError(aliyunError("IncorrectScalingGroupStatus", "x"), "X").code,
      CloudErrorCode.CONFLICT,
    );
    assert.equal(
      fromAliyunError(
        aliyunError("InvalidParameter.Conflict", "The MaxSize should not be smaller than MinSize."),
        "X",
      ).code,
      CloudErrorCode.CAPACITY_OUT_OF_RANGE,
    );
    assert.equal(
      fromAliyunError(aliyunError("Forbidden.RAM", "no"), "X").code,
      CloudErrorCode.PROVIDER_ERROR,
    );
  });

  it("builds real SDK clients without network access", () => {
    const clients = createAliyunClients({
      regionId: "cn-hangzhou",
      credential: aliyunCredential({ accessKeyId: "id", accessKeySecret: "secret" }),
    });
    assert.equal(typeof clients.ess.callApi, "function");
    assert.equal(typeof clients.ecs.createDisk, "function");
    assert.equal(typeof clients.cms.describeMetricList, "function");
  });

  it("knows baseline bandwidth and refuses unknown types", () => {
    assert.equal(aliyunBaselineBandwidth("ecs.g7.large"), 250_000_000);
    assert.throws(
      () => aliyunBaselineBandwidth("ecs.unknown"),
      (e) => isCloudError(e, CloudErrorCode.UNKNOWN_INSTANCE_TYPE),
    );
  });
});
