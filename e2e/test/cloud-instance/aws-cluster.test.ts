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
import { generateKeyPairSync } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { runKcat } from "../../../apps/broker/test/helpers/kcat.ts";
import {
  type EmulatedAwsControlPlane,
  startControlPlaneOnEmulatedAws,
} from "../../harness/cloud-instance/control-plane-on-emulated-aws.ts";
import { EmulatedAwsCloud } from "../../harness/cloud-instance/index.ts";
import { waitFor } from "../../harness/cluster.ts";

interface BrokerView {
  brokerId: number;
  instanceId: string;
  zone: string;
  host: string;
  port: number;
  volumeId: string | null;
  state: string;
}
interface ClusterView {
  id: string;
  state: string;
  version: number;
  bootstrap: string | null;
  spec: Record<string, unknown>;
}
interface OperationView {
  id: string;
  type: string;
  status: string;
  input: Record<string, unknown>;
}

const regionKey = generateKeyPairSync("rsa", { modulusLength: 2048 });

describe("an aws cluster on the emulated AWS region", { timeout: 240_000 }, () => {
  let dir: string;
  let cloud: EmulatedAwsCloud;
  let cp: EmulatedAwsControlPlane;
  let clusterId: string;
  let spec: Record<string, unknown>;
  const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "cirrus-aws-cluster-"));
    cloud = new EmulatedAwsCloud({
      dir: join(dir, "cloud"),
      signingKey: regionKey.privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
      // EBS: creating before available, a fresh id NotFound for a moment, detach takes a while (scaled down).
      timing: { volumeCreatingMs: 300, newIdNotFoundMs: 150, detachingMs: 800 },
      shutdownGraceMs: 3_000,
      volumeBytes: 64 * 1024 * 1024,
    });
    // POST /v1/clusters asks the SDK's default chain for credentials; the emulated region takes any.
    process.env.AWS_ACCESS_KEY_ID = "AKIAEMULATEDREGION01";
    process.env.AWS_SECRET_ACCESS_KEY = "emulated-region";
    cp = await startControlPlaneOnEmulatedAws({
      cloud,
      identityCertificate: regionKey.publicKey.export({ type: "spki", format: "pem" }).toString(),
      dataDir: dir,
    });
    spec = {
      provider: "aws",
      region: "us-east-1",
      zones: [...cloud.account.zones],
      instanceTypes: ["m6i.large"],
      spot: { share: 1, onDemandBase: 0 },
      brokers: { min: 3, max: 6 },
      // The autoscaler stays out of it: the fake CloudWatch reports no traffic (below any low watermark).
      scaling: {
        highWatermarkBytesPerSec: 100_000_000,
        lowWatermarkBytesPerSec: 1,
        cooldownSeconds: 3_600,
        enabled: false,
      },
      objectStore: { uri: `file://${join(dir, "objects")}` },
      walVolumeGiB: 1,
      aws: {
        imageId: "ami-0123456789abcdef0",
        subnets: Object.fromEntries([...cloud.account.subnets].map(([subnet, zone]) => [zone, subnet])),
        securityGroupIds: ["sg-0123456789abcdef0"],
      },
    };
  });

  after(async () => {
    await cp?.close();
    await cloud?.close();
    if (saved.id === undefined) delete process.env.AWS_ACCESS_KEY_ID;
    else process.env.AWS_ACCESS_KEY_ID = saved.id;
    if (saved.secret === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
    else process.env.AWS_SECRET_ACCESS_KEY = saved.secret;
    await rm(dir, { recursive: true, force: true });
  });

  const brokers = async () =>
    (await cp.api<{ items: BrokerView[] }>("GET", `/v1/clusters/${clusterId}/brokers`)).body.items;
  const active = async () => (await brokers()).filter((b) => b.state === "ACTIVE");
  const cluster = async () => (await cp.api<ClusterView>("GET", `/v1/clusters/${clusterId}`)).body;
  const operations = async () =>
    (await cp.api<{ items: OperationView[] }>("GET", `/v1/operations?clusterId=${clusterId}&limit=100`)).body
      .items;
  /** The group's InService members, as the fake Auto Scaling group holds them. */
  const members = () =>
    [...(cloud.account.groups.values().next().value?.members.values() ?? [])].filter(
      (m) => m.state === "InService",
    );
  const runningWith = async (count: number, what: string, timeoutMs = 60_000) =>
    waitFor(
      what,
      async () => {
        const [view, live] = await Promise.all([cluster(), active()]);
        return view.state === "RUNNING" && live.length === count ? live : undefined;
      },
      timeoutMs,
    );
  /** Every ACTIVE broker runs on a live fake instance, with that instance's zone and private address. */
  const assertBrokersMatchInstances = (live: BrokerView[]) => {
    for (const b of live) {
      const instance = cloud.account.instances.get(b.instanceId);
      assert.ok(
        instance,
        `broker ${b.brokerId} names instance ${b.instanceId}, which the cloud never launched`,
      );
      assert.equal(instance.state, "running");
      assert.equal(b.zone, instance.zone, `zone of ${b.instanceId}`);
      assert.equal(b.host, instance.privateIp, `address of ${b.instanceId}`);
      assert.match(b.host, /^127\.0\.0\.\d+$/);
      assert.match(b.volumeId ?? "", /^vol-[0-9a-f]+$/, `WAL volume of ${b.instanceId}`);
    }
    assert.equal(new Set(live.map((b) => b.instanceId)).size, live.length, "one broker per instance");
  };
  const produce = async (bootstrap: string, topic: string, values: string[]) => {
    const out = await runKcat(bootstrap, ["-P", "-t", topic, "-X", "acks=all"], {
      input: `${values.join("\n")}\n`,
    });
    assert.equal(out.code, 0, out.stderr);
  };
  const consume = async (bootstrap: string, topic: string, count: number) => {
    const out = await runKcat(
      bootstrap,
      ["-C", "-t", topic, "-o", "beginning", "-c", String(count), "-e", "-q"],
      {
        timeoutMs: 30_000,
      },
    );
    assert.equal(out.code, 0, out.stderr);
    return out.stdout.split("\n").filter((line) => line.length > 0);
  };
  const bootstrapOf = (live: BrokerView[]) => live.map((b) => `${b.host}:${b.port}`).join(",");

  it("POST /v1/clusters (aws) → 3 brokers on the instances the fake group launched → kcat round trip", async () => {
    const created = await cp.api<{ cluster: ClusterView }>("POST", "/v1/clusters", {
      name: "emulated-aws",
      spec,
      deletionProtection: false,
    });
    assert.equal(created.status, 202, JSON.stringify(created.body));
    clusterId = created.body.cluster.id;
    const live = await runningWith(3, "3 ACTIVE brokers on a RUNNING cluster");
    assertBrokersMatchInstances(live);
    assert.deepEqual(
      live.map((b) => b.instanceId).sort(),
      members()
        .map((m) => m.id)
        .sort(),
      "the brokers are the group's members",
    );
    assert.deepEqual(
      new Set(live.map((b) => b.zone)),
      new Set(cloud.account.zones),
      "spread over both zones",
    );
    // Booted from the launch template's user data: no secret, no volume in it.
    const template = [...cloud.account.launchTemplates.values()][0]!;
    const script = Buffer.from(String(template.versions.at(-1)!.UserData), "base64").toString();
    assert.match(script, /CIRRUS_NODE_IDENTITY='aws'/);
    assert.doesNotMatch(script, /TOKEN|vol-/);
    const first = await cloud.instance(live[0]!.instanceId);
    assert.match(first.output, /credential issued for instance i-[0-9a-f]+ on its aws identity/);
    assert.match(
      first.output,
      /WAL on \S*\/dev\/disk\/by-id\/nvme-Amazon_Elastic_Block_Store_vol[0-9a-f]+\n/,
    );

    const values = Array.from({ length: 200 }, (_, i) => `first-${i}`);
    await produce(bootstrapOf(live), "emulated-first", values);
    assert.deepEqual(await consume(bootstrapOf(live), "emulated-first", values.length), values);
    assert.deepEqual(cloud.errors, []);
  });

  it("PATCH brokers.min 3 → 5: the group grows and 5 brokers register", async () => {
    const view = await cluster();
    const patched = await cp.api("PATCH", `/v1/clusters/${clusterId}`, {
      version: view.version,
      spec: { ...spec, brokers: { min: 5, max: 6 } },
    });
    assert.equal(patched.status, 202, JSON.stringify(patched.body));
    spec = { ...spec, brokers: { min: 5, max: 6 } };
    const live = await runningWith(5, "5 ACTIVE brokers");
    assertBrokersMatchInstances(live);
    assert.equal(members().length, 5);
  });

  it("a spot notice drains the broker on that instance; EC2 reclaims it and the replacement registers", async () => {
    const before = await active();
    const victim = before[0]!;
    const machine = await cloud.instance(victim.instanceId);
    await cloud.announceSpotInterruption(victim.instanceId, 6_000);
    await machine.waitForOutput(
      new RegExp(`interruption notice: spot-interruption of ${victim.instanceId}`),
      10_000,
    );
    const drain = await waitFor(
      "a broker.drain of the noticed broker",
      async () =>
        (await operations()).find(
          (op) => op.type === "broker.drain" && Number(op.input.brokerId) === victim.brokerId,
        ),
      15_000,
    );
    await waitFor(
      "the drain to succeed",
      async () => (await operations()).find((op) => op.id === drain.id && op.status === "SUCCEEDED"),
      30_000,
    );
    const after = await waitFor(
      "a replacement broker on a new instance",
      async () => {
        const live = await active();
        const fresh = live.filter((b) => !before.some((old) => old.instanceId === b.instanceId));
        return live.length === 5 &&
          fresh.length === 1 &&
          !live.some((b) => b.instanceId === victim.instanceId)
          ? live
          : undefined;
      },
      60_000,
    );
    assertBrokersMatchInstances(after);
    assert.equal(cloud.account.instances.get(victim.instanceId)?.state, "terminated");
    assert.equal(machine.running, false, "the reclaimed instance's broker is gone");
  });

  it("an instance killed outright: its WAL volume goes to a broker in its zone, every acked record is read", async () => {
    const created = await cp.api("POST", `/v1/clusters/${clusterId}/topics`, {
      name: "emulated-wal",
      partitions: 1,
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const leaderOf = async () =>
      (
        await cp.api<{ partitions: { leaderBrokerId: number }[] }>(
          "GET",
          `/v1/clusters/${clusterId}/topics/emulated-wal`,
        )
      ).body.partitions[0]?.leaderBrokerId;
    const leaderId = await waitFor(
      "a leader for emulated-wal",
      async () => {
        const id = await leaderOf();
        return id !== undefined && id >= 0 ? id : undefined;
      },
      15_000,
    );
    const live = await active();
    const leader = live.find((b) => b.brokerId === leaderId)!;
    assert.ok(leader, `leader ${leaderId} is ACTIVE`);
    const sameZone = live.filter((b) => b.zone === leader.zone && b.brokerId !== leader.brokerId);
    assert.ok(sameZone.length > 0, "another broker runs in the leader's zone");
    // Acknowledged, then the instance dies before any upload (uploads wait far longer): only its WAL has them.
    const values = Array.from({ length: 300 }, (_, i) => `wal-${i}`);
    await produce(`${leader.host}:${leader.port}`, "emulated-wal", values);
    await cloud.crash(leader.instanceId);

    const failover = await waitFor(
      "broker.failover of the dead broker to succeed",
      async () =>
        (await operations()).find(
          (op) =>
            op.type === "broker.failover" &&
            Number(op.input.brokerId) === leader.brokerId &&
            op.status === "SUCCEEDED",
        ),
      60_000,
    );
    assert.equal(failover.input.volumeId, leader.volumeId, "the volume the control plane attached for it");
    const attach = cloud.account.requests.find(
      (r) =>
        r.command === "AttachVolume" &&
        r.input.VolumeId === leader.volumeId &&
        r.input.InstanceId !== leader.instanceId,
    );
    assert.ok(attach, "the dead broker's volume was attached to another instance");
    const target = sameZone.find((b) => b.instanceId === attach.input.InstanceId);
    assert.ok(target, `attached to ${String(attach.input.InstanceId)}, a broker of zone ${leader.zone}`);
    const targetMachine = await cloud.instance(target.instanceId);
    assert.match(
      targetMachine.output,
      new RegExp(`recovered volume ${leader.volumeId} of broker ${leader.brokerId}: [1-9]\\d* records`),
    );

    const now = await waitFor(
      "a live leader for emulated-wal",
      async () => {
        const id = await leaderOf();
        const b = (await active()).find((x) => x.brokerId === id);
        return b && b.brokerId !== leader.brokerId ? b : undefined;
      },
      30_000,
    );
    assert.deepEqual(await consume(`${now.host}:${now.port}`, "emulated-wal", values.length), values);
  });

  it("PATCH brokers.max 5 → 4: the group's termination hook holds the instance until its broker is drained", async () => {
    const before = await active();
    const view = await cluster();
    spec = { ...spec, brokers: { min: 4, max: 4 } };
    const patched = await cp.api("PATCH", `/v1/clusters/${clusterId}`, { version: view.version, spec });
    assert.equal(patched.status, 202, JSON.stringify(patched.body));
    // Auto Scaling picks the instance (the newest) and parks it in Terminating:Wait on cirrus-terminate.
    const leaving = await waitFor(
      "a member waiting on the termination hook",
      async () =>
        [...([...cloud.account.groups.values()][0]?.members.values() ?? [])].find(
          (m) => m.state === "Terminating:Wait",
        ),
      15_000,
    );
    const broker = before.find((b) => b.instanceId === leaving.id);
    assert.ok(broker, `a broker runs on ${leaving.id}`);
    await waitFor(
      "the lifecycle action completed with CONTINUE",
      async () =>
        cloud.account.requests.find(
          (r) =>
            r.command === "CompleteLifecycleAction" &&
            r.input.InstanceId === leaving.id &&
            r.input.LifecycleActionResult === "CONTINUE",
        ),
      30_000,
    );
    const drain = (await operations()).find(
      (op) => op.type === "broker.drain" && Number(op.input.brokerId) === broker.brokerId,
    );
    assert.equal(drain?.status, "SUCCEEDED", "drained before the action was completed");
    const live = await runningWith(4, "4 ACTIVE brokers");
    assertBrokersMatchInstances(live);
    assert.ok(!live.some((b) => b.instanceId === leaving.id));
    assert.equal(cloud.account.instances.get(leaving.id)?.state, "terminated");
    // Nothing acknowledged went with it.
    const values = Array.from({ length: 200 }, (_, i) => `first-${i}`);
    assert.deepEqual(await consume(bootstrapOf(live), "emulated-first", values.length), values);
  });

  it("DELETE: no instance, volume, launch template or group is left in the emulated region", async () => {
    const deleted = await cp.api("DELETE", `/v1/clusters/${clusterId}`);
    assert.equal(deleted.status, 202, JSON.stringify(deleted.body));
    await waitFor(
      "the cluster to be gone",
      async () => ((await cp.api("GET", `/v1/clusters/${clusterId}`)).status === 404 ? true : undefined),
      60_000,
    );
    await waitFor(
      "the emulated workloads to stop",
      async () => (cloud.leftovers().workloads.length === 0 ? true : undefined),
      15_000,
    );
    assert.deepEqual(cloud.leftovers(), {
      runningInstances: [],
      volumes: [],
      launchTemplates: [],
      groups: [],
      workloads: [],
    });
    assert.deepEqual(cloud.errors, []);
  });
});
