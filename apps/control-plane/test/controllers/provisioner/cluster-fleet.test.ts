import assert from "node:assert/strict";
import { test } from "node:test";
import { AliyunProvider, AwsProvider, validateFleetSpec } from "@cirrus/cloud";
import {
  FakeAliyunAccount,
  FakeAwsAccount,
  fakeAwsClients,
  fakeCms,
  fakeEcs,
  fakeEss,
} from "@cirrus/cloud/emulators";
import {
  capacityDrifted,
  clusterIdOfFleet,
  fleetNameOf,
  fleetSpecOf,
  fleetUpdateOf,
  onDemandPercentOf,
} from "../../../src/controllers/provisioner/cluster-fleet.ts";
import { localSpec } from "./provisioner-kit.ts";

const ID = "0b8f2a57-62a1-4c55-9d36-7a1f3e0c9b11";
const launch = { command: "node", args: ["main.ts"], env: {} };

test("the fleet of a spec starts at brokers.min and passes the providers' own validation", () => {
  const spec = localSpec({ brokers: { min: 3, max: 9 }, spot: { share: 0.75, onDemandBase: 1 } });
  const fleet = fleetSpecOf(ID, spec, launch);
  validateFleetSpec(fleet);
  assert.equal(fleet.name, `cirrus-${ID}`);
  assert.ok(fleet.name.length <= 64);
  assert.deepEqual([fleet.minSize, fleet.maxSize, fleet.desiredCapacity], [3, 9, 3]);
  assert.equal(fleet.onDemandBaseCapacity, 1);
  assert.equal(fleet.onDemandPercentageAboveBase, 25);
  assert.equal(fleet.capacityRebalance, true);
  assert.equal(fleet.terminationHook, undefined, "local brokers stop on SIGTERM, no hook");
  assert.ok(fleetSpecOf(ID, { ...spec, provider: "aws" }, launch).terminationHook);
});

test("spot share maps to the on-demand percentage above the base", () => {
  assert.equal(onDemandPercentOf(0), 100);
  assert.equal(onDemandPercentOf(1), 0);
  assert.equal(onDemandPercentOf(1 / 3), 67);
});

test("an update clamps the desired count into the new bounds and keeps it otherwise", () => {
  assert.equal(fleetUpdateOf(localSpec({ brokers: { min: 4, max: 6 } }), 2).desiredCapacity, 4);
  assert.equal(fleetUpdateOf(localSpec({ brokers: { min: 1, max: 2 } }), 5).desiredCapacity, 2);
  assert.equal(fleetUpdateOf(localSpec({ brokers: { min: 1, max: 8 } }), 5).desiredCapacity, 5);
});

test("capacity drift is a bound that differs or a desired count outside the bounds", () => {
  const spec = localSpec({ brokers: { min: 2, max: 4 } });
  assert.equal(capacityDrifted({ minSize: 2, maxSize: 4, desiredCapacity: 3 }, spec), false);
  assert.equal(capacityDrifted({ minSize: 0, maxSize: 4, desiredCapacity: 2 }, spec), true);
  assert.equal(capacityDrifted({ minSize: 2, maxSize: 4, desiredCapacity: 0 }, spec), true);
  assert.equal(fleetNameOf(ID), `cirrus-${ID}`);
  assert.equal(clusterIdOfFleet(fleetNameOf(ID)), ID);
  assert.equal(clusterIdOfFleet("someone-elses-asg"), undefined);
});

test("an aws spec's cloud settings reach the launch template and group the fake (SDK model checked) accepts", async () => {
  const account = new FakeAwsAccount();
  const provider = new AwsProvider({
    region: "us-east-1",
    pollIntervalMs: 50,
    clients: fakeAwsClients(account),
  });
  const zones = [...account.zones].reverse();
  const spec = localSpec({
    provider: "aws",
    region: "us-east-1",
    zones,
    aws: {
      imageSsmParameter: "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64",
      subnets: Object.fromEntries([...account.subnets].map(([subnet, zone]) => [zone, subnet])),
      securityGroupIds: ["sg-0123456789abcdef0"],
      instanceProfileArn: "arn:aws:iam::123456789012:instance-profile/cirrus-broker",
    },
  });
  const fleet = fleetSpecOf(ID, spec, launch);
  assert.deepEqual(
    fleet.aws?.subnetIds,
    ["subnet-bbbb", "subnet-aaaa"],
    "one subnet per zone, in zone order",
  );
  try {
    await provider.createFleet(fleet);
    const template = account.launchTemplates.get(`${fleet.name}-broker`)!.versions[0]!;
    assert.equal(
      template.ImageId,
      "resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64",
    );
    assert.deepEqual(template.IamInstanceProfile, {
      Arn: "arn:aws:iam::123456789012:instance-profile/cirrus-broker",
    });
    assert.equal((await provider.listInstances(fleet.name)).length, 2);
  } finally {
    await provider.close();
  }
});

test("an aliyun spec's cloud settings reach the scaling group and configuration (official ESS definitions)", async () => {
  const account = new FakeAliyunAccount();
  const provider = new AliyunProvider({
    regionId: account.regionId,
    pollIntervalMs: 50,
    clients: { ess: fakeEss(account), ecs: fakeEcs(account), cms: fakeCms(account) },
  });
  const spec = localSpec({
    provider: "aliyun",
    region: account.regionId,
    zones: [...account.zones],
    aliyun: {
      imageId: "aliyun_3_x64_20G_alibase_20240819.vhd",
      vSwitches: Object.fromEntries([...account.vSwitches].map(([vsw, zone]) => [zone, vsw])),
      securityGroupId: "sg-bp1abc",
      ramRoleName: "CirrusBroker",
    },
  });
  const fleet = fleetSpecOf(ID, spec, launch);
  try {
    await provider.createFleet(fleet);
    const config = account.requests.find((r) => r.action === "CreateScalingConfiguration")!.args;
    assert.equal(config.RamRoleName, "CirrusBroker");
    assert.equal(config.ImageId, "aliyun_3_x64_20G_alibase_20240819.vhd");
    const group = account.requests.find((r) => r.action === "CreateScalingGroup")!.args;
    assert.deepEqual([group["VSwitchIds.1"], group["VSwitchIds.2"]], ["vsw-h", "vsw-i"]);
    assert.equal((await provider.listInstances(fleet.name)).length, 2);
  } finally {
    await provider.close();
  }
});
