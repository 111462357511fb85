// What the e2e tests of a cluster on an emulated region (aws, aliyun) share: the region with its control plane,
// and reads of the cluster through the REST API next to the fake's own view of its machines. The per-cloud kits
// (aws-cluster-kit.ts, aliyun-cluster-kit.ts) add the cloud: its region, credentials and cluster spec.
import assert from "node:assert/strict";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { schema } from "@cirrus/control-plane";
import { runKcat } from "../../../apps/broker/test/helpers/kcat.ts";
import { waitFor } from "../cluster.ts";
import {
  type EmulatedCloudSeam,
  type EmulatedControlPlane,
  type EmulatedControlPlaneOptions,
  startControlPlaneOnEmulatedCloud,
} from "./control-plane-on-emulated-cloud.ts";
import type { CloudLeftovers } from "./emulated-cloud.ts";
import type { EmulatedInstance } from "./instance-runner.ts";

export interface BrokerView {
  brokerId: number;
  instanceId: string;
  zone: string;
  host: string;
  port: number;
  volumeId: string | null;
  state: string;
}
export interface ClusterView {
  id: string;
  state: string;
  version: number;
  bootstrap: string | null;
}
export interface OperationView {
  id: string;
  type: string;
  status: string;
  input: Record<string, unknown>;
  steps: { name: string; status: string; startedAt: number | null }[];
}
export type ClusterSpecBody = Record<string, unknown> & { brokers: { min: number; max: number } };

/** What a kit needs of an emulated region (EmulatedAwsCloud, EmulatedAliyunCloud). */
export interface EmulatedCloud {
  readonly errors: string[];
  leftovers(): CloudLeftovers;
  instance(instanceId: string): Promise<EmulatedInstance>;
  /** The cloud's record of an instance it has not terminated or released; undefined otherwise. */
  liveMachine(instanceId: string): { zone: string; privateIp: string } | undefined;
  /** The members of the cluster's scaling group, as the fake holds them. */
  groupMembers(): { id: string; state: string; zone: string }[];
  /** The cloud's instances and volumes, for failure messages. */
  describe(): Record<string, unknown>;
  /** The cloud's spot notice for the instance, `noticeMs` ahead; it reclaims the instance then. */
  announceSpotInterruption(instanceId: string, noticeMs: number): Promise<Date>;
  /** The instance's workload SIGKILLed, then the cloud ends the instance. */
  crash(instanceId: string): Promise<void>;
  /** The instance a served attach of `volumeId` named other than `instanceId`, if any. */
  attachedElsewhere(volumeId: string, instanceId: string): string | undefined;
  /** For each volume the cloud holds, the instance it is attached to (undefined: none). */
  volumeHolders(): (string | undefined)[];
  /** Whether the cloud served a request to delete the scaling group. */
  groupDeleteServed(): boolean;
  /** The state of a group member held on the termination hook (aws Terminating:Wait, aliyun Removing:Wait). */
  readonly hookWaitState: string;
  /** Whether the lifecycle action of the instance's termination was completed with CONTINUE. */
  lifecycleActionContinued(instanceId: string): boolean;
  close(): Promise<void>;
}

export type ControlPlaneChoice = Pick<
  EmulatedControlPlaneOptions,
  "restartable" | "leaseMs" | "haltAfterStep"
>;

/**
 * A cluster's test view on an emulated region and its control plane. `close()` stops everything and removes
 * the folder.
 */
export abstract class EmulatedClusterKit<Cloud extends EmulatedCloud> {
  readonly dir: string;
  readonly cloud: Cloud;
  cp!: EmulatedControlPlane;
  clusterId = "";

  protected constructor(dir: string, cloud: Cloud) {
    this.dir = dir;
    this.cloud = cloud;
  }

  /** How the control plane reaches the region (its provider, identity certificate, credentials). */
  protected abstract seam(): EmulatedCloudSeam;

  /** How the cloud's volume ids look (EBS vol-…, ECS d-…). */
  protected abstract readonly volumeIdPattern: RegExp;

  /** The cloud's part of a cluster spec on this region: provider, region, zones, instance types, its section. */
  protected abstract cloudSpec(): Record<string, unknown>;

  /** A cluster on this region: spot only, the autoscaler off (the fakes report no traffic), these broker bounds. */
  spec(brokers: { min: number; max: number }): ClusterSpecBody {
    return {
      ...this.cloudSpec(),
      spot: { share: 1, onDemandBase: 0 },
      brokers,
      scaling: {
        highWatermarkBytesPerSec: 100_000_000,
        lowWatermarkBytesPerSec: 1,
        cooldownSeconds: 3_600,
        enabled: false,
      },
      objectStore: { uri: `file://${join(this.dir, "objects")}` },
      walVolumeGiB: 1,
    };
  }

  async startControlPlane(options: ControlPlaneChoice = {}): Promise<void> {
    this.cp = await startControlPlaneOnEmulatedCloud({ cloud: this.seam(), dataDir: this.dir, ...options });
  }

  async close(): Promise<void> {
    await this.cp?.close();
    await this.cloud.close();
    await rm(this.dir, { recursive: true, force: true });
  }

  /** Opens a kit made by `make` (its control plane started), closing it again if the start fails. */
  protected static async started<K extends EmulatedClusterKit<EmulatedCloud>>(
    kit: K,
    options: ControlPlaneChoice,
  ): Promise<K> {
    try {
      await kit.startControlPlane(options);
    } catch (error) {
      await kit.close();
      throw error;
    }
    return kit;
  }

  /**
   * POST /v1/clusters with `spec`, then waits for `count` ACTIVE brokers on a RUNNING cluster: each on a live
   * instance of the cloud with its zone, address and a WAL volume, the brokers exactly the group's members,
   * spread over every zone of the spec. Returns them.
   */
  async createdWith(name: string, spec: ClusterSpecBody, count: number): Promise<BrokerView[]> {
    await this.createCluster(name, spec);
    const live = await this.runningWith(count, `${count} ACTIVE brokers on a RUNNING cluster`);
    this.assertBrokersMatchInstances(live);
    assert.deepEqual(
      live.map((b) => b.instanceId).sort(),
      this.members()
        .map((m) => m.id)
        .sort(),
      "the brokers are the group's members",
    );
    assert.deepEqual(
      new Set(live.map((b) => b.zone)),
      new Set(spec.zones as string[]),
      "spread over every zone",
    );
    return live;
  }

  /** `count` records produced with acks=all to `topic` through `live` and read back in order; no cloud error. */
  async roundTrip(live: readonly BrokerView[], topic: string, count: number): Promise<void> {
    const values = roundTripValues(count);
    await produce(bootstrapOf(live), topic, values);
    assert.deepEqual(await consume(bootstrapOf(live), topic, values.length), values);
    assert.deepEqual(this.cloud.errors, []);
  }

  /** PATCH the cluster's broker bounds (202); returns the spec as patched. */
  async patchBrokers(spec: ClusterSpecBody, brokers: { min: number; max: number }): Promise<ClusterSpecBody> {
    const view = await this.cluster();
    const patched = { ...spec, brokers };
    const answer = await this.cp.api("PATCH", `/v1/clusters/${this.clusterId}`, {
      version: view.version,
      spec: patched,
    });
    assert.equal(answer.status, 202, JSON.stringify(answer.body));
    return patched;
  }

  /** PATCH up to `brokers`: the group grows and `brokers.min` ACTIVE brokers run on its members. */
  async scaledOut(spec: ClusterSpecBody, brokers: { min: number; max: number }): Promise<ClusterSpecBody> {
    const patched = await this.patchBrokers(spec, brokers);
    const live = await this.runningWith(brokers.min, `${brokers.min} ACTIVE brokers`);
    this.assertBrokersMatchInstances(live);
    assert.equal(this.members().length, brokers.min);
    return patched;
  }

  /**
   * PATCH down to `brokers`: the group holds the instance it removes on the termination hook, the control plane
   * drains its broker (broker.drain SUCCEEDED) before completing the action with CONTINUE, the cloud ends the
   * instance and `brokers.min` ACTIVE brokers remain; the `count` records roundTrip left in `topic` are all read.
   */
  async scaledInThroughHook(
    spec: ClusterSpecBody,
    brokers: { min: number; max: number },
    topic: string,
    count: number,
  ): Promise<ClusterSpecBody> {
    const before = await this.active();
    const patched = await this.patchBrokers(spec, brokers);
    const leaving = await waitFor(
      "a member waiting on the termination hook",
      async () => this.members(this.cloud.hookWaitState)[0],
      15_000,
    );
    const broker = before.find((b) => b.instanceId === leaving.id);
    assert.ok(broker, `a broker runs on ${leaving.id}`);
    await waitFor(
      "the lifecycle action completed with CONTINUE",
      async () => this.cloud.lifecycleActionContinued(leaving.id),
      30_000,
    );
    const drain = (await this.operations()).find(
      (op) => op.type === "broker.drain" && Number(op.input.brokerId) === broker.brokerId,
    );
    assert.equal(drain?.status, "SUCCEEDED", "drained before the action was completed");
    const live = await this.runningWith(brokers.min, `${brokers.min} ACTIVE brokers`);
    this.assertBrokersMatchInstances(live);
    assert.ok(!live.some((b) => b.instanceId === leaving.id));
    assert.equal(this.cloud.liveMachine(leaving.id), undefined, "the cloud ended the instance");
    // Nothing acknowledged went with it.
    assert.deepEqual(await consume(bootstrapOf(live), topic, count), roundTripValues(count));
    return patched;
  }

  /** POST /v1/clusters; remembers its id. */
  async createCluster(name: string, spec: ClusterSpecBody): Promise<string> {
    const created = await this.cp.api<{ cluster: ClusterView }>("POST", "/v1/clusters", {
      name,
      spec,
      deletionProtection: false,
    });
    assert.equal(created.status, 202, JSON.stringify(created.body));
    this.clusterId = created.body.cluster.id;
    return this.clusterId;
  }

  async brokers(): Promise<BrokerView[]> {
    return (await this.cp.api<{ items: BrokerView[] }>("GET", `/v1/clusters/${this.clusterId}/brokers`)).body
      .items;
  }

  async active(): Promise<BrokerView[]> {
    return (await this.brokers()).filter((b) => b.state === "ACTIVE");
  }

  async cluster(): Promise<ClusterView> {
    return (await this.cp.api<ClusterView>("GET", `/v1/clusters/${this.clusterId}`)).body;
  }

  async operations(): Promise<OperationView[]> {
    const path = `/v1/operations?clusterId=${this.clusterId}&limit=100`;
    return (await this.cp.api<{ items: OperationView[] }>("GET", path)).body.items;
  }

  /** The leader of `topic`'s partition 0 as the control plane sees it (-1 or undefined: none). */
  async leaderOf(topic: string): Promise<number | undefined> {
    const path = `/v1/clusters/${this.clusterId}/topics/${topic}`;
    return (await this.cp.api<{ partitions: { leaderBrokerId: number }[] }>("GET", path)).body.partitions[0]
      ?.leaderBrokerId;
  }

  /** Creates a one-partition topic and waits for its leader: the ACTIVE broker leading it. */
  async topicWithLeader(topic: string): Promise<BrokerView> {
    const created = await this.cp.api("POST", `/v1/clusters/${this.clusterId}/topics`, {
      name: topic,
      partitions: 1,
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = await waitFor(
      `a leader for ${topic}`,
      async () => {
        const current = await this.leaderOf(topic);
        return current !== undefined && current >= 0 ? current : undefined;
      },
      15_000,
    );
    const leader = (await this.active()).find((b) => b.brokerId === id);
    assert.ok(leader, `leader ${id} of ${topic} is ACTIVE`);
    return leader;
  }

  /** Waits for an ACTIVE leader of `topic` other than `formerId` (after a failover). */
  async newLeaderOf(topic: string, formerId: number, timeoutMs = 30_000): Promise<BrokerView> {
    return waitFor(
      `a live leader for ${topic}`,
      async () => {
        const id = await this.leaderOf(topic);
        const b = (await this.active()).find((x) => x.brokerId === id);
        return b && b.brokerId !== formerId ? b : undefined;
      },
      timeoutMs,
    );
  }

  /** The broker.failover operation of `brokerId` (in `status` when given), once it exists. */
  failoverOf(brokerId: number, what: string, status?: string, timeoutMs = 60_000): Promise<OperationView> {
    return waitFor(
      what,
      async () =>
        (await this.operations()).find(
          (op) =>
            op.type === "broker.failover" &&
            Number(op.input.brokerId) === brokerId &&
            (status === undefined || op.status === status),
        ),
      timeoutMs,
    );
  }

  /**
   * A spot notice on the first ACTIVE broker's instance, `noticeMs` ahead: the broker sees it on its metadata
   * service, the control plane drains it (broker.drain SUCCEEDED), the cloud reclaims the instance and the
   * group's replacement registers: `count` ACTIVE brokers again, one on a new instance.
   */
  async spotNoticeDrainsAndReplaces(count: number, noticeMs = 6_000): Promise<void> {
    const before = await this.active();
    const victim = before[0]!;
    const machine = await this.cloud.instance(victim.instanceId);
    await this.cloud.announceSpotInterruption(victim.instanceId, noticeMs);
    await machine.waitForOutput(
      new RegExp(`interruption notice: spot-interruption of ${victim.instanceId}`),
      10_000,
    );
    const drain = await waitFor(
      "a broker.drain of the noticed broker",
      async () =>
        (await this.operations()).find(
          (op) => op.type === "broker.drain" && Number(op.input.brokerId) === victim.brokerId,
        ),
      15_000,
    );
    await waitFor(
      "the drain to succeed",
      async () => (await this.operations()).find((op) => op.id === drain.id && op.status === "SUCCEEDED"),
      30_000,
    );
    const after = await waitFor(
      "a replacement broker on a new instance",
      async () => {
        const live = await this.active();
        const fresh = live.filter((b) => !before.some((old) => old.instanceId === b.instanceId));
        return live.length === count &&
          fresh.length === 1 &&
          !live.some((b) => b.instanceId === victim.instanceId)
          ? live
          : undefined;
      },
      60_000,
    );
    this.assertBrokersMatchInstances(after);
    // The provider's own poll (aws: the spot request's status; aliyun: CloudMonitor's interruption event)
    // brought the notice too, not only the broker's metadata service.
    const notices = await this.cp.composed.database.db.select().from(schema.cloudNotices);
    assert.ok(
      notices.some((n) => n.kind === "spot-reclaim" && n.instanceId === victim.instanceId),
      `the provider's spot notice for ${victim.instanceId} was recorded: ${JSON.stringify(notices)}`,
    );
    assert.equal(this.cloud.liveMachine(victim.instanceId), undefined, "the cloud reclaimed the instance");
    assert.equal(machine.running, false, "the reclaimed instance's broker is gone");
  }

  /**
   * The leader of a new one-partition `topic` acknowledges 300 records, then its instance dies outright before
   * any upload (uploads wait far longer): only its WAL volume has them. broker.failover must attach that volume
   * (after the cloud's detach delay) to a broker in the same zone, which replays it; every acknowledged record
   * is read back from the new leader, and the group's replacement brings back `count` ACTIVE brokers.
   */
  async crashRecoversWal(topic: string, count: number): Promise<void> {
    const leader = await this.topicWithLeader(topic);
    const live = await this.active();
    const sameZone = live.filter((b) => b.zone === leader.zone && b.brokerId !== leader.brokerId);
    assert.ok(sameZone.length > 0, "another broker runs in the leader's zone");
    const values = Array.from({ length: 300 }, (_, i) => `wal-${i}`);
    await produce(`${leader.host}:${leader.port}`, topic, values);
    await this.cloud.crash(leader.instanceId);

    const failover = await this.failoverOf(
      leader.brokerId,
      "broker.failover of the dead broker to succeed",
      "SUCCEEDED",
    );
    assert.equal(failover.input.volumeId, leader.volumeId, "the volume the control plane attached for it");
    const attachedTo = this.cloud.attachedElsewhere(leader.volumeId ?? "", leader.instanceId);
    assert.ok(attachedTo, "the dead broker's volume was attached to another instance");
    const target = sameZone.find((b) => b.instanceId === attachedTo);
    assert.ok(target, `attached to ${attachedTo}, a broker of zone ${leader.zone}`);
    const targetMachine = await this.cloud.instance(target.instanceId);
    assert.match(
      targetMachine.output,
      new RegExp(`recovered volume ${leader.volumeId} of broker ${leader.brokerId}: [1-9]\\d* records`),
    );
    const now = await this.newLeaderOf(topic, leader.brokerId);
    assert.deepEqual(await consume(`${now.host}:${now.port}`, topic, values.length), values);
    const back = await this.runningWith(
      count,
      `${count} ACTIVE brokers with the crashed instance's replacement`,
    );
    this.assertBrokersMatchInstances(back);
    assert.ok(!back.some((b) => b.instanceId === leader.instanceId));
  }

  /** Waits for the cluster to be gone and its workloads stopped; asserts the region holds nothing of it. */
  async assertNothingLeft(): Promise<void> {
    await waitFor(
      "the cluster to be gone",
      async () =>
        (await this.cp.api("GET", `/v1/clusters/${this.clusterId}`)).status === 404 ? true : undefined,
      60_000,
    );
    await waitFor(
      "the emulated workloads to stop",
      async () => (this.cloud.leftovers().workloads.length === 0 ? true : undefined),
      15_000,
    );
    assert.deepEqual(this.cloud.leftovers(), {
      runningInstances: [],
      volumes: [],
      launchTemplates: [],
      groups: [],
      workloads: [],
    });
    assert.deepEqual(this.cloud.errors, []);
  }

  /** The cluster's group members in `state`, as the fake scaling group holds them. */
  members(state = "InService"): { id: string; state: string; zone: string }[] {
    return this.cloud.groupMembers().filter((m) => m.state === state);
  }

  /** Waits for a RUNNING cluster with `count` ACTIVE brokers; returns them. A timeout says what it saw. */
  async runningWith(count: number, what: string, timeoutMs = 60_000): Promise<BrokerView[]> {
    try {
      return await waitFor(
        what,
        async () => {
          const [view, live] = await Promise.all([this.cluster(), this.active()]);
          return view.state === "RUNNING" && live.length === count ? live : undefined;
        },
        timeoutMs,
      );
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${await this.describe()}`);
    }
  }

  /** The cluster, its brokers, unfinished operations and the group's members, for failure messages. */
  async describe(): Promise<string> {
    const [view, brokers, ops] = await Promise.all([this.cluster(), this.brokers(), this.operations()]);
    return JSON.stringify(
      {
        cluster: view,
        brokers: brokers.map((b) => [b.brokerId, b.instanceId, b.state, b.volumeId]),
        operations: ops.filter((op) => op.status !== "SUCCEEDED"),
        members: this.cloud.groupMembers().map((m) => [m.id, m.state, m.zone]),
        ...this.cloud.describe(),
        errors: this.cloud.errors,
      },
      null,
      1,
    );
  }

  /** Every broker runs on a live fake instance, with its zone, its private address and a WAL volume. */
  assertBrokersMatchInstances(live: readonly BrokerView[]): void {
    for (const b of live) {
      const instance = this.cloud.liveMachine(b.instanceId);
      assert.ok(instance, `broker ${b.brokerId} names ${b.instanceId}, which the cloud does not run`);
      assert.equal(b.zone, instance.zone, `zone of ${b.instanceId}`);
      assert.equal(b.host, instance.privateIp, `address of ${b.instanceId}`);
      assert.match(b.host, /^127\.0\.0\.\d+$/);
      assert.match(b.volumeId ?? "", this.volumeIdPattern, `WAL volume of ${b.instanceId}`);
    }
    assert.equal(new Set(live.map((b) => b.instanceId)).size, live.length, "one broker per instance");
  }
}

/** The values EmulatedClusterKit.roundTrip produces. */
function roundTripValues(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `first-${i}`);
}

export function bootstrapOf(live: readonly BrokerView[]): string {
  return live.map((b) => `${b.host}:${b.port}`).join(",");
}

/** Produces `values` to `topic` with acks=all (kcat exits 0 only when every record was acknowledged). */
export async function produce(bootstrap: string, topic: string, values: readonly string[]): Promise<void> {
  const out = await runKcat(bootstrap, ["-P", "-t", topic, "-X", "acks=all"], {
    input: `${values.join("\n")}\n`,
  });
  assert.equal(out.code, 0, out.stderr);
}

/**
 * The first `count` values of `topic` from the beginning. A broker that has not learned of a topic just
 * auto-created through another one answers UNKNOWN_TOPIC_OR_PARTITION for a moment (as Kafka's do), which
 * kcat -e gives up on: that answer is asked again for up to 10 s, any other failure fails at once.
 */
export async function consume(bootstrap: string, topic: string, count: number): Promise<string[]> {
  const args = ["-C", "-t", topic, "-o", "beginning", "-c", String(count), "-e", "-q"];
  const giveUpAt = Date.now() + 10_000;
  for (;;) {
    const out = await runKcat(bootstrap, args, { timeoutMs: 30_000 });
    if (out.code !== 0 && /Unknown topic or partition/.test(out.stderr) && Date.now() < giveUpAt) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      continue;
    }
    assert.equal(out.code, 0, out.stderr);
    return out.stdout.split("\n").filter((line) => line.length > 0);
  }
}
