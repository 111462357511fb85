// What the aws-cluster e2e tests share: the emulated region with its control plane, a cluster spec on that
// region, and reads of the cluster through the REST API next to the fake's own view of its machines.
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runKcat } from "../../../apps/broker/test/helpers/kcat.ts";
import { waitFor } from "../cluster.ts";
import {
  type EmulatedAwsControlPlane,
  type EmulatedAwsControlPlaneOptions,
  startControlPlaneOnEmulatedAws,
} from "./control-plane-on-emulated-aws.ts";
import { EmulatedAwsCloud } from "./emulated-aws-cloud.ts";

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
}
export type ClusterSpecBody = Record<string, unknown> & { brokers: { min: number; max: number } };

/**
 * The emulated region (EBS convergence scaled down: creating 300 ms, a fresh id NotFound 150 ms, detach 800
 * ms; 10% of all requests throttled, seeded), its control plane, and the test's view of one cluster. `close()` stops everything and removes the
 * folder; AWS credentials for the SDK's default chain (POST /v1/clusters asks for them) are set meanwhile.
 */
export class EmulatedAwsClusterKit {
  readonly dir: string;
  readonly cloud: EmulatedAwsCloud;
  readonly identityCertificate: string;
  cp!: EmulatedAwsControlPlane;
  clusterId = "";
  readonly #savedEnv: Record<string, string | undefined>;

  private constructor(dir: string) {
    this.dir = dir;
    const regionKey = generateKeyPairSync("rsa", { modulusLength: 2048 });
    this.identityCertificate = regionKey.publicKey.export({ type: "spki", format: "pem" }).toString();
    this.cloud = new EmulatedAwsCloud({
      dir: join(dir, "cloud"),
      signingKey: regionKey.privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
      timing: {
        volumeCreatingMs: 300,
        newIdNotFoundMs: 150,
        detachingMs: 800,
        throttleRate: 0.1,
      },
      shutdownGraceMs: 3_000,
      volumeBytes: 64 * 1024 * 1024,
    });
    this.#savedEnv = {
      AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID,
      AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY,
    };
    // The emulated region takes any credentials; the SDK's chain finds these.
    process.env.AWS_ACCESS_KEY_ID = "AKIAEMULATEDREGION01";
    process.env.AWS_SECRET_ACCESS_KEY = "emulated-region";
  }

  static async open(
    options: Pick<EmulatedAwsControlPlaneOptions, "restartable" | "leaseMs"> = {},
  ): Promise<EmulatedAwsClusterKit> {
    const kit = new EmulatedAwsClusterKit(await mkdtemp(join(tmpdir(), "cirrus-aws-cluster-")));
    try {
      await kit.startControlPlane(options);
    } catch (error) {
      await kit.close();
      throw error;
    }
    return kit;
  }

  async startControlPlane(
    options: Pick<EmulatedAwsControlPlaneOptions, "restartable" | "leaseMs"> = {},
  ): Promise<void> {
    this.cp = await startControlPlaneOnEmulatedAws({
      cloud: this.cloud,
      identityCertificate: this.identityCertificate,
      dataDir: this.dir,
      ...options,
    });
  }

  async close(): Promise<void> {
    await this.cp?.close();
    await this.cloud.close();
    for (const [name, value] of Object.entries(this.#savedEnv)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await rm(this.dir, { recursive: true, force: true });
  }

  /** An aws cluster on this region: both zones, spot only, the autoscaler off (the fake reports no traffic). */
  spec(brokers: { min: number; max: number }): ClusterSpecBody {
    return {
      provider: "aws",
      region: "us-east-1",
      zones: [...this.cloud.account.zones],
      instanceTypes: ["m6i.large"],
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
      aws: {
        imageId: "ami-0123456789abcdef0",
        subnets: Object.fromEntries([...this.cloud.account.subnets].map(([subnet, zone]) => [zone, subnet])),
        securityGroupIds: ["sg-0123456789abcdef0"],
      },
    };
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

  /** The cluster's group members in `state`, as the fake Auto Scaling group holds them. */
  members(state = "InService") {
    const group = [...this.cloud.account.groups.values()][0];
    return [...(group?.members.values() ?? [])].filter((m) => m.state === state);
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
    const group = [...this.cloud.account.groups.values()][0];
    return JSON.stringify(
      {
        cluster: view,
        brokers: brokers.map((b) => [b.brokerId, b.instanceId, b.state, b.volumeId]),
        operations: ops.filter((op) => op.status !== "SUCCEEDED"),
        members: [...(group?.members.values() ?? [])].map((m) => [m.id, m.state, m.zone]),
        instances: [...this.cloud.account.instances.values()].map((i) => [i.id, i.state]),
        volumes: [...this.cloud.account.volumes.values()].map((v) => [v.id, v.state, v.attachments]),
        errors: this.cloud.errors,
      },
      null,
      1,
    );
  }

  /** Every broker runs on a live fake instance, with its zone, its private address and a WAL volume. */
  assertBrokersMatchInstances(live: readonly BrokerView[]): void {
    for (const b of live) {
      const instance = this.cloud.account.instances.get(b.instanceId);
      assert.ok(instance, `broker ${b.brokerId} names ${b.instanceId}, which the cloud never launched`);
      assert.equal(instance.state, "running");
      assert.equal(b.zone, instance.zone, `zone of ${b.instanceId}`);
      assert.equal(b.host, instance.privateIp, `address of ${b.instanceId}`);
      assert.match(b.host, /^127\.0\.0\.\d+$/);
      assert.match(b.volumeId ?? "", /^vol-[0-9a-f]+$/, `WAL volume of ${b.instanceId}`);
    }
    assert.equal(new Set(live.map((b) => b.instanceId)).size, live.length, "one broker per instance");
  }
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
