import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fromAwsError } from "../../src/aws/aws-errors.ts";
import { AwsProvider } from "../../src/aws/aws-provider.ts";
import { awsBaselineBandwidth } from "../../src/aws/instance-bandwidth.ts";
import { CloudErrorCode, isCloudError } from "../../src/errors.ts";
import type { FleetSpec } from "../../src/provider.ts";
import { fakeAwsClients } from "../fakes/aws-fake-clients.ts";
import { awsError, FakeAwsAccount } from "../fakes/aws-fake-state.ts";

function setup() {
  const account = new FakeAwsAccount();
  const provider = new AwsProvider({
    region: "us-east-1",
    pollIntervalMs: 20,
    clients: fakeAwsClients(account),
  });
  const spec: FleetSpec = {
    name: "brokers",
    minSize: 0,
    maxSize: 6,
    desiredCapacity: 4,
    zones: account.zones,
    instanceTypes: ["m6i.large", "m7g.large", "r6i.large"],
    onDemandBaseCapacity: 1,
    onDemandPercentageAboveBase: 25,
    capacityRebalance: true,
    terminationHook: { heartbeatTimeoutSeconds: 120, defaultResult: "CONTINUE" },
    launch: { command: "/opt/cirrus/broker", args: ["--x"], env: { CIRRUS_CLUSTER: "c1" } },
    aws: {
      imageId: "ami-0abcdef1234567890",
      subnetIds: ["subnet-aaaa", "subnet-bbbb"],
      securityGroupIds: ["sg-1"],
      instanceProfileArn: "arn:aws:iam::1:instance-profile/b",
    },
  };
  const sent = (command: string) => account.requests.filter((r) => r.command === command).map((r) => r.input);
  return { account, provider, spec, sent };
}

describe("aws provider requests", () => {
  it("creates a launch template (IMDSv2, detailed monitoring, user data) and a mixed-instances ASG", async () => {
    const { provider, spec, sent } = setup();
    await provider.createFleet(spec);
    const [lt] = sent("CreateLaunchTemplate") as { LaunchTemplateData: Record<string, unknown> }[];
    const data = lt!.LaunchTemplateData as {
      UserData: string;
      MetadataOptions: { HttpTokens: string };
      Monitoring: { Enabled: boolean };
    };
    assert.equal(data.MetadataOptions.HttpTokens, "required");
    assert.equal(data.Monitoring.Enabled, true);
    const script = Buffer.from(data.UserData, "base64").toString();
    assert.match(script, /export CIRRUS_FLEET='brokers'/);
    assert.match(script, /exec '\/opt\/cirrus\/broker' '--x'/);
    const [asg] = sent("CreateAutoScalingGroup") as Record<string, unknown>[];
    assert.equal(asg!.VPCZoneIdentifier, "subnet-aaaa,subnet-bbbb");
    assert.equal(asg!.CapacityRebalance, true);
    assert.deepEqual(
      (asg!.MixedInstancesPolicy as { InstancesDistribution: unknown }).InstancesDistribution,
      {
        OnDemandAllocationStrategy: "prioritized",
        OnDemandBaseCapacity: 1,
        OnDemandPercentageAboveBaseCapacity: 25,
        SpotAllocationStrategy: "price-capacity-optimized",
      },
    );
    assert.deepEqual(
      (asg!.MixedInstancesPolicy as { LaunchTemplate: { Overrides: unknown } }).LaunchTemplate.Overrides,
      [{ InstanceType: "m6i.large" }, { InstanceType: "m7g.large" }, { InstanceType: "r6i.large" }],
    );
    assert.deepEqual(asg!.LifecycleHookSpecificationList, [
      {
        LifecycleHookName: "cirrus-terminate",
        LifecycleTransition: "autoscaling:EC2_INSTANCE_TERMINATING",
        HeartbeatTimeout: 120,
        DefaultResult: "CONTINUE",
      },
    ]);
    const instances = await provider.listInstances("brokers");
    assert.equal(
      instances.filter((i) => i.lifecycle === "on-demand").length,
      1,
      "base 1 + 25% of 3 rounded down",
    );
  });

  it("finishes a create that crashed between the launch template and the group", async () => {
    const { account, provider, spec, sent } = setup();
    await provider.createFleet(spec);
    account.groups.delete("brokers"); // as if CreateAutoScalingGroup never happened
    const fleet = await provider.createFleet(spec);
    assert.equal(fleet.desiredCapacity, 4);
    assert.equal(sent("CreateAutoScalingGroup").length, 2);
  });

  it("derives the template's ClientToken from the request: a retry with new user data never mismatches", async () => {
    const { account, provider, spec, sent } = setup();
    await provider.createFleet(spec);
    account.groups.delete("brokers"); // the crash: the template is there, the group is not
    const retried = { ...spec, launch: { ...spec.launch, env: { CIRRUS_CLUSTER: "c1", ROTATED: "yes" } } };
    const fleet = await provider.createFleet(retried);
    assert.equal(fleet.name, "brokers");
    const tokens = sent("CreateLaunchTemplate").map((r) => r.ClientToken as string);
    assert.equal(tokens.length, 2);
    assert.notEqual(tokens[0], tokens[1], "different user data, different token");
    assert.ok(tokens.every((t) => t.length <= 64));
    account.groups.delete("brokers");
    await provider.createFleet(retried);
    assert.equal(sent("CreateLaunchTemplate").at(-1)!.ClientToken, tokens[1], "same request, same token");
    assert.equal(account.launchTemplates.size, 1);
  });

  it("updates the launch through a new template version and the distribution through the ASG", async () => {
    const { provider, spec, sent } = setup();
    await provider.createFleet(spec);
    await provider.updateFleet("brokers", {
      launch: { command: "/opt/cirrus/broker2", args: [], env: {} },
      onDemandPercentageAboveBase: 50,
      maxSize: 8,
    });
    const [version] = sent("CreateLaunchTemplateVersion") as {
      SourceVersion: string;
      LaunchTemplateData: { UserData: string };
    }[];
    assert.equal(version!.SourceVersion, "$Latest");
    assert.match(Buffer.from(version!.LaunchTemplateData.UserData, "base64").toString(), /broker2/);
    const update = sent("UpdateAutoScalingGroup")[0] as {
      MaxSize: number;
      MixedInstancesPolicy: { InstancesDistribution: Record<string, unknown> };
    };
    assert.equal(update.MaxSize, 8);
    assert.equal(update.MixedInstancesPolicy.InstancesDistribution.OnDemandPercentageAboveBaseCapacity, 50);
    assert.equal(
      update.MixedInstancesPolicy.InstancesDistribution.OnDemandBaseCapacity,
      1,
      "unchanged fields are kept",
    );
  });

  it("terminates with ShouldDecrementDesiredCapacity and sets protection on the chosen instance", async () => {
    const { provider, spec, sent } = setup();
    await provider.createFleet({ ...spec, terminationHook: undefined });
    const [a, b] = await provider.listInstances("brokers");
    await provider.setInstanceProtection("brokers", [b!.id], true);
    assert.deepEqual(sent("SetInstanceProtection")[0], {
      AutoScalingGroupName: "brokers",
      InstanceIds: [b!.id],
      ProtectedFromScaleIn: true,
    });
    await provider.terminateInstance("brokers", a!.id, { decrementCapacity: true });
    assert.deepEqual(sent("TerminateInstanceInAutoScalingGroup")[0], {
      InstanceId: a!.id,
      ShouldDecrementDesiredCapacity: true,
    });
  });

  it("creates io2 with IOPS and Multi-Attach, attaches on a free device, force-detaches", async () => {
    const { provider, spec, sent } = setup();
    await provider.createFleet({ ...spec, terminationHook: undefined });
    const [a] = await provider.listInstances("brokers");
    const vol = await provider.createVolume({
      zone: a!.zone,
      sizeGiB: 8,
      type: "io2",
      multiAttach: true,
      clientToken: "t1",
      tags: { cluster: "c1" },
    });
    const [create] = sent("CreateVolume");
    assert.equal(create!.Iops, 3000);
    assert.equal(create!.MultiAttachEnabled, true);
    assert.equal(create!.ClientToken, "t1");
    await provider.attachVolume(vol.id, a!.id);
    assert.equal(sent("AttachVolume")[0]!.Device, "/dev/sdf");
    await provider.detachVolume(vol.id, a!.id, { force: true });
    assert.equal(sent("DetachVolume")[0]!.Force, true);
  });

  it("converts CloudWatch Sums per minute into bytes per second over whole minutes", async () => {
    const { account, provider, sent } = setup();
    account.traffic.set("i-1", { in: 1_000_000, out: 250_000 });
    const [rate] = await provider.networkRates(["i-1", "i-quiet"], 300);
    assert.equal(rate!.instanceId, "i-1");
    assert.equal(rate!.inBytesPerSecond, 1_000_000);
    assert.equal(rate!.outBytesPerSecond, 250_000);
    const [query] = sent("GetMetricData") as { StartTime: Date; EndTime: Date }[];
    assert.equal(
      (query!.EndTime.getTime() - query!.StartTime.getTime()) / 60_000,
      5,
      "a 300 s window is five 1-minute periods",
    );
  });

  it("turns EventBridge events into notices, carrying the lifecycle token", async () => {
    const { provider, spec } = setup();
    await provider.createFleet(spec);
    const [a] = await provider.listInstances("brokers");
    const sub = provider.interruptions();
    const spot = provider.ingestEvent({
      "detail-type": "EC2 Spot Instance Interruption Warning",
      time: "2026-01-01T00:00:00Z",
      detail: { "instance-id": a!.id, "instance-action": "terminate" },
    });
    assert.deepEqual(spot, {
      id: `spot-reclaim:${a!.id}`,
      kind: "spot-reclaim",
      fleet: "brokers",
      instanceId: a!.id,
      deadline: Date.parse("2026-01-01T00:02:00Z"),
    });
    const rebalance = provider.ingestEvent({
      "detail-type": "EC2 Instance Rebalance Recommendation",
      detail: { "instance-id": a!.id },
    });
    assert.equal(rebalance?.kind, "rebalance-recommendation");
    const hook = provider.ingestEvent({
      "detail-type": "EC2 Instance-terminate Lifecycle Action",
      detail: {
        EC2InstanceId: a!.id,
        AutoScalingGroupName: "brokers",
        LifecycleActionToken: "tok",
        LifecycleHookName: "cirrus-terminate",
      },
    });
    assert.deepEqual(hook?.lifecycle, { hookName: "cirrus-terminate", token: "tok" });
    assert.equal(
      provider.ingestEvent({
        "detail-type": "EC2 Spot Instance Interruption Warning",
        detail: { "instance-id": "i-unknown" },
      }),
      undefined,
    );
    assert.equal(provider.ingestEvent({ "detail-type": "Something Else", detail: {} }), undefined);
    const it1 = sub[Symbol.asyncIterator]();
    assert.equal((await it1.next()).value?.kind, "spot-reclaim");
    sub.close();
    await provider.close();
    await assert.rejects(provider.listInstances("brokers"), (e) =>
      isCloudError(e, CloudErrorCode.PROVIDER_CLOSED),
    );
  });
});

describe("aws errors and bandwidth", () => {
  it("maps SDK errors to stable codes with the retriable flag and the cause", () => {
    const throttled = fromAwsError(awsError("Throttling", "Rate exceeded"), "X");
    assert.equal(throttled.code, CloudErrorCode.THROTTLED);
    assert.equal(throttled.retriable, true);
    assert.equal((throttled.cause as Error).name, "Throttling");
    assert.equal(
      fromAwsError(awsError("InvalidVolume.NotFound", "x"), "X").code,
      CloudErrorCode.VOLUME_NOT_FOUND,
    );
    assert.equal(
      fromAwsError(awsError("ValidationError", "No active Lifecycle Action found"), "X").code,
      CloudErrorCode.LIFECYCLE_ACTION_NOT_FOUND,
    );
    assert.equal(
      fromAwsError(awsError("ValidationError", "AutoScalingGroup name not found"), "X").code,
      CloudErrorCode.FLEET_NOT_FOUND,
    );
    const pending = fromAwsError(awsError("IncorrectInstanceState", "Instance is not 'running'."), "X");
    assert.deepEqual([pending.code, pending.retriable], [CloudErrorCode.CONVERGING, true]);
    const server = fromAwsError(awsError("InternalFailure", "boom", "server"), "X");
    assert.deepEqual([server.code, server.retriable], [CloudErrorCode.PROVIDER_ERROR, true]);
    assert.equal(fromAwsError(awsError("UnauthorizedOperation", "no"), "X").retriable, false);
  });

  it("knows baseline (not burst) bandwidth and refuses unknown types", () => {
    assert.equal(awsBaselineBandwidth("m5.large"), 93_750_000);
    assert.throws(
      () => awsBaselineBandwidth("x1.huge"),
      (e) => isCloudError(e, CloudErrorCode.UNKNOWN_INSTANCE_TYPE),
    );
    for (const inherited of ["constructor", "toString", "__proto__"]) {
      assert.throws(
        () => awsBaselineBandwidth(inherited),
        (e) => isCloudError(e, CloudErrorCode.UNKNOWN_INSTANCE_TYPE),
      );
    }
  });
});
