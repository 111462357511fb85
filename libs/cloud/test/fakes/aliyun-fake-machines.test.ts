// What the Alibaba fakes tell an emulated region about the machines (FakeAliyunEvents), and the rules added
// for it: an ESS launch carries the scaling configuration's user data, a release leaves its disks Detaching for
// the injected delay, ESS replaces a member released outside it, deleting a group deletes its configurations,
// and a throttled request (Throttling.User) is refused before any service acts on it.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as $Ecs from "@alicloud/ecs20140526";
import { AliyunProvider } from "../../src/aliyun/aliyun-provider.ts";
import { EssRpc } from "../../src/aliyun/ess-rpc.ts";
import { CloudErrorCode } from "../../src/errors.ts";
import { fakeCms, fakeEcs } from "./aliyun-fake-ecs-cms.ts";
import { fakeEss } from "./aliyun-fake-ess.ts";
import { FakeAliyunAccount, type FakeEcsInstance } from "./aliyun-fake-state.ts";

async function activeGroup(account: FakeAliyunAccount, ess: EssRpc, userData: string): Promise<string> {
  const { ScalingGroupId } = await ess.call<{ ScalingGroupId: string }>("CreateScalingGroup", {
    ScalingGroupName: "fleet-1",
    MinSize: 2,
    MaxSize: 3,
    VSwitchIds: ["vsw-h", "vsw-i"],
  });
  const { ScalingConfigurationId } = await ess.call<{ ScalingConfigurationId: string }>(
    "CreateScalingConfiguration",
    {
      ScalingGroupId,
      ImageId: "img",
      SecurityGroupId: "sg-1",
      InstanceTypes: ["ecs.g7.large"],
      SpotStrategy: "SpotAsPriceGo",
      UserData: userData,
    },
  );
  await ess.call("EnableScalingGroup", {
    ScalingGroupId,
    ActiveScalingConfigurationId: ScalingConfigurationId,
  });
  assert.equal(account.groups.get(ScalingGroupId)?.members.size, 2);
  return ScalingGroupId;
}

describe("the Alibaba fakes' machines", () => {
  it("ESS launches carry the configuration's user data at the address prefix; DeleteScalingGroup takes its configurations", async () => {
    const account = new FakeAliyunAccount();
    account.privateIpPrefix = "127.0.0.";
    const launched: FakeEcsInstance[] = [];
    const released: string[] = [];
    account.events.on("instance-launched", (i) => launched.push(i));
    account.events.on("instance-released", (i) => released.push(i.id));
    const ess = new EssRpc(fakeEss(account), account.regionId);
    const userData = Buffer.from("#!/bin/bash\necho boot\n").toString("base64");
    const groupId = await activeGroup(account, ess, userData);
    assert.equal(launched.length, 2);
    for (const i of launched) {
      assert.equal(i.userData, userData);
      assert.match(i.ip, /^127\.0\.0\.\d+$/);
    }
    assert.deepEqual(
      new Set(launched.map((i) => i.zone)),
      new Set(account.zones),
      "spread over the vSwitches",
    );
    await ess.call("DeleteScalingGroup", { ScalingGroupId: groupId, ForceDelete: true });
    assert.deepEqual(released.sort(), launched.map((i) => i.id).sort());
    assert.equal(account.configurations.size, 0, "the group's scaling configuration went with it");
  });

  it("a release leaves its disk Detaching for the injected delay, then Available; ESS replaces the member", async (t) => {
    // The fakes' clock (Date.now) moves only when the test says: a slow machine cannot outlast the delay.
    t.mock.timers.enable({ apis: ["Date"], now: Date.now() });
    const account = new FakeAliyunAccount();
    account.timing = { ...account.timing, detachingMs: 150 };
    const ess = new EssRpc(fakeEss(account), account.regionId);
    const ecs = fakeEcs(account);
    const groupId = await activeGroup(account, ess, Buffer.from("x").toString("base64"));
    const [member] = account.groups.get(groupId)!.members.keys();
    const { body } = await ecs.createDisk(
      new $Ecs.CreateDiskRequest({
        regionId: account.regionId,
        zoneId: account.instances.get(member!)!.zone,
        size: 1,
        diskCategory: "cloud_essd",
        performanceLevel: "PL0",
      }),
    );
    const diskId = body!.diskId!;
    const events: string[] = [];
    account.events.on("disk-attached", (d, i) => events.push(`attached ${d} ${i}`));
    account.events.on("disk-detaching", (d, i, until) =>
      events.push(`detaching ${d} ${i} ${until > Date.now()}`),
    );
    await ecs.attachDisk(
      new $Ecs.AttachDiskRequest({ diskId, instanceId: member, deleteWithInstance: false }),
    );
    account.release(member!);
    assert.deepEqual(events, [`attached ${diskId} ${member}`, `detaching ${diskId} ${member} true`]);
    const status = async () =>
      (
        await ecs.describeDisks(
          new $Ecs.DescribeDisksRequest({ regionId: account.regionId, diskIds: JSON.stringify([diskId]) }),
        )
      ).body?.disks?.disk?.[0]?.status;
    assert.equal(await status(), "Detaching");
    t.mock.timers.tick(149);
    assert.equal(await status(), "Detaching", "still, 1 ms before the delay is over");
    t.mock.timers.tick(1);
    assert.equal(await status(), "Available");
    const members = [...account.groups.get(groupId)!.members.keys()];
    assert.equal(members.length, 2, "the group launched a replacement");
    assert.ok(!members.includes(member!));
  });

  it("throttled requests are refused with Throttling.User before ESS, ECS or CMS act; the provider says THROTTLED", async () => {
    const account = new FakeAliyunAccount();
    account.timing = { ...account.timing, throttleRate: 1 };
    const ess = new EssRpc(fakeEss(account), account.regionId);
    await assert.rejects(
      ess.call("CreateScalingGroup", {
        ScalingGroupName: "g",
        MinSize: 0,
        MaxSize: 1,
        VSwitchIds: ["vsw-h"],
      }),
      (e: unknown) => (e as { code?: string }).code === CloudErrorCode.THROTTLED,
    );
    assert.equal(account.groups.size, 0);
    await assert.rejects(
      fakeEcs(account).createDisk(
        new $Ecs.CreateDiskRequest({ regionId: account.regionId, zoneId: "cn-hangzhou-h", size: 20 }),
      ),
      (e: unknown) => (e as { code?: string }).code === "Throttling.User",
    );
    assert.equal(account.disks.size, 0);
    const provider = new AliyunProvider({
      regionId: account.regionId,
      clients: { ess: fakeEss(account), ecs: fakeEcs(account), cms: fakeCms(account) },
    });
    await assert.rejects(
      provider.networkRates(["i-1"], 60),
      (e: unknown) => (e as { code?: string }).code === CloudErrorCode.THROTTLED,
    );
    await provider.close();
    assert.equal(account.requests.length, 0, "nothing was served");
    assert.ok(account.throttledRequests >= 4);
  });
});
