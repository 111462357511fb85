// What both emulated clouds (EmulatedAwsCloud, EmulatedAliyunCloud) do alike over their EmulatedRegion: their
// options, the region and the fake account set up from them (loopback private addresses, the injected timing),
// the spot-interruption and crash steps (the fake marks and ends the instance; the region runs the instance's
// metadata notice, its SIGKILL and its shutdown) and closing. Each cloud wires its fake's events to the region
// and says how its fake marks a reclaim and ends an instance.
import type { FakeTiming } from "@cirrus/cloud/emulators";
import { EmulatedRegion } from "./emulated-region.ts";
import type { EmulatedInstance } from "./instance-runner.ts";
import type { CloudName, MetadataEmulatorOptions } from "./metadata-emulator.ts";

export interface EmulatedCloudOptions {
  /** Where instances (by-id folders, boot scripts, broker data) and volume block files live. */
  readonly dir: string;
  /** PEM of the region's identity key: signs every instance's identity. */
  readonly signingKey: string;
  /** aws: every instance's instance profile role (see MetadataEmulatorOptions.instanceRole). */
  readonly instanceRole?: MetadataEmulatorOptions["instanceRole"];
  /** The clouds' convergence delays, injected into the fakes (scaled down). */
  readonly timing?: Partial<FakeTiming>;
  /** How long a terminated instance's workload has between SIGTERM and SIGKILL. Default 5 s. */
  readonly shutdownGraceMs?: number;
  /** Bytes of each volume's block file (sparse). Default: the volume's size in GiB. */
  readonly volumeBytes?: number;
  /** More machine environment of every instance (see EmulatedRegionOptions.machineEnv). */
  readonly machineEnv?: Record<string, string>;
}

/** What the fakes still hold: after a cluster is deleted, every list is empty. */
export interface CloudLeftovers {
  readonly runningInstances: string[];
  readonly volumes: string[];
  /** Launch templates (aws) or scaling configurations (aliyun). */
  readonly launchTemplates: string[];
  readonly groups: string[];
  /** Emulated instances whose workload still runs. */
  readonly workloads: string[];
}

/** The part of a fake account (FakeAwsAccount, FakeAliyunAccount) the shared steps use. */
interface FakeAccount {
  timing: FakeTiming;
  privateIpPrefix: string;
  readonly events: { removeAllListeners(): unknown };
}

export abstract class EmulatedCloudOnRegion<Account extends FakeAccount> {
  readonly account: Account;
  protected readonly region: EmulatedRegion;

  protected constructor(
    provider: CloudName,
    account: Account,
    options: EmulatedCloudOptions,
    signingCertificate?: string,
  ) {
    this.account = account;
    this.region = new EmulatedRegion({
      provider,
      dir: options.dir,
      identity: {
        signingKey: options.signingKey,
        ...(signingCertificate === undefined ? {} : { signingCertificate }),
        ...(options.instanceRole === undefined ? {} : { instanceRole: options.instanceRole }),
      },
      ...(options.shutdownGraceMs === undefined ? {} : { shutdownGraceMs: options.shutdownGraceMs }),
      ...(options.volumeBytes === undefined ? {} : { volumeBytes: options.volumeBytes }),
      ...(options.machineEnv === undefined ? {} : { machineEnv: options.machineEnv }),
    });
    account.privateIpPrefix = "127.0.0.";
    account.timing = { ...account.timing, ...options.timing };
  }

  /** The fake's own record that the instance will be reclaimed (what the provider's poll reads). */
  protected abstract markSpotInterrupted(instanceId: string): void;

  /** The fake ends the instance (EC2 terminates it, ECS releases it): its volumes detach, its group replaces it. */
  protected abstract end(instanceId: string): void;

  /** Boot or volume failures, for the test to assert empty and to show. */
  get errors(): string[] {
    return this.region.errors;
  }

  /** The emulated machine of a launched instance (its metadata service, output, workload). */
  instance(instanceId: string): Promise<EmulatedInstance> {
    return this.region.instance(instanceId);
  }

  /**
   * A spot interruption, as the cloud gives it: the fake marks the instance (markSpotInterrupted), its metadata
   * service announces the reclaim for `noticeMs` from now (aws `spot/instance-action`, aliyun
   * `instance/spot/termination-time`), and at that time the fake ends the instance.
   */
  async announceSpotInterruption(instanceId: string, noticeMs: number): Promise<Date> {
    const instance = await this.instance(instanceId);
    const at = new Date(Date.now() + noticeMs);
    this.markSpotInterrupted(instanceId);
    instance.metadata.announceSpotInterruption(at);
    this.region.later(noticeMs, () => this.end(instanceId));
    return at;
  }

  /** The instance dies outright: its workload is SIGKILLed (no hand-back), then the fake ends it. */
  async crash(instanceId: string): Promise<void> {
    await (await this.instance(instanceId)).kill("SIGKILL");
    this.end(instanceId);
  }

  /** Waits for every pending step, then kills every workload and closes every metadata service. */
  async close(): Promise<void> {
    this.account.events.removeAllListeners();
    await this.region.close();
  }
}
