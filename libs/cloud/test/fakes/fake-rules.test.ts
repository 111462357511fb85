import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as $Ecs from "@alicloud/ecs20140526";
import {
  CompleteLifecycleActionCommand,
  CreateAutoScalingGroupCommand,
  SetDesiredCapacityCommand,
} from "@aws-sdk/client-auto-scaling";
import { AttachVolumeCommand, CreateLaunchTemplateCommand, CreateVolumeCommand } from "@aws-sdk/client-ec2";
import { EssRpc } from "../../src/aliyun/ess-rpc.ts";
import { fakeCms, fakeEcs } from "./aliyun-fake-ecs-cms.ts";
import { fakeEss } from "./aliyun-fake-ess.ts";
import { FakeAliyunAccount } from "./aliyun-fake-state.ts";
import { fakeAutoScaling } from "./aws-fake-auto-scaling.ts";
import { fakeEc2 } from "./aws-fake-ec2.ts";
import { FakeAwsAccount } from "./aws-fake-state.ts";

const named = (name: string) => (e: unknown) => (e as Error).name === name;
const coded = (code: string) => (e: unknown) => (e as { code?: string }).code === code;

// The providers check most rules before calling; these tests show the fakes would catch a provider
// that did not, so the conformance suite cannot pass on a request the cloud would refuse.
describe("AWS fakes enforce the documented rules", () => {
  it("EC2: Multi-Attach only on io1/io2, io2 needs Iops, attach only in the volume's zone", async () => {
    const account = new FakeAwsAccount();
    const ec2 = fakeEc2(account);
    await assert.rejects(
      ec2.send(
        new CreateVolumeCommand({
          AvailabilityZone: "us-east-1a",
          Size: 8,
          VolumeType: "gp3",
          MultiAttachEnabled: true,
        }),
      ),
      named("InvalidParameterCombination"),
    );
    await assert.rejects(
      ec2.send(new CreateVolumeCommand({ AvailabilityZone: "us-east-1a", Size: 8, VolumeType: "io2" })),
      named("MissingParameter"),
    );
    await assert.rejects(
      ec2.send(new CreateVolumeCommand({ AvailabilityZone: "mars-1a", Size: 8, VolumeType: "gp3" })),
      named("InvalidZone.NotFound"),
    );
    const vol = await ec2.send(
      new CreateVolumeCommand({
        AvailabilityZone: "us-east-1a",
        Size: 8,
        VolumeType: "gp3",
        ClientToken: "t",
      }),
    );
    await assert.rejects(
      ec2.send(
        new CreateVolumeCommand({
          AvailabilityZone: "us-east-1a",
          Size: 9,
          VolumeType: "gp3",
          ClientToken: "t",
        }),
      ),
      named("IdempotentParameterMismatch"),
    );
    const far = account.launchInstance("us-east-1b", "m6i.large", false);
    await assert.rejects(
      ec2.send(new AttachVolumeCommand({ VolumeId: vol.VolumeId, InstanceId: far.id, Device: "/dev/sdf" })),
      named("InvalidVolume.ZoneMismatch"),
    );
    const near = account.launchInstance("us-east-1a", "m6i.large", false);
    await assert.rejects(
      ec2.send(new AttachVolumeCommand({ VolumeId: vol.VolumeId, InstanceId: near.id, Device: "/dev/root" })),
      named("InvalidParameterValue"),
    );
    await assert.rejects(
      ec2.send(
        new CreateLaunchTemplateCommand({
          LaunchTemplateName: "lt-x",
          LaunchTemplateData: { ImageId: "ami-0123456789abcdef0", UserData: "not base64!" },
        }),
      ),
      named("InvalidUserData.Malformed"),
    );
  });

  it("Auto Scaling: sizes within bounds, a real launch template, valid hook tokens", async () => {
    const account = new FakeAwsAccount();
    const asg = fakeAutoScaling(account);
    const policy = {
      LaunchTemplate: { LaunchTemplateSpecification: { LaunchTemplateName: "missing", Version: "$Latest" } },
    };
    await assert.rejects(
      asg.send(
        new CreateAutoScalingGroupCommand({
          AutoScalingGroupName: "g",
          MinSize: 2,
          MaxSize: 1,
          VPCZoneIdentifier: "subnet-aaaa",
          MixedInstancesPolicy: policy,
        }),
      ),
      named("ValidationError"),
    );
    await assert.rejects(
      asg.send(
        new CreateAutoScalingGroupCommand({
          AutoScalingGroupName: "g",
          MinSize: 0,
          MaxSize: 1,
          VPCZoneIdentifier: "subnet-aaaa",
          MixedInstancesPolicy: policy,
        }),
      ),
      /does not exist/,
    );
    await assert.rejects(
      asg.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: "nope", DesiredCapacity: 1 })),
      /not found/,
    );
    await assert.rejects(
      asg.send(
        new CompleteLifecycleActionCommand({
          AutoScalingGroupName: "nope",
          LifecycleHookName: "h",
          LifecycleActionResult: "CONTINUE",
          InstanceId: "i-1",
        }),
      ),
      named("ValidationError"),
    );
  });
});

describe("Alibaba fakes enforce the documented rules", () => {
  it("ESS: RPC style at 2014-08-28, sizes within bounds, on-demand share only with COST_OPTIMIZED", async () => {
    const account = new FakeAliyunAccount();
    const ess = new EssRpc(fakeEss(account), account.regionId);
    await assert.rejects(
      ess.call("CreateScalingGroup", {
        ScalingGroupName: "g1",
        MinSize: 3,
        MaxSize: 1,
        VSwitchIds: ["vsw-h"],
      }),
      /MaxSize/,
    );
    await assert.rejects(
      ess.call("CreateScalingGroup", {
        ScalingGroupName: "g1",
        MinSize: 0,
        MaxSize: 1,
        VSwitchIds: ["vsw-h"],
        OnDemandBaseCapacity: 1,
      }),
      /COST_OPTIMIZED/,
    );
    await assert.rejects(ess.call("NoSuchAction", {}), /not found/);
    const wrongRegion = new EssRpc(fakeEss(account), "us-west-1");
    await assert.rejects(wrongRegion.call("DescribeScalingGroups", {}), /region/i);
    await assert.rejects(
      ess.call("RecordLifecycleActionHeartbeat", { LifecycleHookId: "h", LifecycleActionToken: "t" }),
      /has no parameter LifecycleHookId, LifecycleActionToken/,
    );
    // The names the provider once sent, refused as the official request definitions do not list them.
    await assert.rejects(
      ess.call("RemoveInstances", { ScalingGroupId: "asg-1", InstanceIds: ["i-1"] }),
      /RemoveInstances \(ESS 2014-08-28\) has no parameter InstanceIds\.1/,
    );
    await assert.rejects(
      ess.call("CreateScalingGroup", { ScalingGroupName: "g", RemovalPolicies: ["NewestInstance"] }),
      /has no parameter RemovalPolicies\.1/,
    );
    await assert.rejects(
      ess.call("ListTagResources", { ResourceType: "scalinggroup", Tags: [{ Key: "k" }] }),
      /has no parameter Tags\.1\.Key/,
    );
  });

  it("ECS: multi-attach only on ESSD, PL1 needs 20 GiB, attach only in the disk's zone", async () => {
    const account = new FakeAliyunAccount();
    const ecs = fakeEcs(account);
    const base = { regionId: account.regionId, zoneId: "cn-hangzhou-h", size: 10 };
    await assert.rejects(
      ecs.createDisk(
        new $Ecs.CreateDiskRequest({ ...base, diskCategory: "cloud_auto", multiAttach: "Enabled" }),
      ),
      coded("InvalidParameter.MultiAttach"),
    );
    await assert.rejects(
      ecs.createDisk(
        new $Ecs.CreateDiskRequest({ ...base, diskCategory: "cloud_essd", performanceLevel: "PL1" }),
      ),
      coded("InvalidSize.ValueNotSupported"),
    );
    const { body } = await ecs.createDisk(
      new $Ecs.CreateDiskRequest({ ...base, diskCategory: "cloud_essd", performanceLevel: "PL0" }),
    );
    const far = account.launch("cn-hangzhou-i", "ecs.g7.large", "NoSpot");
    await assert.rejects(
      ecs.attachDisk(
        new $Ecs.AttachDiskRequest({ diskId: body?.diskId, instanceId: far.id, deleteWithInstance: false }),
      ),
      coded("InvalidDiskId.ZoneMismatch"),
    );
    await assert.rejects(
      ecs.describeDisks(new $Ecs.DescribeDisksRequest({ regionId: account.regionId, diskIds: "d-1" })),
      coded("InvalidParameter"),
    );
    const cms = fakeCms(account);
    const bad = await cms.describeMetricList({
      namespace: "acs_ecs_dashboard",
      metricName: "CPUUtilization",
    } as never);
    assert.equal(bad.body?.success, false);
  });
});
