// What every emulated region does with the machines its cloud fakes decide on, whichever the cloud: an
// instance launched by the fake boots with EmulatedInstance from its user data (the real boot script → a real
// broker) with the metadata service of its cloud; its volumes are block files that appear in its by-id folder
// when an attach is accepted and leave it when the detach completes; terminating or releasing it shuts its
// workload down (SIGTERM, then SIGKILL after `shutdownGraceMs`, as the clouds' shutdown does). The per-cloud
// classes (EmulatedAwsCloud, EmulatedAliyunCloud) wire their fake's events to these steps.
import { join } from "node:path";
import { createBlockVolume } from "./block-volumes.ts";
import { EmulatedInstance } from "./instance-runner.ts";
import type { CloudName, MetadataEmulatorOptions } from "./metadata-emulator.ts";

export interface EmulatedRegionOptions {
  readonly provider: CloudName;
  /** Where instances (by-id folders, boot scripts, broker data) and volume block files live. */
  readonly dir: string;
  /**
   * What signs every instance's identity (see MetadataEmulatorOptions: signingKey, signingCertificate), and aws's
   * instance role credentials.
   */
  readonly identity: Pick<
    MetadataEmulatorOptions,
    "signingKey" | "signingCertificate" | "region" | "instanceRole"
  >;
  /** How long a terminated instance's workload has between SIGTERM and SIGKILL. Default 5 s. */
  readonly shutdownGraceMs?: number;
  /** Bytes of each volume's block file (sparse). Default: the volume's size in GiB. */
  readonly volumeBytes?: number;
  /**
   * More machine environment of every instance: what an image would bake in rather than the launch template
   * carry (aws: CIRRUS_AWS_STS_ENDPOINT, the emulated region's STS, the only one besides the real region's the
   * broker signs its proof for).
   */
  readonly machineEnv?: Record<string, string>;
}

/** One machine the fake launched, as the region boots it. */
export interface RegionLaunch {
  readonly instanceId: string;
  readonly zone: string;
  readonly privateIp: string;
  readonly lifecycle: "spot" | "on-demand";
  /** Base64, from the launch template / scaling configuration; a launch without any is an error. */
  readonly userDataBase64: string | undefined;
}

export class EmulatedRegion {
  readonly #options: EmulatedRegionOptions;
  readonly #instances = new Map<string, Promise<EmulatedInstance | undefined>>();
  readonly #booted = new Map<string, EmulatedInstance>();
  /** Per instance, its attach/detach/shutdown steps in the order the fakes emitted them. */
  readonly #chains = new Map<string, Promise<unknown>>();
  readonly #timers = new Set<NodeJS.Timeout>();
  /** Boot or volume failures, for the test to assert empty and to show. */
  readonly errors: string[] = [];

  constructor(options: EmulatedRegionOptions) {
    this.#options = options;
  }

  /** The emulated machine of a launched instance (its metadata service, output, workload). */
  async instance(instanceId: string): Promise<EmulatedInstance> {
    const instance = await this.#instances.get(instanceId);
    if (!instance) throw new Error(`no emulated instance ${instanceId} (${this.errors.join("; ")})`);
    return instance;
  }

  /** Emulated instances whose workload still runs. */
  workloads(): string[] {
    return [...this.#booted.values()].filter((i) => i.running).map((i) => i.instanceId);
  }

  launch(machine: RegionLaunch): void {
    const booting = (async () => {
      if (!machine.userDataBase64) throw new Error(`${machine.instanceId} was launched without user data`);
      const instance = await EmulatedInstance.launch({
        provider: this.#options.provider,
        instanceId: machine.instanceId,
        zone: machine.zone,
        privateIp: machine.privateIp,
        lifecycle: machine.lifecycle,
        userDataBase64: machine.userDataBase64,
        dir: join(this.#options.dir, "instances", machine.instanceId),
        metadata: this.#options.identity,
        ...(this.#options.machineEnv ? { env: this.#options.machineEnv } : {}),
      });
      this.#booted.set(machine.instanceId, instance);
      return instance;
    })().catch((error: unknown) => {
      this.errors.push(`boot of ${machine.instanceId}: ${String(error)}`);
      return undefined;
    });
    this.#instances.set(machine.instanceId, booting);
    this.step(machine.instanceId, () => booting);
  }

  /** The volume's block file appears in the instance's by-id folder (after the instance's earlier steps). */
  attach(volumeId: string, instanceId: string, sizeGiB: number): void {
    this.step(instanceId, async () => {
      const block = await createBlockVolume(
        join(this.#options.dir, "volumes"),
        volumeId,
        this.#options.volumeBytes ?? sizeGiB * 1024 ** 3,
      );
      await (await this.instance(instanceId)).attachVolume(block);
    });
  }

  /** The volume leaves the instance's by-id folder at `until` (epoch ms). */
  detachAt(volumeId: string, instanceId: string, until: number): void {
    this.later(until - Date.now(), () =>
      this.step(instanceId, async () => (await this.instance(instanceId)).detachVolume(volumeId)),
    );
  }

  /** The cloud ends the instance: SIGTERM, SIGKILL after the grace period, metadata service closed. */
  shutDown(instanceId: string): void {
    this.step(instanceId, async () => {
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
    });
  }

  /** Runs `fn` after `ms` unless the region is closed first. */
  later(ms: number, fn: () => void): void {
    const timer = setTimeout(
      () => {
        this.#timers.delete(timer);
        fn();
      },
      Math.max(0, ms),
    );
    this.#timers.add(timer);
  }

  /** Runs `fn` after the instance's earlier steps; a failure is recorded in `errors`. */
  step(instanceId: string, fn: () => Promise<unknown>): void {
    const previous = this.#chains.get(instanceId) ?? Promise.resolve();
    const next = previous.then(fn).catch((error: unknown) => {
      this.errors.push(`${instanceId}: ${String(error)}`);
    });
    this.#chains.set(instanceId, next);
  }

  /** Waits for every pending step, then kills every workload and closes every metadata service. */
  async close(): Promise<void> {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    await Promise.allSettled([...this.#chains.values()]);
    const all = await Promise.all([...this.#instances.values()]);
    await Promise.all(all.map((instance) => instance?.terminate()));
  }
}
