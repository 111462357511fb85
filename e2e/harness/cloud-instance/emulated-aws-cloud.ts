// An emulated AWS region that runs real brokers: the stateful Auto Scaling / EC2 / CloudWatch fakes of
// `@cirrus/cloud/emulators` (every request checked against the SDK's own service models) decide what exists;
// this class makes it run on this machine. Each instance the fake Auto Scaling group launches is booted by
// EmulatedInstance from its launch template's user data (the real boot script → a real broker), with its own
// loopback address as private IP (127.0.0.10, .11, …), its zone from the subnet it was launched into, spot or
// on-demand as the group's distribution chose, and a metadata-service emulator signing its identity with the
// region key given here. Its EBS volumes are block files that appear in the instance's by-id folder when
// AttachVolume is accepted and leave it when the detach completes (the fakes' injected `detachingMs`).
// Terminating an instance in the fake (scale-in, a completed lifecycle action, a spot reclaim, a deleted
// group) shuts its workload down: SIGTERM, then SIGKILL after `shutdownGraceMs`, as EC2's shutdown does.
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import {
  FakeAwsAccount,
  type FakeEc2Instance,
  type FakeTiming,
  fakeAwsClients,
} from "@cirrus/cloud/emulators";
import {
  attachBlockVolume,
  type BlockVolume,
  createBlockVolume,
  detachBlockVolume,
} from "./block-volumes.ts";
import { EmulatedInstance } from "./instance-runner.ts";

export interface EmulatedAwsCloudOptions {
  /** Where instances (by-id folders, boot scripts, broker data) and volume block files live. */
  readonly dir: string;
  /** PEM of the region's identity key: signs every instance's identity document. */
  readonly signingKey: string;
  /** The clouds' convergence delays, injected into the fakes (scaled down). */
  readonly timing?: Partial<FakeTiming>;
  /** How long a terminated instance's workload has between SIGTERM and SIGKILL. Default 5 s. */
  readonly shutdownGraceMs?: number;
  /** Bytes of each volume's block file (sparse). Default: the volume's size in GiB. */
  readonly volumeBytes?: number;
}

/** What the fakes still hold: after a cluster is deleted, every list is empty. */
export interface CloudLeftovers {
  readonly runningInstances: string[];
  readonly volumes: string[];
  readonly launchTemplates: string[];
  readonly groups: string[];
  /** Emulated instances whose workload still runs. */
  readonly workloads: string[];
}

export class EmulatedAwsCloud {
  readonly account = new FakeAwsAccount();
  readonly #options: EmulatedAwsCloudOptions;
  readonly #instances = new Map<string, Promise<EmulatedInstance | undefined>>();
  readonly #booted = new Map<string, EmulatedInstance>();
  /** Per instance, its attach/detach/shutdown steps in the order the fakes emitted them. */
  readonly #chains = new Map<string, Promise<unknown>>();
  readonly #timers = new Set<NodeJS.Timeout>();
  /** Boot or volume failures, for the test to assert empty and to show. */
  readonly errors: string[] = [];

  constructor(options: EmulatedAwsCloudOptions) {
    this.#options = options;
    this.account.privateIpPrefix = "127.0.0.";
    // Subnet ids shaped as AWS's (the cluster spec's validation checks them), one per zone.
    this.account.subnets.clear();
    for (const [i, zone] of this.account.zones.entries())
      this.account.subnets.set(`subnet-0e${i}a1b2c3d4e5f607`, zone);
    this.account.timing = { ...this.account.timing, ...options.timing };
    this.account.events.on("instance-launched", (instance) => this.#launch(instance));
    this.account.events.on("instance-terminated", (instance) => {
      this.#step(instance.id, () => this.#shutDown(instance.id));
    });
    this.account.events.on("volume-attached", (volumeId, instanceId) => {
      this.#step(instanceId, () => this.#attach(volumeId, instanceId));
    });
    this.account.events.on("volume-detaching", (volumeId, instanceId, until) => {
      this.#later(until - Date.now(), () =>
        this.#step(instanceId, () => detachBlockVolume("aws", this.#byIdRoot(instanceId), volumeId)),
      );
    });
  }

  /** The three SDK clients an AwsProvider takes, over this region (real clients, requests model-checked). */
  clients(): ReturnType<typeof fakeAwsClients> {
    return fakeAwsClients(this.account);
  }

  /** The emulated machine of a launched instance (its metadata service, output, workload). */
  async instance(instanceId: string): Promise<EmulatedInstance> {
    const instance = await this.#instances.get(instanceId);
    if (!instance) throw new Error(`no emulated instance ${instanceId} (${this.errors.join("; ")})`);
    return instance;
  }

  /**
   * A spot interruption, as EC2 gives it: the spot request is marked for termination (what the provider's
   * poll reads), the instance's metadata service announces `spot/instance-action` for `noticeMs` from now,
   * and at that time EC2 reclaims the instance (its Auto Scaling group then launches a replacement).
   */
  async announceSpotInterruption(instanceId: string, noticeMs: number): Promise<Date> {
    const instance = await this.instance(instanceId);
    const at = new Date(Date.now() + noticeMs);
    this.account.markSpotForTermination(instanceId);
    instance.metadata.announceSpotInterruption(at);
    this.#later(noticeMs, () => this.account.terminateInstance(instanceId));
    return at;
  }

  /**
   * The instance dies outright: its workload is SIGKILLed (no hand-back), then EC2 terminates it (its volumes
   * detach with the injected delay; the group replaces it).
   */
  async crash(instanceId: string): Promise<void> {
    await (await this.instance(instanceId)).kill("SIGKILL");
    this.account.terminateInstance(instanceId);
  }

  leftovers(): CloudLeftovers {
    const running = [...this.account.instances.values()].filter((i) => i.state !== "terminated");
    return {
      runningInstances: running.map((i) => i.id),
      volumes: [...this.account.volumes.values()].filter((v) => v.state !== "deleted").map((v) => v.id),
      launchTemplates: [...this.account.launchTemplates.keys()],
      groups: [...this.account.groups.keys()],
      workloads: [...this.#booted.values()].filter((i) => i.running).map((i) => i.instanceId),
    };
  }

  /** Waits for every pending step, then kills every workload and closes every metadata service. */
  async close(): Promise<void> {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    this.account.events.removeAllListeners();
    await Promise.allSettled([...this.#chains.values()]);
    const all = await Promise.all([...this.#instances.values()]);
    await Promise.all(all.map((instance) => instance?.terminate()));
  }

  #byIdRoot(instanceId: string): string {
    return join(this.#options.dir, "instances", instanceId, "dev", "disk", "by-id");
  }

  #launch(instance: FakeEc2Instance): void {
    const booting = (async () => {
      if (!instance.userData) throw new Error(`${instance.id} was launched without user data`);
      const machine = await EmulatedInstance.launch({
        provider: "aws",
        instanceId: instance.id,
        zone: instance.zone,
        privateIp: instance.privateIp,
        lifecycle: instance.spotRequestId ? "spot" : "on-demand",
        userDataBase64: instance.userData,
        signingKey: this.#options.signingKey,
        dir: join(this.#options.dir, "instances", instance.id),
      });
      this.#booted.set(instance.id, machine);
      return machine;
    })().catch((error: unknown) => {
      this.errors.push(`boot of ${instance.id}: ${String(error)}`);
      return undefined;
    });
    this.#instances.set(instance.id, booting);
    this.#step(instance.id, () => booting);
  }

  async #attach(volumeId: string, instanceId: string): Promise<void> {
    const volume = this.account.volumes.get(volumeId);
    if (!volume) throw new Error(`attach of unknown volume ${volumeId}`);
    const block: BlockVolume = await createBlockVolume(
      join(this.#options.dir, "volumes"),
      volumeId,
      this.#options.volumeBytes ?? volume.size * 1024 ** 3,
    );
    await mkdir(this.#byIdRoot(instanceId), { recursive: true });
    await attachBlockVolume("aws", this.#byIdRoot(instanceId), block);
  }

  async #shutDown(instanceId: string): Promise<void> {
    const machine = await this.#instances.get(instanceId);
    if (!machine) return;
    if (machine.running) {
      const exited = machine.kill("SIGTERM");
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise((resolve) => {
        timer = setTimeout(resolve, this.#options.shutdownGraceMs ?? 5_000);
      });
      await Promise.race([exited, grace]);
      clearTimeout(timer);
    }
    await machine.terminate();
  }

  /** Runs `fn` after the instance's earlier steps; a failure is recorded in `errors`. */
  #step(instanceId: string, fn: () => Promise<unknown>): void {
    const previous = this.#chains.get(instanceId) ?? Promise.resolve();
    const next = previous.then(fn).catch((error: unknown) => {
      this.errors.push(`${instanceId}: ${String(error)}`);
    });
    this.#chains.set(instanceId, next);
  }

  #later(ms: number, fn: () => void): void {
    const timer = setTimeout(
      () => {
        this.#timers.delete(timer);
        fn();
      },
      Math.max(0, ms),
    );
    this.#timers.add(timer);
  }
}
