// An aws cluster end to end on the emulated AWS region (harness/cloud-instance/emulated-aws-cloud.ts): the
// control plane's real aws provider drives the stateful Auto Scaling / EC2 fakes (every request checked against
// the SDK's service models), and every instance the fake group launches boots a REAL broker from its launch
// template's user data, with an IMDSv2 emulator, its own loopback address and its EBS volumes as block files
// under its by-id folder. POST /v1/clusters → 3 brokers with the fake's instance ids, zones and addresses →
// kcat round trip → PATCH to 5 → a spot notice drains one and its replacement registers → an instance killed
// outright has its WAL volume attached to a broker in its zone and every acknowledged record is read back →
// PATCH max to 4: the group parks the instance it terminates on its lifecycle hook, the control plane drains its
// broker and completes the action → DELETE leaves no instance, volume, launch template or group in the fake.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type ClusterSpecBody, EmulatedAwsClusterKit } from "../../harness/cloud-instance/aws-cluster-kit.ts";
import { runtimeOf, sharedBrokerBundle } from "../../harness/cloud-instance/broker-bundle.ts";

describe("an aws cluster on the emulated AWS region", { timeout: 240_000 }, () => {
  let kit: EmulatedAwsClusterKit;
  let spec: ClusterSpecBody;

  before(async () => {
    kit = await EmulatedAwsClusterKit.open();
    spec = kit.spec({ min: 3, max: 6 });
  });
  after(async () => {
    await kit?.close();
  });

  it("POST /v1/clusters (aws) → 3 brokers on the instances the fake group launched → kcat round trip", async () => {
    const live = await kit.createdWith("emulated-aws", spec, 3);
    // Booted from the launch template's user data: no secret, no volume in it.
    const template = [...kit.cloud.account.launchTemplates.values()][0]!;
    const script = Buffer.from(String(template.versions.at(-1)!.UserData), "base64").toString();
    assert.match(script, /CIRRUS_NODE_IDENTITY='aws'/);
    assert.doesNotMatch(script, /TOKEN|vol-/);
    const first = await kit.cloud.instance(live[0]!.instanceId);
    // A stock image: the user data fetched the broker bundle from the control plane, checked its sha256 and
    // runs the bundled Node 24 (not the image's /usr/bin/node, v20) on the bundled broker.
    const bundle = await sharedBrokerBundle();
    assert.match(script, new RegExp(`/internal/v1/broker-bundle/${bundle.sha256}'`));
    assert.match(first.output, new RegExp(`cirrus-boot: broker bundle ${bundle.sha256} at `));
    const runtime = runtimeOf(first.pid!);
    assert.match(runtime.exe, new RegExp(`/var/lib/cirrus/bundle-${bundle.sha256}/bin/node$`));
    assert.match(runtime.version, /^v24\./);
    assert.match(first.output, /credential issued for instance i-[0-9a-f]+ on its aws identity/);
    assert.match(
      first.output,
      /WAL on \S*\/dev\/disk\/by-id\/nvme-Amazon_Elastic_Block_Store_vol[0-9a-f]+\n/,
    );

    await kit.roundTrip(live, "emulated-first", 200);
  });

  it("PATCH brokers.min 3 → 5: the group grows and 5 brokers register", async () => {
    spec = await kit.scaledOut(spec, { min: 5, max: 6 });
  });

  it("a spot notice drains the broker on that instance; EC2 reclaims it and the replacement registers", async () => {
    await kit.spotNoticeDrainsAndReplaces(5);
  });

  it("an instance killed outright: its WAL volume goes to a broker in its zone, every acked record is read", async () => {
    await kit.crashRecoversWal("emulated-wal", 5);
  });

  it("PATCH brokers.max 5 → 4: the group's termination hook holds the instance until its broker is drained", async () => {
    // Auto Scaling picks the instance (the newest) and parks it in Terminating:Wait on cirrus-terminate.
    spec = await kit.scaledInThroughHook(spec, { min: 4, max: 4 }, "emulated-first", 200);
  });

  it("DELETE: no instance, volume, launch template or group is left in the emulated region", async () => {
    const deleted = await kit.cp.api("DELETE", `/v1/clusters/${kit.clusterId}`);
    assert.equal(deleted.status, 202, JSON.stringify(deleted.body));
    await kit.assertNothingLeft();
  });
});
